"""The demo's migration context (#12): valid codes, a version exactly when something was
answered, irregular intentions with higher fees, and the planted rise at one MRC."""

from __future__ import annotations

from collections import Counter
from datetime import date

from mrc.cases import vocab
from mrc.demo.context import PLANT, plant_start
from mrc.demo.generator import generate
from tests.demo.conftest import TODAY, make_spec


def sessions(clients: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for chunk in generate(make_spec(clients=clients)):
        table = chunk.sessions
        rows += [dict(zip(table.columns, row, strict=True)) for row in table.rows()]
    return rows


def test_answers_are_codes_of_their_vocabulary_and_versioned() -> None:
    rows = sessions(2000)
    for row in rows:
        answered = [row[name] for name in vocab.CONTEXT_FIELDS if row[name] is not None]
        assert all(row[name] is None or row[name] in options
                   for name, options in vocab.CONTEXT_FIELDS.items())
        assert row["context_version"] == (vocab.CONTEXT_VERSION if answered else None)
    asked = sum(row["route"] is not None for row in rows) / len(rows)
    assert 0.35 < asked < 0.75
    fees = {flag: Counter(r["fee_band"] for r in rows if r["fee_band"]
                          and (r["intention"] == "irregular") == flag) for flag in (True, False)}
    high = {flag: (c["5000_9999"] + c["10000_plus"]) / sum(c.values()) for flag, c in fees.items()}
    assert high[True] > 3 * high[False]


def test_the_planted_route_rises_at_its_mrc_only() -> None:
    spec = make_spec(clients=20000)
    codes = {m.id: m.code for m in spec.mrcs}
    start = plant_start(TODAY.toordinal())
    share: dict[tuple[str, bool], Counter[bool]] = {}
    for row in sessions(20000):
        if row["route"] is None:
            continue
        day = date.fromisoformat(str(row["date"])).toordinal()
        if not start - 26 * 7 <= day < start + 10 * 7 or day - start in range(0, 6 * 7):
            continue  # a half-year before the rise, and the weeks after its ramp
        key = (codes[int(str(row["mrc_id"]))], day >= start)
        share.setdefault(key, Counter())[row["route"] == PLANT.route] += 1

    def ratio(mrc: str) -> float:
        after, before = share[(mrc, True)], share[(mrc, False)]
        return (after[True] / after.total()) / (before[True] / before.total())

    assert ratio(PLANT.mrc) > 2.5
    assert 0.6 < ratio("IQ-BGW") < 1.5  # the same route elsewhere stays where it was

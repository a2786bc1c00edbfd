"""The dashboard's tables with the cell key method (``MRC_DISCLOSURE_METHOD=cellkey``, #11):
no small value, nothing hidden, and the same records give the same published value in every
table and request."""

from __future__ import annotations

from datetime import date

import pytest

from mrc.aggregates import periods, services
from mrc.aggregates.indicators import INDICATORS, Measure
from mrc.aggregates.models import LeafletMonth, OutreachMonth
from mrc.aggregates.tables import PublishedTable

THRESHOLD = 5


@pytest.fixture
def cellkey(app, monkeypatch) -> list[object]:
    """The cell key method on; the tables still suppressed per request are recorded."""
    monkeypatch.setitem(app.config, "MRC_DISCLOSURE_METHOD", "cellkey")
    suppressed: list[object] = []
    real = services.protect

    def recorded(table, threshold, lineage=""):
        suppressed.append(table)
        return real(table, threshold, lineage)

    monkeypatch.setattr(services, "protect", recorded)
    return suppressed


def unkeyed_groups(breakdown: str) -> int:
    """Groups of events and materials (outreach, leaflets), not of people on record: they
    have no record keys and stay with per-request suppression."""
    return sum(1 for spec in INDICATORS if spec.shown(breakdown) and any(
        isinstance(b.source, Measure) and b.source.model in (OutreachMonth, LeafletMonth)
        for b in spec.blocks))


def fill(make_client, mrc: str, n: int, **fields) -> None:
    for _ in range(n):
        make_client(mrc, sessions=1, baseline=date.today().replace(day=1), **fields)


@pytest.fixture
def population(network, make_client):
    fill(make_client, "PK-ISB", 7, sex="female")
    fill(make_client, "PK-ISB", 1, sex="male", migrant_status="returnee", birth_year=2010)
    fill(make_client, "PK-LHE", 3, sex="male")
    return [network[c].id for c in ("PK-ISB", "PK-LHE", "AF-KBL", "IQ-EBL")]


def month() -> periods.Period:
    return periods.month(date.today().year, date.today().month)


def by_key(tables: list[PublishedTable]) -> dict[str, PublishedTable]:
    return {t.key: t for t in tables}


def total(table: PublishedTable, row_key: str = "") -> int | float | None:
    row = next(r for r, row in enumerate(table.rows) if row.key == row_key)
    return table.cells[row][-1]


@pytest.mark.parametrize("breakdown", sorted(services.BREAKDOWNS))
def test_no_small_value_and_nothing_hidden(cellkey, population, breakdown):
    tables = services.indicator_tables(population, month(), breakdown)
    tables += services.trend_tables(population, month())
    assert len(cellkey) == unkeyed_groups(breakdown) > 0
    keyed = {"sessions", "clients", "new_clients", "returning_clients", "followups_due",
             "followups_reached", "baseline_n", "followup_n", "awareness_paired",
             "trend_destination", "trend_intention"}
    seen = set()
    for t in tables:
        if t.key not in keyed:
            continue
        seen.add(t.key)
        for r, row in enumerate(t.cells):
            for c, value in enumerate(row):
                assert not t.suppressed[r][c], (t.key, r, c)
                assert value is not None and (value == 0 or value >= THRESHOLD), (t.key, r, c)
    assert {"sessions", "clients", "trend_destination"} <= seen


def test_the_same_records_get_the_same_value_everywhere(cellkey, population):
    period = month()
    totals = {b: total(by_key(services.indicator_tables(population, period, b))["sessions"])
              for b in ("mrc", "sex", "age_band", "channel", "destination")}
    trends = by_key(services.trend_tables(population, period))
    # Every session of the scope in the month: one set of records, one published value.
    assert len(set(totals.values())) == 1, totals
    assert total(trends["trend_destination"]) == totals["mrc"]
    assert total(trends["trend_intention"]) == totals["mrc"]
    # The Lahore sessions (all three clients are men) are one cell in the MRC table and one
    # in the by-sex table: the same value, 0 or the threshold, never 3.
    by_mrc = by_key(services.indicator_tables(population, period, "mrc"))["sessions"]
    by_sex = by_key(services.indicator_tables(population, period, "sex"))["sessions"]
    male = next(j for j, (code, _label) in enumerate(by_sex.columns) if code == "male")
    lahore = next(r for r, row in enumerate(by_sex.rows) if row.key == "PK-LHE")
    assert total(by_mrc, "PK-LHE") == by_sex.cells[lahore][male] == total(by_sex, "PK-LHE")
    assert total(by_mrc, "PK-LHE") in (0, THRESHOLD)
    # Asked again, by anybody: the same.
    assert services.indicator_tables(population, period, "mrc") == \
        services.indicator_tables(population, period, "mrc")


def test_published_values_stay_near_the_truth_and_rates_use_them(cellkey, population):
    tables = by_key(services.indicator_tables(population, month(), "mrc"))
    sessions = tables["sessions"]
    assert abs(total(sessions) - 11) <= 12
    assert abs(total(sessions, "PK-ISB") - 8) <= 12 and total(sessions, "PK-ISB") >= THRESHOLD
    due, reached = tables["followups_due"], tables["followups_reached"]
    rate = tables["followup_reach_rate"]
    for r in range(len(rate.rows)):
        d, a = due.cells[r][-1], reached.cells[r][-1]
        assert rate.cells[r][-1] == (None if not d else round(100.0 * a / d, 1))


def test_the_cell_key_method_is_the_default_and_suppression_a_choice(app, monkeypatch,
                                                                     population):
    assert "MRC_DISCLOSURE_METHOD" not in app.config or \
        app.config["MRC_DISCLOSURE_METHOD"] == "cellkey"
    sessions = by_key(services.indicator_tables(population, month(), "mrc"))["sessions"]
    assert total(sessions, "PK-LHE") not in (None, 1, 2, 3, 4)  # 3 sessions: perturbed
    monkeypatch.setitem(app.config, "MRC_DISCLOSURE_METHOD", "suppression")
    sessions = by_key(services.indicator_tables(population, month(), "mrc"))["sessions"]
    assert total(sessions, "PK-LHE") is None  # 3 sessions: suppressed


def test_the_legend_says_counts_are_perturbed(cellkey, app):
    from mrc.aggregates.tables import legend

    with app.test_request_context():
        text = legend(5)
    assert text.startswith("x: fewer than 5") and "never shows 1 to 4" in text

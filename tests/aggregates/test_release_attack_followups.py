"""The attack on the follow-up and baseline tables (issue #11): follow-ups due and reached,
clients at baseline and reached at follow-up, clients with both awareness scores, for every
scope × every month, quarter, half-year and the year × every client breakdown, published with
the cell key method and attacked together.

Each of these counts over a period is a sum of rows of ``agg_outcome_month`` (MRC × month ×
category, one column per count), so the attacker's atoms are those rows, one set per
column. They are also told that every breakdown splits the same clients and what a
follow-up's records imply: in every row the waves reached are among those due, and the
clients with both scores among those reached at follow-up (``Link(at_most=True)``). The
rates next to these counts (reach rate, intention shares) are computed from the published
counts, so they tell nothing the counts do not."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from mrc.aggregates import periods
from mrc.aggregates.models import OutcomeMonth
from mrc.extensions import db
from mrc.privacy.attacker import releases
from tests.aggregates.client_attack import assert_none_narrowed, client_tables
from tests.aggregates.test_release_attack_dashboard import YEAR, demo  # noqa: F401  (fixture)

COLUMNS = {"followups_due": "due", "followups_reached": "reached", "baseline_n": "baseline_n",
           "followup_n": "followup_n", "awareness_paired": "paired"}  # table key: column
AMONG = (("reached", "due"), ("paired", "followup_n"))  # left <= right in every row


@dataclass
class Outcomes:
    rows: list[OutcomeMonth]
    cells: dict[tuple[int, ...], int] = field(default_factory=dict)

    def atom(self, column: str, row: int) -> int:
        return list(COLUMNS.values()).index(column) * len(self.rows) + row

    def atoms(self, column: str, dim: str, mrcs: list[int], period: periods.Period,
              code: str) -> tuple[int, ...]:
        return tuple(self.atom(column, i) for i, r in enumerate(self.rows)
                     if r.dim == dim and r.mrc_id in mrcs and period.first <= r.month
                     and r.month <= period.last and code in ("", r.value))

    def add(self, atoms: tuple[int, ...], value: int | float | None) -> None:
        assert value is not None  # the cell key method hides nothing
        known = self.cells.setdefault(atoms, int(value))
        assert known == int(value), "one set of clients, two published values"

    def truth(self, atom: int) -> int:
        column, row = divmod(atom, len(self.rows))
        return int(getattr(self.rows[row], list(COLUMNS.values())[column]))

    def links(self) -> list[releases.Link]:
        groups: dict[tuple[object, ...], list[int]] = {}
        for i, r in enumerate(self.rows):
            groups.setdefault((r.mrc_id, r.month, r.dim), []).append(i)
        out = [releases.Link(tuple(self.atom(c, i) for i in rows),
                             tuple(self.atom(c, i) for i in groups[(*key[:2], "all")]))
               for key, rows in groups.items() if key[2] != "all" and (*key[:2], "all") in groups
               for c in COLUMNS.values()]
        return out + [releases.Link((self.atom(left, i),), (self.atom(right, i),), at_most=True)
                      for i in range(len(self.rows)) for left, right in AMONG]


@pytest.mark.once
@pytest.mark.usefixtures("demo")
def test_the_cell_key_method_holds_for_follow_ups_and_baselines(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MRC_DISCLOSURE_METHOD", "cellkey")
    rows = list(db.session.scalars(select(OutcomeMonth).where(
        OutcomeMonth.month >= periods.year(YEAR).first,
        OutcomeMonth.month <= periods.year(YEAR).last)))
    out = Outcomes(rows)
    for mrcs, period, dim, table in client_tables():
        column = COLUMNS.get(table.key)
        for r, row in enumerate(table.rows if column else ()):
            for c, (code, _l) in enumerate(table.columns):
                out.add(out.atoms(column, dim, mrcs[row.key], period,
                                  code if dim != "all" else ""), table.cells[r][c])
    assert {divmod(a[0], len(rows))[0] for a in out.cells if a} == set(range(len(COLUMNS)))
    cells = [releases.PublishedCell(a, v) for a, v in out.cells.items() if a]
    truth = [sum(out.truth(a) for a in cell.atoms) for cell in cells]
    assert_none_narrowed(cells, truth, len(COLUMNS) * len(rows), out.links(),
                         at_least=(5000, 500))

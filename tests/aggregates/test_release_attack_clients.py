"""The attack on the distinct-client tables (issue #11): clients counselled, new and
returning clients, for every scope × every month, quarter, half-year and the year × every
client breakdown, published with the cell key method and attacked together.

A distinct-client count over a period is not a sum of monthly counts, but it is a sum of
rows of ``agg_client_month`` (MRC × month × month of the previous session × category): a
client counts once, in their first active month of the period. The attacker is given
exactly those rows as atoms (so also which of them are not empty, more than anyone outside
knows), that every breakdown splits the same clients, and the perturbation table."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from mrc.aggregates import periods
from mrc.aggregates.models import NO_EARLIER, ClientMonth
from mrc.extensions import db
from mrc.privacy.attacker import releases
from tests.aggregates.client_attack import assert_none_narrowed, client_tables
from tests.aggregates.test_release_attack_dashboard import YEAR, demo  # noqa: F401  (fixture)

TABLES = {"clients": None, "new_clients": True, "returning_clients": False}  # key: new?


@dataclass
class Clients:
    rows: list[ClientMonth]
    cells: dict[tuple[int, ...], int] = field(default_factory=dict)

    def atoms(self, dim: str, mrcs: list[int], period: periods.Period, code: str,
              new: bool | None) -> tuple[int, ...]:
        return tuple(i for i, r in enumerate(self.rows)
                     if r.dim == dim and r.mrc_id in mrcs and period.first <= r.month
                     and r.month <= period.last and r.prev_month < period.first
                     and (code == "" or r.value == code)
                     and (new is None or (r.prev_month == NO_EARLIER) == new))

    def add(self, atoms: tuple[int, ...], value: int | float | None) -> None:
        assert value is not None  # the cell key method hides nothing
        known = self.cells.setdefault(atoms, int(value))
        assert known == int(value), "one set of clients, two published values"

    def links(self) -> list[releases.Link]:
        """For each MRC, month and previous month: every breakdown splits the same clients."""
        groups: dict[tuple[object, ...], list[int]] = {}
        for i, r in enumerate(self.rows):
            groups.setdefault((r.mrc_id, r.month, r.prev_month, r.dim), []).append(i)
        return [releases.Link(tuple(atoms), tuple(groups[(*key[:3], "all")]))
                for key, atoms in groups.items()
                if key[3] != "all" and (*key[:3], "all") in groups]


@pytest.mark.once
@pytest.mark.usefixtures("demo")
def test_the_cell_key_method_holds_for_distinct_clients(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MRC_DISCLOSURE_METHOD", "cellkey")
    rows = list(db.session.scalars(select(ClientMonth).where(
        ClientMonth.month >= periods.year(YEAR).first,
        ClientMonth.month <= periods.year(YEAR).last)))
    out = Clients(rows)
    for mrcs, period, dim, table in client_tables():
        for r, row in enumerate(table.rows if table.key in TABLES else ()):
            for c, (column, _l) in enumerate(table.columns):
                out.add(out.atoms(dim, mrcs[row.key], period, column if dim != "all" else "",
                                  TABLES[table.key]), table.cells[r][c])
    cells = [releases.PublishedCell(a, v) for a, v in out.cells.items() if a]
    truth = [sum(rows[i].clients for i in cell.atoms) for cell in cells]
    assert_none_narrowed(cells, truth, len(rows), out.links(), at_least=(2000, 200))

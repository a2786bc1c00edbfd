"""The attack on the dashboard's own outputs (issue #11), from outside: a demo network,
every scope a supervisor can hold (each MRC, each country, each region, everything) × every
month, quarter and the year × every session breakdown, plus the trend tables; every
published count of sessions collected, described by the atoms it adds up (MRC × month ×
category, as its row, column and period say), and attacked by linear programming over all
of it at once (:mod:`mrc.privacy.attacker.releases`). With ``MRC_DISCLOSURE_METHOD=cellkey``
no small true count is narrowed below the threshold; with today's per-request suppression
the same collection gives small counts away exactly."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import select

from mrc.aggregates import periods, services
from mrc.aggregates.breakdowns import SESSION_DIMS
from mrc.aggregates.models import SessionMonth
from mrc.aggregates.tables import PublishedTable
from mrc.demo import loader
from mrc.demo.services import load_demo
from mrc.extensions import db
from mrc.privacy.attacker import releases
from mrc.privacy.cellkey import KEY_MODULUS, perturbation_table
from tests.aggregates.scopes import row_mrcs, scopes

THRESHOLD = 5
TODAY = date(2026, 1, 10)
YEAR = 2025
DIMS = [d for d in SESSION_DIMS if d != "topic"]  # a session counts once under each topic
LINKED = [*DIMS, "intention"]  # the trend tables' other breakdown
BASE = "channel"  # every breakdown splits the same sessions of an MRC and month


@dataclass
class Collector:
    """Every published count of sessions, once per set of atoms."""

    universe: dict[str, list[str]]
    atoms: dict[tuple[str, int, date, str], int] = field(default_factory=dict)
    cells: dict[tuple[int, ...], int | None] = field(default_factory=dict)  # None: suppressed
    seen: int = 0  # published cells before deduplication

    def atom(self, dim: str, mrc: int, month: date, code: str) -> int:
        return self.atoms.setdefault((dim, mrc, month, code), len(self.atoms))

    def codes(self, dim: str, column: str, listed: list[str]) -> list[str]:
        """The category codes a column adds up; ``listed``: the table's columns (a total
        adds up the table's categories only: a code outside them is in none)."""
        if column == "":
            shown = [c for c in listed if c]
            return ([c for c in shown if c != "__other__"] + self.codes(dim, "__other__", shown)
                    if "__other__" in shown else shown) or self.universe[dim]
        if column == "__other__":  # everything not listed, "not stated" too
            return [c for c in self.universe[dim] if not c or c not in listed]
        return [column]

    def add(self, dim: str, mrcs: list[int], months: list[date], codes: list[str],
            value: int | float | None) -> None:
        self.seen += 1
        key = tuple(sorted(self.atom(dim, m, t, c) for m in mrcs for t in months for c in codes))
        published = None if value is None else int(value)
        known = self.cells.setdefault(key, published)
        if known is None:  # suppressed so far: a request that shows it tells its value
            self.cells[key] = published
        else:
            assert published in (None, known), "one cell, two published values"

    def release(self) -> tuple[list[releases.PublishedCell], list[releases.Link], list[int]]:
        """The cells, the links between breakdowns and each cell's true count (summed from
        the summary table's own rows, the finest the attacker's atoms can be)."""
        links = self.links()  # may name atoms no published cell holds: before the truth
        atom_truth = [0] * len(self.atoms)
        for row in db.session.scalars(select(SessionMonth)):
            at = self.atoms.get((row.dim, row.mrc_id, row.month, row.value))
            if at is not None:
                atom_truth[at] = row.sessions
        cells = [releases.PublishedCell(a, v) for a, v in self.cells.items()]
        return cells, links, [sum(atom_truth[a] for a in cell.atoms) for cell in cells]

    def table(self, dim: str, mrcs_of_row: dict[str, list[int]], months: list[date],
              table: PublishedTable) -> None:
        listed = [c for c, _l in table.columns]
        for r, row in enumerate(table.rows):
            for c, (column, _l) in enumerate(table.columns):
                self.add(dim, mrcs_of_row[row.key], months, self.codes(dim, column, listed),
                         table.cells[r][c])

    def links(self) -> list[releases.Link]:
        """Each breakdown's categories add up to the same sessions as the base's."""
        out = []
        for dim in LINKED:
            if dim != BASE:
                for mrc, month in {(m, t) for (_d, m, t, _c) in self.atoms}:
                    out.append(releases.Link(
                        tuple(self.atom(dim, mrc, month, c) for c in self.universe[dim]),
                        tuple(self.atom(BASE, mrc, month, c) for c in self.universe[BASE])))
        return out


def requests() -> list[periods.Period]:
    halves = [periods.custom(date(YEAR, 1, 1), date(YEAR, 6, 30)),
              periods.custom(date(YEAR, 7, 1), date(YEAR, 12, 31))]
    return ([periods.month(YEAR, m) for m in range(1, 13)]
            + [periods.quarter(YEAR, q) for q in range(1, 5)] + halves + [periods.year(YEAR)])


def publish(app, monkeypatch, method: str, mrc_ids: list[int], period: periods.Period,
            breakdown: str) -> list[PublishedTable]:
    monkeypatch.setitem(app.config, "MRC_DISCLOSURE_METHOD", method)
    indicators, trends = services.dashboard_tables(mrc_ids, period, breakdown,
                                                   threshold=THRESHOLD)
    return [t for t in indicators if t.key == "sessions"] + trends


def collect(app, monkeypatch, method: str, periods_: list[periods.Period],
            breakdowns: list[str]) -> Collector:
    """Every request of every scope, period and breakdown, published by ``method``."""
    universe = {dim: sorted(set(db.session.scalars(
        select(SessionMonth.value).where(SessionMonth.dim == dim)))) for dim in LINKED}
    out = Collector(universe)
    for mrc_ids in scopes():
        mrcs = row_mrcs(mrc_ids)
        for period in periods_:
            for breakdown in breakdowns:
                for table in publish(app, monkeypatch, method, mrc_ids, period, breakdown):
                    if table.key == "sessions":
                        dim = breakdown if breakdown in DIMS else BASE
                        out.table(dim, mrcs, period.months, table)
                    elif breakdown == breakdowns[0]:  # the trend tables do not depend on it
                        trend(out, mrc_ids, period, table)
    return out


def trend(out: Collector, mrc_ids: list[int], period: periods.Period,
          table: PublishedTable) -> None:
    dim = "destination" if table.key.startswith("trend_destination") else "intention"
    if table.key.endswith("_change"):  # previous and current period, by category
        listed = [row.key for row in table.rows]
        for r, row in enumerate(table.rows):
            for c, months in enumerate((period.previous().months, period.months)):
                out.add(dim, mrc_ids, months, out.codes(dim, row.key, listed), table.cells[r][c])
        return
    listed = [c for c, _l in table.columns]
    for r, row in enumerate(table.rows):
        months = [m for m in period.months if f"{m:%Y-%m}" == row.key] or period.months
        for c, (column, _l) in enumerate(table.columns):
            out.add(dim, mrc_ids, months, out.codes(dim, column, listed), table.cells[r][c])


@pytest.fixture
def demo(app, monkeypatch):
    """The demo with record keys from a seeded generator: the same published values, and so
    the same attack, on every run (the keys are otherwise drawn from the system's CSPRNG)."""
    rng = random.Random(11)  # noqa: S311 -- reproducible test keys, not secrets
    monkeypatch.setattr(loader, "new_record_keys",
                        lambda n: [rng.randrange(KEY_MODULUS) for _ in range(n)])
    load_demo(7, 400, today=TODAY)
    db.session.flush()


def small(truth: list[int]) -> list[int]:
    return [i for i, n in enumerate(truth) if 0 < n < THRESHOLD]


@pytest.mark.once
def test_the_cell_key_method_holds_against_everything_the_dashboard_publishes(
        app, monkeypatch, demo):
    collected = collect(app, monkeypatch, "cellkey", requests(), ["mrc", *DIMS])
    cells, links, truth = collected.release()
    targets = small(truth)
    assert len(cells) >= 10_000 and len(targets) > 1000, (len(cells), len(targets))
    table = perturbation_table(THRESHOLD)
    for cell, n in zip(cells, truth, strict=True):  # the attacker's model holds the truth
        low, high = table.preimage(cell.value or 0) or (1, 0)
        assert low <= n <= high, (cell, n)
    found = releases.attack(cells, len(collected.atoms), table, targets, THRESHOLD, links)
    assert len(found) == len(targets)
    assert min(f.width for f in found) >= THRESHOLD - releases.TOLERANCE


@pytest.mark.once
def test_per_request_suppression_gives_small_counts_away_to_the_same_attack(
        app, monkeypatch, demo):
    # Per-request suppression (no longer the default), one quarter: its months and the
    # quarter, by MRC and by sex.
    quarter = [periods.month(YEAR, m) for m in (1, 2, 3)] + [periods.quarter(YEAR, 1)]
    collected = collect(app, monkeypatch, "suppression", quarter, ["mrc", "sex"])
    cells, links, truth = collected.release()
    targets = [i for i in small(truth) if cells[i].value is None]
    assert len(targets) > 50
    found = releases.attack(cells, len(collected.atoms), releases.AsPublished(), targets,
                            THRESHOLD, links)
    narrow = [f for f in found if f.width < THRESHOLD - releases.TOLERANCE]
    assert len(narrow) >= 5
    assert any(f.width < releases.TOLERANCE for f in narrow)  # recovered exactly
    for f in narrow:
        assert f.lower - 1e-6 <= truth[f.target] <= f.upper + 1e-6

"""The dashboard's headline row: a few totals from the published tables, each with its
change from the previous period.

Every figure is read from a :class:`PublishedTable` (the total row, the total column), so
it is the number the table below shows, suppressed where that cell is. A change is
computed only when both periods' figures are published: a change computed from a
suppressed number would publish that number. Counts change in per cent, rates in
percentage points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from mrc.aggregates.tables import PublishedTable

# (title, ((table key, label of the figure or ""), ...)): what the row shows, in order.
HEADLINE = (
    (_l("Clients counselled"), (("clients", ""),)),
    (_l("Counselling sessions"), (("sessions", ""),)),
    (_l("Follow-up reach rate"), (("followup_reach_rate", ""),)),
    (_l("Intending to migrate irregularly"),
     (("baseline_irregular_share", _l("at baseline")),
      ("followup_irregular_share", _l("at follow-up")))),
    (_l("Intending to migrate regularly"),
     (("baseline_regular_share", _l("at baseline")),
      ("followup_regular_share", _l("at follow-up")))),
)


@dataclass(frozen=True)
class Cell:
    value: float | int | None
    suppressed: bool


def total_cell(table: PublishedTable | None) -> Cell:
    """The table's grand total (first row, last column), as published."""
    if table is None or not table.rows or not table.columns:
        return Cell(None, False)
    return Cell(table.cells[0][-1], table.suppressed[0][-1])


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    kind: str  # "count" or "percent"
    current: Cell
    previous: Cell

    @property
    def change_suppressed(self) -> bool:
        """The change would rest on a suppressed number: shown as suppressed."""
        return self.current.suppressed or self.previous.suppressed

    @property
    def change(self) -> float | None:
        """Per cent for counts, percentage points for rates; None when either figure is
        suppressed or undefined, or (for counts) the previous one is zero."""
        now, before = self.current.value, self.previous.value
        if self.change_suppressed or now is None or before is None:
            return None
        if self.kind == "percent":
            return round(now - before, 1)
        return None if before == 0 else round(100.0 * (now - before) / before, 1)


@dataclass(frozen=True)
class Tile:
    title: str
    figures: tuple[Figure, ...]


def headline(tables: Sequence[PublishedTable],
             previous: Sequence[PublishedTable]) -> list[Tile]:
    """The headline tiles of this period's ``tables`` against the ``previous`` period's
    (each suppressed on its own, as the dashboard's tables are)."""
    now = {t.key: t for t in tables}
    before = {t.key: t for t in previous}
    tiles = []
    for title, parts in HEADLINE:
        figures = tuple(
            Figure(key, str(label), now[key].kind if key in now else "count",
                   total_cell(now.get(key)), total_cell(before.get(key)))
            for key, label in parts if key in now)
        if figures:
            tiles.append(Tile(str(title), figures))
    return tiles


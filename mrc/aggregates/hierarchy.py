"""The organisation hierarchy of a scope (region > country > MRC) as table rows and cells.

Published tables have one row per level of the hierarchy inside the scope (total, regions,
countries, MRCs); :class:`Layout` lays counts out in the order
:meth:`mrc.privacy.suppression.Table.from_hierarchy` expects, so the totals at every level
are linked to their parts when the table is suppressed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from mrc.aggregates.tables import Row
from mrc.extensions import db
from mrc.org.models import MRC, Country, Region
from mrc.privacy.suppression import Table

Counts = dict[tuple[int, str], int]  # (MRC id, category value) -> raw count


def legend_scope() -> str:
    """Label of the whole-scope choice of the area filters."""
    return _("All of my scope")


@dataclass(frozen=True)
class Org:
    """The MRCs of a scope, grouped region > country > MRC."""

    mrcs: list[tuple[int, str, str, str, str, str, str]]  # id, mrc code, name, country code, country name, region code, region name

    @property
    def ids(self) -> list[int]:
        return [m[0] for m in self.mrcs]


def org(mrc_ids: Select[Any] | Sequence[int]) -> Org:
    """The MRCs with these ids (a select of ids, e.g. ``mrc_ids_in_scope(user)``, or a list)."""
    ids = mrc_ids if isinstance(mrc_ids, Select) else list(mrc_ids)
    rows = db.session.execute(
        select(MRC.id, MRC.code, MRC.name, Country.code, Country.name, Region.code, Region.name)
        .join(Country, Country.id == MRC.country_id).join(Region, Region.id == Country.region_id)
        .where(MRC.id.in_(ids)).order_by(Region.name, Country.name, MRC.code)).all()
    return Org([tuple(r) for r in rows])  # type: ignore[misc]


def hierarchy(scope: Org, depth: int) -> tuple[list[Row], list[list[int]]]:
    """Rows in the pre-order of ``Table.from_hierarchy`` and, per row, its MRC ids.
    ``depth``: 2 stops at countries, 3 goes down to MRCs."""
    rows = [Row("", _("Total"), 0)]
    leaves: list[list[int]] = [scope.ids]
    regions: dict[str, dict[str, list[tuple[int, str, str]]]] = {}
    names: dict[str, str] = {}
    for mrc_id, code, name, c_code, c_name, r_code, r_name in scope.mrcs:
        regions.setdefault(r_code, {}).setdefault(c_code, []).append((mrc_id, code, name))
        names[r_code], names[c_code] = r_name, c_name
    for r_code, countries in regions.items():
        rows.append(Row(r_code, names[r_code], 1))
        leaves.append([m[0] for mrcs in countries.values() for m in mrcs])
        for c_code, mrcs in countries.items():
            rows.append(Row(c_code, names[c_code], 2))
            leaves.append([m[0] for m in mrcs])
            if depth == 2:
                continue
            for mrc_id, code, name in mrcs:
                rows.append(Row(code, f"{name} ({code})", 3))
                leaves.append([mrc_id])
    return rows, leaves


def tree(scope: Org, depth: int, leaf: Callable[[list[int]], Any]) -> dict[str, Any]:
    """The scope as nested dicts region > country (> MRC), ``leaf(mrc_ids)`` at the bottom."""
    out: dict[str, Any] = {}
    for mrc_id, code, _n, c_code, _cn, r_code, _rn in scope.mrcs:
        country = out.setdefault(r_code, {}).setdefault(c_code, {} if depth == 3 else [])
        if depth == 3:
            country[code] = leaf([mrc_id])
        else:
            country.append(mrc_id)
    if depth == 2:
        out = {r: {c: leaf(ids) for c, ids in cs.items()} for r, cs in out.items()}
    return out


@dataclass
class Layout:
    """Where each count goes: the hierarchy's rows by the breakdown's columns."""

    rows: list[Row]
    leaves: list[list[int]]
    columns: list[tuple[str, str]]  # categories (without the total); empty = no breakdown
    depth: int
    scope: Org
    other: list[str] = field(default_factory=list)  # codes folded into an "other" column

    def cell_values(self, counts: Counts) -> list[int]:
        """Counts in ``Table.from_hierarchy`` order: per row (pre-order), the categories
        then their total; each row sums the MRCs under it."""
        codes = [c for c, _l in self.columns]
        column: dict[str, int] = {}
        for j, code in enumerate(codes):
            for value in (self.other if code == "__other__" else [code]):
                column.setdefault(value, j)
        if not codes:
            column[""] = 0
        width = max(len(codes), 1)
        by_mrc: dict[int, list[int]] = {}
        for (mrc_id, value), n in counts.items():
            at = column.get(value)
            if at is not None:
                by_mrc.setdefault(mrc_id, [0] * width)[at] += n
        out: list[int] = []
        for ids in self.leaves:
            cells = [0] * width
            for mrc_id in ids:
                for j, n in enumerate(by_mrc.get(mrc_id, ())):
                    cells[j] += n
            out += [*cells, sum(cells)] if codes else cells
        return out

    def template(self) -> Table:
        """An all-zero table of this layout, carrying the hierarchy's constraints."""
        codes = [c for c, _l in self.columns]
        shape = tree(self.scope, self.depth, lambda ids: [0] * len(codes) if codes else 0)
        return Table.from_hierarchy(shape, categories=codes or None)

    @property
    def width(self) -> int:
        return len(self.columns) + 1 if self.columns else 1

    def all_columns(self, total_label: str) -> list[tuple[str, str]]:
        return [*self.columns, ("", total_label)] if self.columns else [("", total_label)]

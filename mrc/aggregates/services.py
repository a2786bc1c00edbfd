"""Published aggregate tables: the one API the dashboard, ``mrc aggregates`` and the reports use.

``indicator_tables(mrc_ids, period, breakdown)`` and ``trend_tables(mrc_ids, period)``
return :class:`PublishedTable` objects holding **only published numbers**: raw counts are
read from the summary tables, suppressed here and never leave this module.

Layout: rows are the organisation hierarchy inside the scope (total, region, country, MRC;
down to country for ``breakdown="country"``), columns the categories of the breakdown plus
their total. Indicators that cannot be broken down by a dimension (distinct clients by
channel, say) are given by MRC only, with a note.

Disclosure control (DESIGN.md, ``mrc.privacy.suppression``): every *group* of tables that
are arithmetically linked (clients = new + returning; follow-ups due = reached +
unreachable + pending; …) is one :class:`~mrc.privacy.suppression.Table` with the
hierarchy's totals at every level, the category totals and the cell-wise links between the
blocks, suppressed in one go: primary below ``MRC_SUPPRESSION_THRESHOLD`` (zeros are
structural and shown), complementary so that no suppressed cell can be recomputed or
narrowed to an interval narrower than the threshold; the pattern is audited
(``suppression_audit``) before it is returned. Rates, shares and means are published only
when their numerator and denominator cells are both published. Each request's tables are
protected together; tables of different requests (another breakdown, another period) are
protected independently -- see benchmarks/RESULTS.md for what that leaves open.

Speed (issue #6 benchmark): a :class:`Reader` reads each summary table once per request
(every measure and dimension needed, in one grouped query); :func:`protect` memoises
suppression and its audit per process, keyed by the exact numbers, so a changed record
means a new key, never a stale pattern; :mod:`mrc.aggregates.charts` does the same for the
SVG charts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

from babel import numbers as babel_numbers
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from mrc.aggregates import summaries
from mrc.aggregates.models import (
    NO_EARLIER,
    ClientMonth,
    LeafletMonth,
    OutcomeMonth,
    OutreachMonth,
    SessionMonth,
)
from mrc.aggregates.periods import Period
from mrc.cases import vocab
from mrc.extensions import db
from mrc.i18n import numbering_system
from mrc.org.models import MRC, Country, Region
from mrc.outreach import vocab as outreach_vocab
from mrc.privacy.suppression import SuppressionResult, Table, suppress
from mrc.privacy.suppression_audit import assert_safe

SUPPRESSED = "x"  # the symbol of a suppressed cell in CSV and on screen
TOP_DESTINATIONS = 10

BREAKDOWNS: dict[str, Any] = {
    "mrc": _l("MRC"),
    "country": _l("Country"),
    "sex": _l("Sex"),
    "age_band": _l("Age band"),
    "migrant_status": _l("Migrant status"),
    "channel": _l("Channel"),
    "topic": _l("Topic"),
    "destination": _l("Intended destination"),
}
AGE_BANDS: dict[str, Any] = {**outreach_vocab.AGE_BANDS, "unknown": _l("Not stated")}

T = TypeVar("T")


def legend(threshold: int | None = None) -> str:
    return _("x: fewer than %(n)s, or hidden to protect such a cell", n=threshold or _threshold())


def number_format() -> Callable[[float | int | None], str]:
    """``fmt_number`` for the hundreds of cells of one page: the locale and the user's
    digits are looked up once, and each distinct value is formatted once."""
    locale, digits = get_locale(), numbering_system()
    seen: dict[float | int, str] = {}

    def fmt(value: float | int | None) -> str:
        if value is None:
            return ""
        if value not in seen:
            seen[value] = babel_numbers.format_decimal(value, locale=locale,
                                                       numbering_system=digits)
        return seen[value]

    return fmt


def legend_scope() -> str:
    return _("All of my scope")


def _threshold() -> int:
    return int(current_app.config.get("MRC_SUPPRESSION_THRESHOLD", 5))


# --- published tables ------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str  # "", region code, country code or MRC code (or a month "2026-07")
    label: str
    level: int  # 0 total, 1 region, 2 country, 3 MRC


@dataclass(frozen=True)
class PublishedTable:
    """One published table. ``cells[r][c]`` is the published number, ``None`` when
    suppressed (``suppressed[r][c]``) or not defined (a rate over zero)."""

    key: str
    title: str
    kind: str  # "count", "percent" or "mean"
    rows: list[Row]
    columns: list[tuple[str, str]]  # (code, label); the last is the total where there is one
    cells: list[list[float | int | None]]
    suppressed: list[list[bool]]
    note: str = ""
    highlight: list[list[bool]] = field(default_factory=list)

    def display(self, r: int, c: int) -> str:
        """Text of a cell for CSV: the number, ``x`` if suppressed, empty if undefined."""
        if self.suppressed[r][c]:
            return SUPPRESSED
        value = self.cells[r][c]
        if value is None:
            return ""
        return f"{value:.1f}" if self.kind in ("percent", "mean") else str(value)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["", *[label for _code, label in self.columns]])
        for r, row in enumerate(self.rows):
            writer.writerow([row.label, *[self.display(r, c) for c in range(len(self.columns))]])
        return out.getvalue()

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "title": self.title, "kind": self.kind, "note": self.note,
            "columns": [{"code": code, "label": label} for code, label in self.columns],
            "rows": [{"key": row.key, "label": row.label, "level": row.level,
                      "cells": [None if self.suppressed[r][c] else self.cells[r][c]
                                for c in range(len(self.columns))],
                      "suppressed": self.suppressed[r]}
                     for r, row in enumerate(self.rows)],
        }


def tables_to_json(tables: Sequence[PublishedTable]) -> str:
    return json.dumps([t.to_dict() for t in tables], ensure_ascii=False, indent=1)


def tables_to_csv(tables: Sequence[PublishedTable]) -> str:
    """All tables one after the other, each headed by its title (a one-cell CSV row, quoted
    when it holds a comma), separated by a blank line."""
    parts = []
    for t in tables:
        title = io.StringIO()
        csv.writer(title, lineterminator="\n").writerow([t.title])
        parts.append(title.getvalue() + t.to_csv())
    return "\n".join(parts)


# --- scope and hierarchy ---------------------------------------------------------------


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


def _hierarchy(scope: Org, depth: int) -> tuple[list[Row], list[list[int]]]:
    """Rows in the pre-order of ``Table.from_hierarchy`` and, per row, its MRC ids."""
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


def _tree(scope: Org, depth: int, leaf: Callable[[list[int]], Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for mrc_id, code, _n, c_code, _cn, r_code, _rn in scope.mrcs:
        country = tree.setdefault(r_code, {}).setdefault(c_code, {} if depth == 3 else [])
        if depth == 3:
            country[code] = leaf([mrc_id])
        else:
            country.append(mrc_id)
    if depth == 2:
        tree = {r: {c: leaf(ids) for c, ids in cs.items()} for r, cs in tree.items()}
    return tree


# --- reading the summary tables ---------------------------------------------------------

Counts = dict[tuple[int, str], int]


class Reader:
    """The summary numbers of one scope and period, read with **one query per summary
    table** (every measure and every needed dimension at once, grouped by MRC, dimension
    and value) and kept, so that the indicators, the trends and the destination columns of
    one request share them. Raw counts: they never leave this module unsuppressed."""

    def __init__(self, scope: Org, period: Period) -> None:
        self.scope = scope
        self.period = period
        self._memo: dict[tuple[Any, ...], Any] = {}
        summaries.apply_pending()  # this transaction's own changes first

    def _once(self, key: tuple[Any, ...], load: Callable[[], T]) -> T:
        if key not in self._memo:
            self._memo[key] = load()
        found: T = self._memo[key]
        return found

    def measures(self, model: Any, dims: Sequence[str]) -> dict[tuple[str, str], Counts]:
        """``{(dim, measure): {(mrc_id, value): sum over the period}}`` for every measure
        of ``model`` (a summary table other than :class:`ClientMonth`)."""
        return self._once(("measures", model, tuple(dims)),
                          lambda: self._load_measures(model, tuple(dims)))

    def _load_measures(self, model: Any, dims: tuple[str, ...]) -> dict[tuple[str, str], Counts]:
        names = summaries.MEASURES[model]
        rows = db.session.execute(
            select(model.mrc_id, model.dim, model.value,
                   *[func.sum(getattr(model, name)) for name in names])
            .where(model.mrc_id.in_(self.scope.ids), model.month >= self.period.first,
                   model.month <= self.period.last, model.dim.in_(dims))
            .group_by(model.mrc_id, model.dim, model.value))
        out: dict[tuple[str, str], Counts] = {(d, n): {} for d in dims for n in names}
        for mrc_id, dim, value, *sums in rows:
            for name, total in zip(names, sums, strict=True):
                if total:
                    out[(str(dim), name)][(int(mrc_id), str(value))] = int(total)
        return out

    def counts(self, model: Any, dim: str, measure: str) -> Counts:
        """Sum of one measure by (MRC, value) over the period."""
        return self.measures(model, (dim,))[(dim, measure)]

    def clients(self, dim: str) -> tuple[Counts, Counts]:
        """Distinct clients with a session in the period: (new, returning). A client counts
        once, in their first active month of the period (``prev_month`` before it)."""
        return self._once(("clients", dim), lambda: self._load_clients(dim))

    def _load_clients(self, dim: str) -> tuple[Counts, Counts]:
        cm = ClientMonth
        is_new = cm.prev_month == NO_EARLIER
        rows = db.session.execute(
            select(cm.mrc_id, cm.value, is_new, func.sum(cm.clients))
            .where(cm.mrc_id.in_(self.scope.ids), cm.month >= self.period.first,
                   cm.month <= self.period.last, cm.dim == dim,
                   cm.prev_month < self.period.first)
            .group_by(cm.mrc_id, cm.value, is_new))
        new: Counts = {}
        returning: Counts = {}
        for mrc_id, value, first, total in rows:
            if total:
                (new if first else returning)[(int(mrc_id), str(value))] = int(total)
        return new, returning

    def monthly(self, dims: Sequence[str] = ("destination", "intention"),
                ) -> dict[str, dict[tuple[date, str], int]]:
        """Sessions by (month, value) over the scope, for this period and the previous one
        (the trends), per dimension."""
        return self._once(("monthly", tuple(dims)),
                          lambda: self._load_monthly(tuple(dims)))

    def _load_monthly(self, dims: tuple[str, ...]) -> dict[str, dict[tuple[date, str], int]]:
        sm = SessionMonth
        rows = db.session.execute(
            select(sm.month, sm.dim, sm.value, func.sum(sm.sessions))
            .where(sm.mrc_id.in_(self.scope.ids), sm.month >= self.period.previous().first,
                   sm.month <= self.period.last, sm.dim.in_(dims))
            .group_by(sm.month, sm.dim, sm.value))
        out: dict[str, dict[tuple[date, str], int]] = {d: {} for d in dims}
        for month, dim, value, total in rows:
            if total:
                out[str(dim)][(summaries._as_date(month), str(value))] = int(total)
        return out

    def destination_totals(self) -> dict[str, int]:
        """Sessions by intended destination over the period, the whole scope."""
        months = set(self.period.months)
        totals: dict[str, int] = {}
        for (month, code), n in self.monthly()["destination"].items():
            if month in months:
                totals[code] = totals.get(code, 0) + n
        return totals


# --- groups: linked blocks suppressed together -----------------------------------------


@dataclass
class Block:
    key: str
    title: str
    counts: Counts
    published: bool = True


@dataclass
class Group:
    """Blocks with the same layout; ``links`` say block = sum of blocks, cell by cell."""

    blocks: list[Block]
    links: list[tuple[str, list[str]]] = field(default_factory=list)
    rates: list[tuple[str, str, str, str]] = field(default_factory=list)  # key, title, num, den
    means: list[tuple[str, str, str, Callable[[Counts], Counts]]] = field(default_factory=list)
    note: str = ""


SUPPRESSION_CACHE_SIZE = 4096  # distinct tables; each entry is a few hundred booleans


@lru_cache(maxsize=SUPPRESSION_CACHE_SIZE)
def _suppress_cached(values: tuple[int, ...], constraints: tuple[tuple[int, tuple[int, ...]], ...],
                     threshold: int) -> tuple[bool, ...]:
    table = Table(list(values), [(t, list(p)) for t, p in constraints])
    result = suppress(table, threshold)
    # ``suppress`` proves its pattern with its own attacker model; this independent LP
    # audit (``suppression_audit``) checks it again, once per distinct table.
    assert_safe(table, result.suppressed, threshold)
    return tuple(result.suppressed)


def protect(table: Table, threshold: int) -> SuppressionResult:
    """``suppress`` then ``assert_safe``, memoised for the process: the pattern is a pure
    function of the exact cell values, the constraints and the threshold, so a table seen
    before (the same dashboard again, its CSV, the quarterly report, another user with the
    same scope) costs a dictionary look-up. When a record changes, the counts change, the
    key changes, and the new table is suppressed and audited afresh: a cached pattern is
    never applied to other numbers."""
    key_constraints = tuple((t, tuple(p)) for t, p in table.constraints)
    mask = _suppress_cached(tuple(int(v) for v in table.values), key_constraints, threshold)
    primary = [i for i, v in enumerate(table.values) if 0 < v < threshold]
    return SuppressionResult(table=table, threshold=threshold, protection=threshold,
                             suppressed=list(mask), primary=primary,
                             complementary=[i for i, s in enumerate(mask)
                                            if s and i not in set(primary)],
                             method="cached")


@dataclass
class Layout:
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
        codes = [c for c, _l in self.columns]
        tree = _tree(self.scope, self.depth, lambda ids: [0] * len(codes) if codes else 0)
        return Table.from_hierarchy(tree, categories=codes or None)

    @property
    def width(self) -> int:
        return len(self.columns) + 1 if self.columns else 1

    def all_columns(self, total_label: str) -> list[tuple[str, str]]:
        return [*self.columns, ("", total_label)] if self.columns else [("", total_label)]


def _publish_group(group: Group, layout: Layout, threshold: int) -> list[PublishedTable]:
    base = layout.template()
    n = len(base.values)
    blocks = {b.key: i for i, b in enumerate(group.blocks)}
    values: list[int] = []
    constraints: list[tuple[int, list[int]]] = []
    for i, block in enumerate(group.blocks):
        values += layout.cell_values(block.counts)
        constraints += [(t + i * n, [p + i * n for p in parts]) for t, parts in base.constraints]
    for total, parts in group.links:
        t = blocks[total]
        constraints += [(t * n + c, [blocks[p] * n + c for p in parts]) for c in range(n)]
    table = Table(values, constraints)
    hidden = protect(table, threshold).suppressed
    width = layout.width
    total_label = _("Topic mentions") if layout.columns and layout.columns[0][0] in vocab.codes(
        vocab.TOPICS) else _("Total")
    columns = layout.all_columns(total_label)

    def grid(flat: Sequence[Any]) -> list[list[Any]]:
        return [list(flat[r * width:(r + 1) * width]) for r in range(len(layout.rows))]

    out = []
    for i, block in enumerate(group.blocks):
        if not block.published:
            continue
        out.append(PublishedTable(
            key=block.key, title=block.title, kind="count", rows=layout.rows, columns=columns,
            cells=grid([None if hidden[i * n + c] else values[i * n + c] for c in range(n)]),
            suppressed=grid(hidden[i * n:(i + 1) * n]), note=group.note))
    for key, title, num, den in group.rates:
        a, b = blocks[num], blocks[den]
        cells, sup = [], []
        for c in range(n):
            s = hidden[a * n + c] or hidden[b * n + c]
            d = values[b * n + c]
            sup.append(s)
            cells.append(None if s or d == 0 else round(100.0 * values[a * n + c] / d, 1))
        out.append(PublishedTable(key=key, title=title, kind="percent", rows=layout.rows,
                                  columns=columns, cells=grid(cells), suppressed=grid(sup),
                                  note=group.note))
    for key, title, den, total_of in group.means:
        b = blocks[den]
        sums = layout.cell_values(total_of(group.blocks[b].counts))
        cells, sup = [], []
        for c in range(n):
            s = hidden[b * n + c]
            d = values[b * n + c]
            sup.append(s)
            cells.append(None if s or d == 0 else round(sums[c] / d, 2))
        out.append(PublishedTable(key=key, title=title, kind="mean", rows=layout.rows,
                                  columns=columns, cells=grid(cells), suppressed=grid(sup),
                                  note=group.note))
    return out


# --- the indicators --------------------------------------------------------------------

CLIENT_DIMS = ("sex", "age_band", "migrant_status")
SESSION_DIMS = (*CLIENT_DIMS, "channel", "topic", "destination")
OUTREACH_DIMS = ("sex", "age_band")


def _categories(breakdown: str, reader: Reader) -> tuple[list[tuple[str, str]], list[str]]:
    if breakdown == "sex":
        return [(c, str(v)) for c, v in vocab.SEX.items()], []
    if breakdown == "age_band":
        return [(c, str(v)) for c, v in AGE_BANDS.items()], []
    if breakdown == "migrant_status":
        return [(c, str(v)) for c, v in vocab.MIGRANT_STATUS.items()], []
    if breakdown == "channel":
        return [(c, str(v)) for c, v in vocab.CHANNEL.items()], []
    if breakdown == "topic":
        return [(c, str(v)) for c, v in vocab.TOPICS], []
    if breakdown == "destination":
        totals = reader.destination_totals()
        ranked = sorted((c for c in totals if c), key=lambda c: (-totals[c], c))
        top, rest = ranked[:TOP_DESTINATIONS], ranked[TOP_DESTINATIONS:]
        cols = [(c, country_label(c)) for c in top]
        other = [*rest, ""]
        cols.append(("__other__", _("Other or not stated")))
        return cols, other
    return [], []


def country_label(code: str) -> str:
    """A country's name in the interface language (CLDR), or "Not stated"."""
    if not code:
        return _("Not stated")
    locale = get_locale()
    names = locale.territories if locale is not None else {}
    if code in names:
        return str(names[code])
    from mrc.org.services import country_name

    return country_name(code)


def _outreach_categories(breakdown: str) -> list[tuple[str, str]]:
    if breakdown == "sex":
        return [(c, str(v)) for c, v in outreach_vocab.ATTENDANCE_SEX.items()]
    return [(c, str(v)) for c, v in outreach_vocab.AGE_BANDS.items()]


def dashboard_tables(mrc_ids: Select[Any] | Sequence[int], period: Period,
                     breakdown: str = "mrc", *, threshold: int | None = None,
                     ) -> tuple[list[PublishedTable], list[PublishedTable]]:
    """``(indicator_tables(...), trend_tables(...))`` from one :class:`Reader`: the
    dashboard's numbers in six queries (one per summary table, the sessions table twice)."""
    scope = org(mrc_ids)
    if not scope.mrcs:
        return [], []
    reader = Reader(scope, period)
    return (indicator_tables(scope, period, breakdown, threshold=threshold, reader=reader),
            trend_tables(scope, period, threshold=threshold, reader=reader))


def _reader(mrc_ids: Select[Any] | Sequence[int] | Org, period: Period,
            reader: Reader | None) -> Reader | None:
    """The reader to use: the one given (same period), else a new one; None if the
    scope has no MRC."""
    if reader is not None and reader.period == period:
        return reader
    scope = mrc_ids if isinstance(mrc_ids, Org) else org(mrc_ids)
    return Reader(scope, period) if scope.mrcs else None


def indicator_tables(mrc_ids: Select[Any] | Sequence[int] | Org, period: Period,
                     breakdown: str = "mrc", *, threshold: int | None = None,
                     reader: Reader | None = None) -> list[PublishedTable]:
    """Every dashboard indicator for the MRCs ``mrc_ids`` over ``period``, by ``breakdown``
    (a key of :data:`BREAKDOWNS`), suppressed and audited (:func:`protect`). ``reader``:
    summary numbers already read for this scope and period (see :func:`dashboard_tables`)."""
    if breakdown not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {breakdown!r}")
    threshold = threshold or _threshold()
    read = _reader(mrc_ids, period, reader)
    if read is None:
        return []
    scope = read.scope
    depth = 2 if breakdown == "country" else 3
    rows, leaves = _hierarchy(scope, depth)
    plain = Layout(rows, leaves, [], depth, scope)
    by_dim = breakdown in SESSION_DIMS
    cats, other = _categories(breakdown, read) if by_dim else ([], [])
    layout = Layout(rows, leaves, cats, depth, scope, other)
    label = str(BREAKDOWNS[breakdown])
    not_by = _("Not available by %(dim)s: shown by MRC.", dim=label.lower())
    out: list[PublishedTable] = []

    # Sessions and new clients (baseline sessions): by every session dimension.
    dim = breakdown if by_dim else "all"
    sessions = read.counts(SessionMonth, dim, "sessions")
    new = read.counts(SessionMonth, dim, "new_clients")
    later = {k: sessions.get(k, 0) - new.get(k, 0) for k in set(sessions) | set(new)}
    out += _publish_group(Group(
        [Block("sessions", _("Counselling sessions"), sessions),
         Block("baseline_sessions", _("First sessions (new clients)"), new, published=False),
         Block("later_sessions", _("Later sessions"), later, published=False)],
        links=[("sessions", ["baseline_sessions", "later_sessions"])]),
        layout if by_dim else plain, threshold)

    # Distinct clients, new and returning: by client dimensions only.
    client_ok = breakdown in CLIENT_DIMS or not by_dim
    cdim = breakdown if breakdown in CLIENT_DIMS else "all"
    clay = layout if breakdown in CLIENT_DIMS else plain
    new_c, ret_c = read.clients(cdim)
    all_c = {k: new_c.get(k, 0) + ret_c.get(k, 0) for k in set(new_c) | set(ret_c)}
    out += _publish_group(Group(
        [Block("clients", _("Clients counselled"), all_c),
         Block("new_clients", _("New clients"), new_c),
         Block("returning_clients", _("Returning clients"), ret_c)],
        links=[("clients", ["new_clients", "returning_clients"])],
        note="" if client_ok else not_by), clay, threshold)

    # Follow-ups and impact: by client dimensions only.
    o = OutcomeMonth

    def outcome(measure: Any) -> Counts:
        return read.counts(o, cdim, measure.key)

    due, reached, unreachable = outcome(o.due), outcome(o.reached), outcome(o.unreachable)
    pending = {k: due.get(k, 0) - reached.get(k, 0) - unreachable.get(k, 0) for k in due}
    out += _publish_group(Group(
        [Block("followups_due", _("Follow-ups due"), due),
         Block("followups_reached", _("Follow-ups: client reached"), reached),
         Block("followups_unreachable", _("Follow-ups: not reached"), unreachable,
               published=False),
         Block("followups_open", _("Follow-ups still open"), pending, published=False)],
        links=[("followups_due", ["followups_reached", "followups_unreachable",
                                  "followups_open"])],
        rates=[("followup_reach_rate", _("Follow-up reach rate (%)"), "followups_reached",
                "followups_due")], note="" if client_ok else not_by), clay, threshold)

    for stage, n_col, irr, reg, title_irr, title_reg in (
        ("baseline", o.baseline_n, o.baseline_irregular, o.baseline_regular,
         _("Intending to migrate irregularly at baseline (%)"),
         _("Intending to migrate regularly at baseline (%)")),
        ("followup", o.followup_n, o.followup_irregular, o.followup_regular,
         _("Intending to migrate irregularly at follow-up (%)"),
         _("Intending to migrate regularly at follow-up (%)")),
    ):
        n_all, n_irr, n_reg = outcome(n_col), outcome(irr), outcome(reg)
        rest = {k: n_all.get(k, 0) - n_irr.get(k, 0) - n_reg.get(k, 0) for k in n_all}
        out += _publish_group(Group(
            [Block(f"{stage}_n", _("Clients at baseline") if stage == "baseline"
                   else _("Clients reached at follow-up"), n_all),
             Block(f"{stage}_irregular", "", n_irr, published=False),
             Block(f"{stage}_regular", "", n_reg, published=False),
             Block(f"{stage}_other", "", rest, published=False)],
            links=[(f"{stage}_n", [f"{stage}_irregular", f"{stage}_regular", f"{stage}_other"])],
            rates=[(f"{stage}_irregular_share", title_irr, f"{stage}_irregular", f"{stage}_n"),
                   (f"{stage}_regular_share", title_reg, f"{stage}_regular", f"{stage}_n")],
            note="" if client_ok else not_by), clay, threshold)

    answered, used = outcome(o.info_answered), outcome(o.info_used)
    unused = {k: answered.get(k, 0) - used.get(k, 0) for k in answered}
    paired = outcome(o.paired)
    change = outcome(o.score_change_sum)
    out += _publish_group(Group(
        [Block("info_answered", "", answered, published=False),
         Block("info_used", "", used, published=False),
         Block("info_unused", "", unused, published=False)],
        links=[("info_answered", ["info_used", "info_unused"])],
        rates=[("info_used_share", _("Used information from the MRC (share of those asked, %)"),
                "info_used", "info_answered")],
        note="" if client_ok else not_by), clay, threshold)
    out += _publish_group(Group(
        [Block("awareness_paired", _("Clients with awareness scores at baseline and follow-up"),
               paired)],
        means=[("awareness_change", _("Mean change in awareness score (points)"),
                "awareness_paired", lambda _c: change)],
        note="" if client_ok else not_by), clay, threshold)

    # Outreach: attendance by sex and age band; events and reach by MRC.
    outreach_dims = ("all", breakdown) if breakdown in OUTREACH_DIMS else ("all",)
    outreach = read.measures(OutreachMonth, outreach_dims)
    if breakdown in OUTREACH_DIMS:
        olay = Layout(rows, leaves, _outreach_categories(breakdown), depth, scope)
        out += _publish_group(Group([Block("outreach_attendance", _("Outreach attendance"),
                                           outreach[(breakdown, "attendance")])]),
                              olay, threshold)
    note = "" if breakdown in ("mrc", "country") else not_by
    for key, title, measure in (
        ("outreach_events", _("Outreach events"), OutreachMonth.events),
        ("outreach_attendance", _("Outreach attendance"), OutreachMonth.attendance),
        ("outreach_reach", _("Estimated reach of media events"), OutreachMonth.reach),
    ):
        if key == "outreach_attendance" and breakdown in OUTREACH_DIMS:
            continue
        out += _publish_group(Group([Block(key, title, outreach[("all", measure.key)])],
                                    note=note), plain, threshold)
    out += _publish_group(Group([Block("leaflets", _("Leaflets distributed"),
                                       read.counts(LeafletMonth, "all", "quantity"))],
                                note=note), plain, threshold)
    return out


# --- trends ----------------------------------------------------------------------------


def _monthly(reader: Reader, months: list[date], dim: str, codes: list[str],
             other: list[str]) -> list[list[int]]:
    index = {m: i for i, m in enumerate(months)}
    col = {c: j for j, c in enumerate(codes)}
    matrix = [[0] * len(codes) for _ in months]
    for (month, value), n in reader.monthly()[dim].items():
        i = index.get(month)
        j = col.get(value, col.get("__other__") if value in other else None)
        if i is not None and j is not None:
            matrix[i][j] += n
    return matrix


def trend_tables(mrc_ids: Select[Any] | Sequence[int] | Org, period: Period, *,
                 threshold: int | None = None,
                 reader: Reader | None = None) -> list[PublishedTable]:
    """Sessions by intended destination and by intention, month by month, and the period
    compared with the previous one (change highlighted where it is 20 % or more)."""
    threshold = threshold or _threshold()
    read = _reader(mrc_ids, period, reader)
    if read is None:
        return []
    out = []
    dest_cols, dest_other = _categories("destination", read)
    intentions = [(c, str(v)) for c, v in vocab.INTENTION.items()]
    for key, title, dim, cols, other in (
        ("trend_destination", _("Sessions by intended destination, by month"), "destination",
         dest_cols, dest_other),
        ("trend_intention", _("Sessions by migration intention, by month"), "intention",
         intentions, []),
    ):
        codes = [c for c, _l in cols]
        published_totals = []
        for which in (period, period.previous()):
            matrix = _monthly(read, which.months, dim, codes, other)
            table = Table.from_2d(matrix)
            result = protect(table, threshold)
            grid: list[list[float | int | None]] = [list(r) for r in result.published_2d()]
            hidden = [result.suppressed[i:i + len(codes) + 1]
                      for i in range(0, len(result.suppressed), len(codes) + 1)]
            published_totals.append(grid[-1])
            if which is period:
                rows = [Row(f"{m:%Y-%m}", f"{m:%Y-%m}", 1) for m in which.months]
                rows.append(Row("", _("Total"), 0))
                out.append(PublishedTable(key=key, title=title, kind="count", rows=rows,
                                          columns=[*cols, ("", _("Total"))], cells=grid,
                                          suppressed=hidden))
        now, before = published_totals
        cells: list[list[float | int | None]] = []
        sup: list[list[bool]] = []
        marks: list[list[bool]] = []
        for j in range(len(codes) + 1):
            a, b = now[j], before[j]
            change = None if a is None or b is None or b == 0 else round(100.0 * (a - b) / b, 1)
            cells.append([b, a, change])
            sup.append([b is None, a is None, a is None or b is None])
            marks.append([False, False, change is not None and abs(change) >= 20])
        rows = [Row(c, lbl, 1) for c, lbl in cols] + [Row("", _("Total"), 0)]
        out.append(PublishedTable(
            key=f"{key}_change", title=_("%(title)s: change from the previous period",
                                         title=title.split(",")[0]),
            kind="count", rows=rows,
            columns=[("previous", _("Previous period")), ("current", _("This period")),
                     ("change", _("Change (%)"))],
            cells=cells, suppressed=sup, highlight=marks))
    return out

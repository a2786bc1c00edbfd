"""Published aggregate tables: the one API the dashboard, ``mrc aggregates`` and the reports use.

``indicator_tables(mrc_ids, period, breakdown)`` and ``trend_tables(mrc_ids, period)``
return :class:`PublishedTable` objects holding **only published numbers**: raw counts are
read from the summary tables (:mod:`mrc.aggregates.reader`), suppressed here and never leave
this module.

Layout: rows are the organisation hierarchy inside the scope (total, region, country, MRC;
down to country for ``breakdown="country"``, :mod:`mrc.aggregates.hierarchy`), columns the
categories of the breakdown plus their total. Indicators that cannot be broken down by a
dimension (distinct clients by channel, say) are given by MRC only, with a note. Which
indicators there are is declared in :mod:`mrc.aggregates.indicators`.

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

Speed (issue #6 benchmark): a :class:`Reader` reads each summary table once per request;
:func:`protect` keeps each published pattern (:mod:`mrc.aggregates.patterns`: per process,
or in Redis for all workers), keyed by the exact numbers, so a changed record means a new
key, never a stale pattern; the table's previous version's pattern is then checked against
the new numbers before any search (issue #16: the page right after a save).
:mod:`mrc.aggregates.charts` memoises the SVG charts by what they draw.

The names of the modules split out of this one stay importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select

from mrc.aggregates import patterns
from mrc.aggregates.breakdowns import (
    AGE_BANDS,
    BREAKDOWNS,
    CLIENT_DIMS,
    OUTREACH_DIMS,
    SESSION_DIMS,
    TOP_DESTINATIONS,
    categories,
    country_label,
)
from mrc.aggregates.groups import Block, Group, Request
from mrc.aggregates.hierarchy import Counts, Layout, Org, hierarchy, legend_scope, org
from mrc.aggregates.indicators import (
    INDICATORS,
)
from mrc.aggregates.periods import Period
from mrc.aggregates.reader import Reader
from mrc.aggregates.tables import (
    SUPPRESSED,
    PublishedTable,
    Row,
    legend,
    number_format,
    tables_to_csv,
    tables_to_json,
)
from mrc.cases import vocab
from mrc.privacy.cellkey import perturb, with_totals
from mrc.privacy.suppression import Pattern, SuppressionResult, Table, suppress
from mrc.privacy.suppression_audit import assert_safe
from mrc.settings import settings


def protect(table: Table, threshold: int, lineage: str = "") -> SuppressionResult:
    """``suppress`` then ``assert_safe``, kept in :mod:`mrc.aggregates.patterns`: a table
    seen before with these exact numbers (the same dashboard again, its CSV, the quarterly
    report, another user with the same scope, another worker when Redis is configured)
    costs a look-up, and every one of them shows the pattern published first. When a record
    changes, the numbers and so the key change; the pattern last published for the same
    ``lineage`` (the caller's name for "this table of this scope and period") with the same
    sensitive cells is then checked against the new numbers and kept if safe (repaired if
    not), else the table is solved afresh. Either way the pattern is audited
    (``assert_safe``) before it is kept: a pattern is never applied to numbers it was not
    checked for."""
    values = tuple(int(v) for v in table.values)
    constraints = tuple((t, tuple(p)) for t, p in table.constraints)
    exact_key = "x" + patterns.digest(values, constraints, threshold)
    found = patterns.get(exact_key)
    if found is not None:
        patterns.stats["exact"] += 1
        return patterns.result(table, threshold, found, "cached")
    primary = patterns.primary_of(values, threshold)
    line_key = ("l" + patterns.digest(lineage, constraints, threshold, primary)
                if lineage and patterns.reuse_latest() else "")
    previous = patterns.get_latest(line_key) if line_key else None
    result = suppress(table, threshold, previous=previous)
    # ``suppress`` proves its pattern with its own attacker model; this independent LP
    # audit (``suppression_audit``) checks it again, once per distinct table.
    assert_safe(table, result.suppressed, threshold)
    patterns.stats["latest" if result.method.startswith("previous") else "solved"] += 1
    kept = patterns.put(exact_key, Pattern.of(result), first_wins=True)
    if line_key:
        patterns.put(line_key, kept, first_wins=False)
    return patterns.result(table, threshold, kept, result.method)


def _ratios(numerators: Sequence[int], denominators: Sequence[int], hidden: Sequence[bool],
            scale: float, digits: int) -> list[float | int | None]:
    return [None if s or d == 0 else round(scale * a / d, digits)
            for a, d, s in zip(numerators, denominators, hidden, strict=True)]


def lineage(scope: Org, period: Period, name: str) -> str:
    """A table's name across its versions (see :func:`protect`): which MRCs, which months,
    which table. A digest of ids and dates only."""
    return patterns.digest(tuple(scope.ids), period.first, period.last, name)


def _publish_group(group: Group, layout: Layout, threshold: int,
                   line: str = "") -> list[PublishedTable]:
    """Suppress a group's blocks as one table (the hierarchy's and the categories' totals
    and the group's links as constraints) and publish its published blocks, then its rates,
    then its means, each ratio only where numerator and denominator are both published."""
    base = layout.template()
    n = len(base.values)
    index = {b.key: i for i, b in enumerate(group.blocks)}
    values: list[int] = []
    constraints: list[tuple[int, list[int]]] = []
    for i, block in enumerate(group.blocks):
        values += layout.cell_values(block.counts)
        constraints += [(t + i * n, [p + i * n for p in parts]) for t, parts in base.constraints]
    for total, parts in group.links:
        t = index[total]
        constraints += [(t * n + c, [index[p] * n + c for p in parts]) for c in range(n)]
    if group.keyed:  # the cell key method: every cell perturbed from its own records
        keys = [k for block in group.blocks for k in layout.cell_values(block.keys or {})]
        values = perturbed(values, keys, threshold)
        hidden = [False] * len(values)
    else:
        # ``protect`` is looked up here at call time: tests wrap it to audit every table.
        hidden = protect(Table(values, constraints), threshold, line).suppressed
    width = layout.width
    total_label = _("Topic mentions") if layout.columns and layout.columns[0][0] in vocab.codes(
        vocab.TOPICS) else _("Total")
    columns = layout.all_columns(total_label)

    def cells_of(key: str) -> tuple[list[int], list[bool]]:
        i = index[key]
        return values[i * n:(i + 1) * n], hidden[i * n:(i + 1) * n]

    def table(key: str, title: str, kind: str, cells: Sequence[float | int | None],
              sup: Sequence[bool]) -> PublishedTable:
        return PublishedTable(
            key=key, title=title, kind=kind, rows=layout.rows, columns=columns,
            cells=[list(cells[r * width:(r + 1) * width]) for r in range(len(layout.rows))],
            suppressed=[list(sup[r * width:(r + 1) * width]) for r in range(len(layout.rows))],
            note=group.note)

    out = []
    for b in group.blocks:
        if b.published:
            counts, sup = cells_of(b.key)
            out.append(table(b.key, b.title, "count",
                             [None if s else v for v, s in zip(counts, sup, strict=True)], sup))
    for key, title, num, den in group.rates:
        (a, a_hidden), (d, d_hidden) = cells_of(num), cells_of(den)
        sup = [x or y for x, y in zip(a_hidden, d_hidden, strict=True)]
        out.append(table(key, title, "percent", _ratios(a, d, sup, 100.0, 1), sup))
    for key, title, den, sums in group.means:
        d, d_hidden = cells_of(den)
        out.append(table(key, title, "mean", _ratios(layout.cell_values(sums), d, d_hidden, 1, 2),
                         d_hidden))
    return out


# --- the indicators --------------------------------------------------------------------


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


def cell_key_method() -> bool:
    """Published counts go through the cell key method (``MRC_DISCLOSURE_METHOD``)."""
    return settings().disclosure_method == "cellkey"


def perturbed(values: Sequence[int], keys: Sequence[int], threshold: int) -> list[int]:
    """Counts published with the cell key method, from their key sums under the
    deployment's secret (``MRC_CELLKEY_SECRET``)."""
    return perturb(values, keys, threshold, settings().cellkey_secret)


def _threshold(threshold: int | None) -> int:
    """The threshold asked for, else the configured one (0 is a threshold, not "unset")."""
    return threshold if threshold is not None else settings().suppression_threshold


def indicator_tables(mrc_ids: Select[Any] | Sequence[int] | Org, period: Period,
                     breakdown: str = "mrc", *, threshold: int | None = None,
                     reader: Reader | None = None) -> list[PublishedTable]:
    """Every dashboard indicator (:data:`~mrc.aggregates.indicators.INDICATORS`) for the
    MRCs ``mrc_ids`` over ``period``, by ``breakdown`` (a key of :data:`BREAKDOWNS`),
    suppressed and audited (:func:`protect`). ``reader``: summary numbers already read for
    this scope and period (see :func:`dashboard_tables`)."""
    if breakdown not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {breakdown!r}")
    limit = _threshold(threshold)
    read = _reader(mrc_ids, period, reader)
    if read is None:
        return []
    depth = 2 if breakdown == "country" else 3
    rows, leaves = hierarchy(read.scope, depth)
    request = Request(read, breakdown, rows, leaves, depth, keyed=cell_key_method())
    out: list[PublishedTable] = []
    for spec in INDICATORS:
        if spec.shown(breakdown):
            group = request.group(spec)
            out += _publish_group(group, request.layout(spec.axis), limit,
                                  lineage(read.scope, period,
                                          f"{breakdown}:{group.blocks[0].key}"))
    return out


# --- trends ----------------------------------------------------------------------------


def _monthly(reader: Reader, months: list[date], dim: str, codes: list[str],
             keys: bool = False) -> list[list[int]]:
    """Counts (or key sums) by month and column; a value without its own column goes to the
    "other" column if there is one (also a value seen only in the previous period: the
    "other" of the categories is everything not listed)."""
    index = {m: i for i, m in enumerate(months)}
    col = {c: j for j, c in enumerate(codes)}
    matrix = [[0] * len(codes) for _ in months]
    for (month, value), n in reader.monthly(keys=keys)[dim].items():
        i = index.get(month)
        j = col.get(value, col.get("__other__"))
        if i is not None and j is not None:
            matrix[i][j] += n
    return matrix


def trend_tables(mrc_ids: Select[Any] | Sequence[int] | Org, period: Period, *,
                 threshold: int | None = None,
                 reader: Reader | None = None) -> list[PublishedTable]:
    """Sessions by intended destination and by intention, month by month, and the period
    compared with the previous one (change highlighted where it is 20 % or more)."""
    threshold = _threshold(threshold)
    read = _reader(mrc_ids, period, reader)
    if read is None:
        return []
    out = []
    dest_cols, _other = categories("destination", read)
    intentions = [(c, str(v)) for c, v in vocab.INTENTION.items()]
    for key, title, dim, cols in (
        ("trend_destination", _("Sessions by intended destination, by month"), "destination",
         dest_cols),
        ("trend_intention", _("Sessions by migration intention, by month"), "intention",
         intentions),
    ):
        codes = [c for c, _l in cols]
        published_totals = []
        for which in (period, period.previous()):
            matrix = _monthly(read, which.months, dim, codes)
            grid: list[list[float | int | None]]
            if cell_key_method():
                sums = with_totals(_monthly(read, which.months, dim, codes, keys=True))
                grid = [list(perturbed(row, key_row, threshold))
                        for row, key_row in zip(with_totals(matrix), sums, strict=True)]
                hidden = [[False] * len(row) for row in grid]
            else:
                result = protect(Table.from_2d(matrix), threshold,
                                 lineage(read.scope, which, key))
                grid = [list(r) for r in result.published_2d()]
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


__all__ = [
    "AGE_BANDS", "BREAKDOWNS", "CLIENT_DIMS", "OUTREACH_DIMS", "SESSION_DIMS", "SUPPRESSED",
    "TOP_DESTINATIONS", "Block", "Counts", "Group", "Layout", "Org", "PublishedTable", "Reader",
    "Row", "country_label", "dashboard_tables", "indicator_tables", "legend", "legend_scope",
    "number_format", "org", "protect", "tables_to_csv", "tables_to_json", "trend_tables",
]

"""Server-side SVG charts (pygal) of published tables, as ``data:`` URIs for ``<img>``.

Charts draw only published numbers (a suppressed cell is drawn as a gap) and carry no
script: the page's Content-Security-Policy allows ``data:`` images, and an SVG shown as an
image never runs scripts. Every chart sits beside a table holding the same numbers.
"""

from __future__ import annotations

import base64
import sys
from functools import lru_cache
from typing import TYPE_CHECKING

import pygal
from pygal.style import Style

if TYPE_CHECKING:
    from mrc.aggregates.services import PublishedTable

# pygal appends a legacy import hook (for its map plugins, unused here) to sys.meta_path; it has
# no find_spec, so every later failed import in the process raises an ImportWarning. Remove it
# before anything else is imported (nothing may import pygal but this module).
sys.meta_path[:] = [finder for finder in sys.meta_path
                    if type(finder).__name__ != "PluginImportFixer"]

STYLE = Style(background="transparent", plot_background="transparent",
              font_family="'Noto Sans', 'Noto Sans Arabic', sans-serif",
              colors=("#1f5f8b", "#d9822b", "#3c8d2f", "#8e44ad", "#c0392b", "#16a085",
                      "#7f8c8d", "#2c3e50", "#b7950b", "#6d4c41", "#e84393", "#00838f"))


Series = tuple[tuple[str, tuple[float | int | None, ...]], ...]  # (name, values) per line/bar

CHART_CACHE_SIZE = 256  # rendered charts kept per process (a line chart is ~30 kB)


def _config(title: str, rtl: bool) -> dict[str, object]:
    return {"title": title, "style": STYLE, "js": [], "disable_xml_declaration": False,
            "width": 720, "height": 320, "legend_at_bottom": True, "show_legend": True,
            "truncate_legend": 40, "truncate_label": 24, "inverse_y_axis": False,
            "x_label_rotation": 0 if not rtl else 0, "print_values": False}


def _isolated(values: tuple[float | int | None, ...]) -> bool:
    """A value with a gap (suppressed cell) on both sides: drawn only as a dot."""
    return any(v is not None and (i == 0 or values[i - 1] is None)
               and (i == len(values) - 1 or values[i + 1] is None)
               for i, v in enumerate(values))


@lru_cache(maxsize=CHART_CACHE_SIZE)
def _render(kind: str, title: str, labels: tuple[str, ...], series: Series, rtl: bool) -> str:
    """The chart as a ``data:`` URI. A pure function of what it draws -- published
    numbers and their (translated) labels -- so it is memoised: the same published table
    is drawn once per process, and a changed number or language draws a new one.

    Line charts draw dots only on series with an isolated value (a dot is the only mark of
    a value between two gaps); they carry no tooltip in an ``<img>`` anyway, and leaving
    them out halves the time and the size of the SVG."""
    chart = (pygal.Bar if kind == "bar" else pygal.Line)(**_config(title, rtl))
    if rtl:
        labels = labels[::-1]
    chart.x_labels = list(labels)
    for name, values in series:
        ordered = list(values[::-1] if rtl else values)
        if kind == "bar":
            chart.add(name, ordered)
        else:
            chart.add(name, ordered, show_dots=_isolated(values))
    svg = chart.render(is_unicode=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def bar_chart(table: PublishedTable, *, rtl: bool = False) -> str:
    """Bars of the table's lowest-level rows (MRCs or countries) and its columns (without
    the total column when there are categories)."""
    if not table.rows:
        return ""
    leaf_level = max(r.level for r in table.rows)
    rows = [(i, r) for i, r in enumerate(table.rows) if r.level == leaf_level]
    columns = list(range(len(table.columns)))
    if len(columns) > 1:
        columns = columns[:-1]
    series = tuple((table.columns[c][1], tuple(table.cells[i][c] for i, _r in rows))
                   for c in columns)
    return _render("bar", table.title, tuple(r.label for _i, r in rows), series, rtl)


def line_chart(table: PublishedTable, *, rtl: bool = False) -> str:
    """Lines over the table's month rows, one per column (without the total)."""
    rows = [(i, r) for i, r in enumerate(table.rows) if r.level > 0]
    series = tuple((table.columns[c][1], tuple(table.cells[i][c] for i, _r in rows))
                   for c in range(len(table.columns) - 1))
    return _render("line", table.title, tuple(r.label for _i, r in rows), series, rtl)

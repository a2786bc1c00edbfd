"""Server-side SVG charts (pygal) of published tables.

Charts draw only published numbers (a suppressed cell is drawn as a gap) and carry no
script. The dashboard shows them as ``<img>`` from its chart endpoint (cached, lazily
loaded: the page itself stays small); the reports inline them from ``data:`` URIs. An SVG
shown as an image never runs scripts. Every chart sits beside a table holding the same
numbers.

What a chart says: one series per breakdown value (no legend when there is one series, so
never a lone "Total"); on a chart by MRC without categories, the previous period as a
second series; colours from the Okabe–Ito palette (told apart with the common kinds of
colour blindness); axis numbers and month labels in the user's digits.
"""

from __future__ import annotations

import base64
import re
import sys
from functools import lru_cache
from typing import TYPE_CHECKING

import pygal
from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from pygal.style import Style

from mrc.aggregates.numbers import formatter
from mrc.calendars import localise_digits
from mrc.i18n import numbering_system

if TYPE_CHECKING:
    from mrc.aggregates.services import PublishedTable

# pygal appends a legacy import hook (for its map plugins, unused here) to sys.meta_path; it has
# no find_spec, so every later failed import in the process raises an ImportWarning. Remove it
# before anything else is imported (nothing may import pygal but this module).
sys.meta_path[:] = [finder for finder in sys.meta_path
                    if type(finder).__name__ != "PluginImportFixer"]

# Okabe & Ito (2008): blue, orange, bluish green, reddish purple, sky blue, vermillion,
# black, yellow (last: weak on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
           "#F0E442")
STYLE = Style(background="transparent", plot_background="transparent",
              font_family="'Noto Sans', 'Noto Sans Arabic', sans-serif", colors=PALETTE)


Series = tuple[tuple[str, tuple[float | int | None, ...]], ...]  # (name, values) per line/bar
Digits = tuple[str, str]  # (locale, numbering system)

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)

CHART_CACHE_SIZE = 256  # rendered charts kept per process (a line chart is ~30 kB)


def current_digits() -> Digits:
    """The locale and the digits of the request (English and Latin digits outside one)."""
    if not has_request_context():
        return "en", "latn"
    return str(get_locale() or "en"), numbering_system()


def _config(title: str, digits: Digits, legend: bool) -> dict[str, object]:
    return {"title": title, "style": STYLE, "js": [], "disable_xml_declaration": False,
            "width": 720, "height": 320, "legend_at_bottom": True, "show_legend": legend,
            "truncate_legend": 40, "truncate_label": 24, "inverse_y_axis": False,
            "x_label_rotation": 0, "print_values": False, "value_formatter": formatter(*digits)}


def _isolated(values: tuple[float | int | None, ...]) -> bool:
    """A value with a gap (suppressed cell) on both sides: drawn only as a dot."""
    return any(v is not None and (i == 0 or values[i - 1] is None)
               and (i == len(values) - 1 or values[i + 1] is None)
               for i, v in enumerate(values))


@lru_cache(maxsize=CHART_CACHE_SIZE)
def _svg(kind: str, title: str, labels: tuple[str, ...], series: Series, rtl: bool,
         digits: Digits) -> str:
    """The chart's SVG. A pure function of what it draws -- published numbers, their
    (translated) labels and the digits -- so it is memoised: the same published table is
    drawn once per process, and a changed number or language draws a new one.

    Line charts draw dots only on series with an isolated value (a dot is the only mark of
    a value between two gaps); they carry no tooltip in an ``<img>`` anyway, and leaving
    them out halves the time and the size of the SVG."""
    chart = (pygal.Bar if kind == "bar" else pygal.Line)(**_config(title, digits,
                                                                   len(series) > 1))
    labels = tuple(localise_digits(label, digits[1]) for label in labels)
    if rtl:
        labels = labels[::-1]
    chart.x_labels = list(labels)
    for name, values in series:
        ordered = list(values[::-1] if rtl else values)
        if kind == "bar":
            chart.add(name, ordered)
        else:
            chart.add(name, ordered, show_dots=_isolated(values))
    # pygal adds its configuration as a script: never run in an <img>, but dead weight.
    return _SCRIPT.sub("", str(chart.render(is_unicode=True)))


@lru_cache(maxsize=CHART_CACHE_SIZE)
def _render(kind: str, title: str, labels: tuple[str, ...], series: Series, rtl: bool,
            digits: Digits = ("en", "latn")) -> str:
    """The chart as a ``data:`` URI (for the reports)."""
    svg = _svg(kind, title, labels, series, rtl, digits)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def bar_data(table: PublishedTable, previous: PublishedTable | None = None,
             ) -> tuple[tuple[str, ...], Series]:
    """Labels and series of a bar chart: the table's lowest-level rows (MRCs or countries);
    one series per category (without the total column), or, for a table without
    categories, this period and -- given ``previous`` -- the previous period, matched by row."""
    if not table.rows:
        return (), ()
    leaf_level = max(r.level for r in table.rows)
    rows = [(i, r) for i, r in enumerate(table.rows) if r.level == leaf_level]
    labels = tuple(r.label for _i, r in rows)
    if len(table.columns) > 1:
        return labels, tuple((table.columns[c][1], tuple(table.cells[i][c] for i, _r in rows))
                             for c in range(len(table.columns) - 1))
    now = tuple(table.cells[i][0] for i, _r in rows)
    if previous is None or len(previous.columns) != 1:
        return labels, ((_("This period"), now),)
    before_at = {r.key: previous.cells[i][0] for i, r in enumerate(previous.rows)}
    before = tuple(before_at.get(r.key) for _i, r in rows)
    return labels, ((_("This period"), now), (_("Previous period"), before))


def line_data(table: PublishedTable) -> tuple[tuple[str, ...], Series]:
    """Labels and series of a line chart: the month rows, a line per column (without
    the total)."""
    rows = [(i, r) for i, r in enumerate(table.rows) if r.level > 0]
    series = tuple((table.columns[c][1], tuple(table.cells[i][c] for i, _r in rows))
                   for c in range(len(table.columns) - 1))
    return tuple(r.label for _i, r in rows), series


def bar_svg(table: PublishedTable, previous: PublishedTable | None = None, *,
            rtl: bool = False, digits: Digits | None = None) -> str:
    labels, series = bar_data(table, previous)
    return _svg("bar", table.title, labels, series, rtl, digits or current_digits()) \
        if series else ""


def line_svg(table: PublishedTable, *, rtl: bool = False, digits: Digits | None = None) -> str:
    labels, series = line_data(table)
    return _svg("line", table.title, labels, series, rtl, digits or current_digits())


def bar_chart(table: PublishedTable, *, rtl: bool = False,
              previous: PublishedTable | None = None) -> str:
    """:func:`bar_svg` as a ``data:`` URI."""
    labels, series = bar_data(table, previous)
    return _render("bar", table.title, labels, series, rtl, current_digits()) if series else ""


def line_chart(table: PublishedTable, *, rtl: bool = False) -> str:
    """:func:`line_svg` as a ``data:`` URI."""
    labels, series = line_data(table)
    return _render("line", table.title, labels, series, rtl, current_digits())

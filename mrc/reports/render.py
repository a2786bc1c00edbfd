"""The quarterly report as a print document (``templates/reports/print.html`` with
``mrc/static/report-print.css``) and as a PDF.

The PDF is laid out by WeasyPrint through the leaflets' restricted URL fetcher
(``mrc.leaflets.render.html_to_pdf``): the app's static files, the Noto fonts and
``data:`` URIs, no other file and no network. Charts are the dashboard's pygal charts,
inlined as ``<svg>`` elements (no script: pygal's JavaScript is switched off), each
followed by the table of its numbers. Fonts per script follow ``leaflet-print.css``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import Select

from mrc.aggregates import charts
from mrc.aggregates.services import PublishedTable
from mrc.leaflets.render import html_to_pdf
from mrc.reports import services
from mrc.reports.services import ReportContent

PRINT_TEMPLATE = "reports/print.html"
_DATA_URI = "data:image/svg+xml;base64,"
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>\s*")
# pygal writes its configuration as an inline script even with ``js=[]``: a PDF has no
# use for it, and an inlined document must carry none.
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)
# Ids of pygal's interactive legend, the same in every chart: one document, unique ids.
_SERIES_ID = re.compile(r'\s+id="activate-serie-\d+"')


def inline_svg(data_uri: str) -> Markup:
    """A pygal chart's ``data:`` URI as an inline ``<svg>`` element (pygal's own output,
    labels escaped by it), without its configuration script."""
    if not data_uri.startswith(_DATA_URI):
        return Markup("")
    svg = base64.b64decode(data_uri[len(_DATA_URI):]).decode("utf-8")
    svg = _SERIES_ID.sub("", _SCRIPT.sub("", _XML_DECLARATION.sub("", svg)))
    if "<script" in svg.lower():
        raise ValueError("a chart must not carry a script")
    return Markup(svg)  # noqa: S704  (pygal SVG of published numbers, checked above)


def _short_labels(table: PublishedTable) -> PublishedTable:
    """The table with its areas named by code (PK-ISB), short enough for a chart's axis;
    the table printed beside the chart names them in full."""
    rows = [replace(row, label=row.key) if row.level >= 2 and row.key else row
            for row in table.rows]
    return replace(table, rows=rows)


def chart_for(table: PublishedTable, rtl: bool) -> Markup:
    if table.key in services.CHARTED:
        return inline_svg(charts.bar_chart(_short_labels(table), rtl=rtl))
    if table.key.startswith("trend_") and not table.key.endswith("_change"):
        return inline_svg(charts.line_chart(table, rtl=rtl))
    return Markup("")


def report_html(content: ReportContent, title: str) -> str:
    """The print document (with the report's language active, like ``build_content``)."""
    rtl = content.dir == "rtl"
    chart_svgs = {t.key: chart_for(t, rtl) for t in content.tables}

    def cell(table: PublishedTable, r: int, c: int) -> str:
        return services.cell_text(table, r, c, content.lang, content.latin_digits)

    def number(value: Any) -> str:
        return services.format_number(value, content.lang, content.latin_digits)

    def day(value: date) -> str:
        return format_date(value, "long", locale=content.lang)

    template = current_app.jinja_env.get_template(PRINT_TEMPLATE)
    return template.render(report=content, title=title, charts=chart_svgs, cell=cell,
                           number=number, day=day,
                           quarter=services.quarter_label(content.period, content.lang))


def report_pdf(content: ReportContent, title: str) -> bytes:
    """The report as a PDF (tagged, for screen readers)."""
    return html_to_pdf(report_html(content, title))


def report_files(mrc_ids: Select[Any] | Sequence[int], wanted: services.ReportRequest,
                 progress: Callable[[int, int], None] | None = None,
                 ) -> dict[str, tuple[str, bytes]]:
    """Every file of a report, by format: ``{"pdf": (download name, bytes), …}``, built
    with the report's language active; ``progress(done, total)`` after each file."""
    out: dict[str, tuple[str, bytes]] = {}
    with force_locale(wanted.lang):
        content = services.build_content(mrc_ids, wanted)
        title = _("Quarterly report: %(quarter)s",
                  quarter=services.quarter_label(wanted.period, wanted.lang))
        for done, fmt in enumerate(wanted.formats, start=1):
            if fmt == "pdf":
                data = report_pdf(content, title)
            elif fmt == "csv":
                data = services.tables_csv(content)
            else:
                data = services.tables_xlsx(content, title)
            out[fmt] = (services.download_name(wanted, fmt), data)
            if progress is not None:
                progress(done, len(wanted.formats))
    return out


def report_output(files: dict[str, tuple[str, bytes]], wanted: services.ReportRequest,
                  ) -> tuple[str, str, bytes]:
    """One file to publish: (extension, download name, bytes); a zip when several."""
    if len(files) == 1:
        ext, (name, data) = next(iter(files.items()))
        return ext, name, data
    with force_locale(wanted.lang):
        name = services.download_name(wanted, "zip")
    return "zip", name, services.bundle(dict(files.values()), wanted.period.end)

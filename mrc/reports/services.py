"""Quarterly reports: the supervisor's published tables for one quarter, as a PDF with
charts and as CSV/XLSX tables, built by a background job (``quarterly_report``).

A report reads nothing but the aggregates API (``mrc.aggregates.services``): the tables
it prints are the very ``PublishedTable`` objects the dashboard shows, already suppressed
and audited there, so the dashboard, its CSV downloads and the report show the same
numbers and the same suppressed cells (the referral tables come from
``mrc.aggregates.referrals``, suppressed jointly there as on the dashboard). The scope is recomputed when the job runs, from
the user who asked (``mrc_ids_in_scope``) narrowed to an area inside it; a job's
parameters hold ids and codes only.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel import numbers as babel_numbers
from babel.core import Locale
from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from mrc.aggregates import periods
from mrc.aggregates import services as aggregates
from mrc.aggregates.referrals import referral_tables
from mrc.aggregates.services import PublishedTable
from mrc.auth.models import Role, User
from mrc.config import RTL_LOCALES, SUPPORTED_LOCALES
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from mrc.reports.impact_section import impact_section
from mrc.scope import AreaChoice, mrc_ids_in_scope, narrow
from mrc.scope import area_choices as scope_areas
from mrc.settings import settings
from mrc.spreadsheets import xlsx_append

JOB_KIND = "quarterly_report"
REPORT_ROLES = (Role.SUPERVISOR, Role.ADMIN)
FORMATS: dict[str, Any] = {
    "pdf": _l("PDF report with charts"),
    "csv": _l("Tables as CSV"),
    "xlsx": _l("Tables as Excel workbook (XLSX)"),
}
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
# The tables drawn as bar charts (the trend tables are drawn as lines); like the dashboard.
CHARTED = ("sessions", "clients", "followup_reach_rate", "outreach_attendance")
FIRST_YEAR = 2015


class ReportError(ValueError):
    """A report request that cannot be run (bad parameters, a user without the role)."""


# --- the request -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRequest:
    """What a report job is asked to build: codes and numbers only."""

    year: int
    quarter: int
    lang: str = "en"
    formats: tuple[str, ...] = ("pdf",)
    area: str = ""  # "" = the user's whole scope, or a country or MRC code inside it
    latin_digits: bool = False

    @property
    def period(self) -> periods.Period:
        return periods.quarter(self.year, self.quarter)

    def to_params(self) -> dict[str, Any]:
        return {"year": self.year, "quarter": self.quarter, "lang": self.lang,
                "formats": list(self.formats), "area": self.area,
                "latin_digits": self.latin_digits}

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ReportRequest:
        """Validate a job's parameters (they come from a database row: trust nothing)."""
        year, quarter = params.get("year"), params.get("quarter")
        lang, area = params.get("lang", "en"), params.get("area") or ""
        formats = params.get("formats") or ["pdf"]
        if not isinstance(year, int) or not FIRST_YEAR <= year <= 9999:
            raise ReportError("year")
        if not isinstance(quarter, int) or not 1 <= quarter <= 4:
            raise ReportError("quarter")
        if lang not in SUPPORTED_LOCALES:
            raise ReportError("lang")
        if (not isinstance(formats, list) or not formats
                or any(f not in FORMATS for f in formats)):
            raise ReportError("formats")
        if not isinstance(area, str) or not re.fullmatch(r"[A-Z0-9-]{0,16}", area):
            raise ReportError("area")
        ordered = tuple(f for f in FORMATS if f in formats)
        return cls(year, quarter, lang, ordered, area, bool(params.get("latin_digits")))


def can_report(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role_enum in REPORT_ROLES)


def area_choices(user: User) -> list[AreaChoice]:
    """The areas a user may narrow a report to: the whole scope, then its countries and MRCs."""
    return [("", aggregates.legend_scope(), {}), *scope_areas(mrc_ids_in_scope(user))]


def report_scope(user: User, area: str = "") -> Select[Any]:
    """The MRC ids a report covers: the user's scope, narrowed to ``area`` (a country or
    MRC code). An area outside the scope narrows to nothing: never beyond the scope."""
    return narrow(mrc_ids_in_scope(user), area)


def request_report(user: User, wanted: ReportRequest) -> Job:
    """Create the report job for ``user`` (the caller commits, then enqueues it)."""
    if not can_report(user):
        raise ReportError("role")
    ReportRequest.from_params(wanted.to_params())
    return jobs.create_job(JOB_KIND, wanted.to_params(), user.id)


def default_quarter(today: date | None = None) -> tuple[int, int]:
    """The last complete quarter (what a quarterly report is usually about)."""
    day = today or date.today()
    q = (day.month - 1) // 3 + 1
    return (day.year, q - 1) if q > 1 else (day.year - 1, 4)


# --- numbers and names in the report's language ----------------------------------------


def numbering(lang: str, latin_digits: bool) -> str:
    if latin_digits:
        return "latn"
    return str(Locale.parse(lang).default_numbering_system or "latn")


def format_number(value: float | None, lang: str, latin_digits: bool = False) -> str:
    """A number as the dashboard writes it (``mrc.templating.fmt_number``) in ``lang``."""
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, locale=lang,
                                        numbering_system=numbering(lang, latin_digits))


def cell_text(table: PublishedTable, r: int, c: int, lang: str,
              latin_digits: bool = False) -> str:
    """A cell as the dashboard shows it: the number, the suppression symbol, or a dash."""
    if table.suppressed[r][c]:
        return aggregates.SUPPRESSED
    value = table.cells[r][c]
    if value is None:
        return "–"
    return format_number(value, lang, latin_digits)


def quarter_label(period: periods.Period, lang: str) -> str:
    """"3rd quarter 2026" in the language (CLDR), year in Latin digits as in codes."""
    return format_date(period.first, "QQQQ y", locale=lang)


def download_name(wanted: ReportRequest, ext: str) -> str:
    """The file name users download, in the report's language: the translated word for
    "report", the quarter as CLDR writes it, and the area code. Needs ``force_locale``."""
    # Translators: first word of a downloaded report's file name; one word, no spaces.
    word = _("report")
    parts = [word, quarter_label(wanted.period, wanted.lang)]
    if wanted.area:
        parts.append(wanted.area)
    name = "-".join(parts)
    name = re.sub(r"[\s/\\:*?\"<>|]+", "-", name).strip("-.")
    return f"{name}.{ext}"


def text_direction(lang: str) -> str:
    return "rtl" if lang in RTL_LOCALES else "ltr"


# --- the content -----------------------------------------------------------------------


@dataclass
class ReportContent:
    """Everything a report shows, in the language active when it was built."""

    lang: str
    period: periods.Period
    scope_label: str
    mrc_codes: list[str]
    threshold: int
    legend: str
    indicators: list[PublishedTable]
    trends: list[PublishedTable]
    referrals: list[PublishedTable] = field(default_factory=list)
    impact: list[PublishedTable] = field(default_factory=list)
    impact_notes: list[str] = field(default_factory=list)
    latin_digits: bool = False

    @property
    def tables(self) -> list[PublishedTable]:
        return [*self.indicators, *self.trends, *self.referrals, *self.impact]

    @property
    def dir(self) -> str:
        return text_direction(self.lang)

    @property
    def tag(self) -> str:
        return self.lang.replace("_", "-")


def scope_label(mrc_ids: Select[Any] | Sequence[int]) -> tuple[str, list[str]]:
    """The countries a scope covers, by name, and its MRC codes."""
    scope = aggregates.org(mrc_ids)
    countries: list[str] = []
    for _id, _code, _name, _cc, country, _rc, _rn in scope.mrcs:
        if country not in countries:
            countries.append(country)
    return ", ".join(countries), [m[1] for m in scope.mrcs]


def build_content(mrc_ids: Select[Any] | Sequence[int], wanted: ReportRequest, *,
                  impact: bool = True) -> ReportContent:
    """The tables of a report (call it with the report's language active: titles and
    labels are translated as they are built)."""
    period = wanted.period
    threshold = settings().suppression_threshold
    label, codes = scope_label(mrc_ids)
    indicators = aggregates.indicator_tables(mrc_ids, period, "mrc")
    trends = aggregates.trend_tables(mrc_ids, period)
    content = ReportContent(lang=wanted.lang, period=period, scope_label=label,
                            mrc_codes=codes, threshold=threshold,
                            legend=aggregates.legend(threshold), indicators=indicators,
                            trends=trends, latin_digits=wanted.latin_digits)
    if codes:
        # The dashboard's referral tables for the same scope and period ([] when none
        # was sent: the section is left out).
        content.referrals = referral_tables(mrc_ids, period, "mrc", threshold=threshold)
    if impact and codes:
        content.impact, content.impact_notes = impact_section(mrc_ids, period)
    return content


def impact_tables(mrc_ids: Select[Any] | Sequence[int], period: periods.Period) -> list[PublishedTable]:
    """The impact estimates of the clients whose baseline falls in the quarter, as one
    published table (see :mod:`mrc.reports.impact_section`); [] when there are none."""
    return impact_section(mrc_ids, period)[0]


# --- files -------------------------------------------------------------------------------


def tables_csv(content: ReportContent) -> bytes:
    """All tables, one after the other (``tables_to_csv``), UTF-8 with a byte-order mark
    so that Excel reads non-Latin scripts correctly."""
    return ("\ufeff" + aggregates.tables_to_csv(content.tables)).encode("utf-8")


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def tables_xlsx(content: ReportContent, title: str) -> bytes:
    """A workbook: a cover sheet, then one sheet per table with its title and note above
    it; suppressed cells hold the suppression symbol, published ones numbers. Text is
    written as string cells (:func:`mrc.spreadsheets.xlsx_append`), never as formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.worksheets[0])
    cover = book.create_sheet("report")
    rtl = content.dir == "rtl"
    for line in (title, content.scope_label, content.period.code, content.legend):
        xlsx_append(cover, [line])
    cover["A1"].font = Font(bold=True, size=14)
    cover.sheet_view.rightToLeft = rtl
    used = {"report"}
    for table in content.tables:
        name = _SHEET_BAD.sub("_", table.key)[:31] or "table"
        n = 2
        while name in used:
            name = f"{name[:28]}_{n}"
            n += 1
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.sheet_view.rightToLeft = rtl
        xlsx_append(sheet, [table.title])
        sheet["A1"].font = Font(bold=True)
        xlsx_append(sheet, [table.note])
        xlsx_append(sheet, ["", *[label for _code, label in table.columns]])
        for r, row in enumerate(table.rows):
            values: list[Any] = [row.label]
            for c in range(len(table.columns)):
                if table.suppressed[r][c]:
                    values.append(aggregates.SUPPRESSED)
                else:
                    values.append(table.cells[r][c])
            xlsx_append(sheet, values)
        sheet.column_dimensions["A"].width = 36
    # Fixed document times: the same report gives the same workbook properties.
    stamp = _datetime_of(content.period.end)
    book.properties.created = stamp
    book.properties.modified = stamp
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _datetime_of(day: date) -> Any:
    from datetime import datetime

    return datetime(day.year, day.month, day.day)


def bundle(files: dict[str, bytes], stamp: date) -> bytes:
    """Several report files in one zip (entries dated ``stamp``, so reruns are equal)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, (stamp.year, stamp.month, stamp.day, 0, 0, 0))
            kind = zipfile.ZIP_STORED if name.endswith(".pdf") else zipfile.ZIP_DEFLATED
            archive.writestr(entry, data, compress_type=kind)
    return out.getvalue()

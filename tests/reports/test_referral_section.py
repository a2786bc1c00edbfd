"""The report's referral section: the dashboard's four referral tables (by service,
destination and status, and the completion rate) in the PDF, the CSV and the XLSX, with a
small cell suppressed in every one of them; no section when the quarter sent none."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask_babel import force_locale, gettext
from openpyxl import load_workbook

from mrc.aggregates import periods, referrals
from mrc.aggregates.services import SUPPRESSED
from mrc.aggregates.tables import PublishedTable
from mrc.extensions import db
from mrc.referrals.models import Facility, Referral
from mrc.reports import render, services
from mrc.reports.services import ReportRequest
from tests.reports.test_reports import pdf_text, row_cells

# make_referral sends today: the report is about the quarter of today.
TODAY = date.today()
QUARTER = (TODAY.month - 1) // 3 + 1
PERIOD = periods.quarter(TODAY.year, QUARTER)
FORMATS = ("pdf", "csv", "xlsx")


def wanted(lang: str = "en") -> ReportRequest:
    return ReportRequest(TODAY.year, QUARTER, lang, FORMATS)


def scope(network: dict[str, Any]) -> list[int]:
    return [network["PK-ISB"].id, network["PK-LHE"].id]


def files(network: dict[str, Any], lang: str = "en") -> dict[str, bytes]:
    return {fmt: data for fmt, (_name, data) in render.report_files(
        scope(network), wanted(lang)).items()}


def published(network: dict[str, Any]) -> dict[str, PublishedTable]:
    """The dashboard's referral tables of the same scope and quarter."""
    with force_locale("en"):
        return {t.key: t for t in referrals.referral_tables(scope(network), PERIOD)}


def place(table: PublishedTable, row: str, column: str) -> tuple[int, int]:
    r = next(i for i, x in enumerate(table.rows) if x.key == row)
    c = next(i for i, (code, _label) in enumerate(table.columns) if code == column)
    return r, c


@pytest.fixture
def sent(network: dict[str, Any], make_referral: Callable[..., Referral],
         make_facility: Callable[..., Facility]) -> None:
    """Islamabad: 10 labour disputes to Riyadh (5 reached the service) and 2 document
    requests to Doha (a small cell: suppressed, and others with it); Lahore: 7 to Riyadh."""
    riyadh = make_facility(country="SA")
    doha = make_facility(country="QA", city="Doha")
    isb = [make_referral("PK-ISB", riyadh) for _ in range(10)]
    for referral in isb[:5]:
        referral.status, referral.answered_on = "service_given", referral.sent_on
        referral.service_on = referral.sent_on
    for _ in range(2):
        make_referral("PK-ISB", doha, service="documents")
    for _ in range(7):
        make_referral("PK-LHE", riyadh)
    db.session.flush()


@pytest.mark.usefixtures("suppression_method")
def test_the_four_tables_are_in_every_format_with_the_small_cell_suppressed(
        network: dict[str, Any], sent: None, tmp_path: Path) -> None:
    tables = published(network)
    assert list(tables) == list(referrals.KEYS)
    service, destination = tables[referrals.SERVICE], tables[referrals.DESTINATION]
    small = [(referrals.SERVICE, *place(service, "PK-ISB", "documents")),
             (referrals.DESTINATION, *place(destination, "PK-ISB", "QA")),
             (referrals.COMPLETION, *place(tables[referrals.COMPLETION], "PK-ISB",
                                           "documents"))]
    for key, r, c in small:
        assert tables[key].suppressed[r][c], key
    out = files(network)

    # PDF: the section, and every row of every table with exactly the dashboard's cells.
    text = pdf_text(out["pdf"], tmp_path)
    assert "Referrals to facilities in destination countries" in text
    for table in tables.values():
        assert table.title in text
        for r, row in enumerate(table.rows):
            cells = row_cells(text, row.label, table.title)
            assert cells == [services.cell_text(table, r, c, "en")
                             for c in range(len(table.columns))], (table.key, row.label)
    for key, r, c in small:
        table = tables[key]
        assert row_cells(text, table.rows[r].label, table.title)[c] == SUPPRESSED

    # CSV: each table as the dashboard's CSV of it, headed by its title (quoted: commas).
    blocks = out["csv"].decode("utf-8-sig").split("\n\n")
    titles = [next(csv.reader([block.split("\n", 1)[0]]))[0] for block in blocks]
    for table in tables.values():
        block = blocks[titles.index(table.title)]
        assert block.split("\n", 1)[1].rstrip("\n") == table.to_csv().rstrip("\n")
    for key, r, c in small:
        block = blocks[titles.index(tables[key].title)]
        rows = list(csv.reader(io.StringIO(block.split("\n", 1)[1])))
        assert rows[r + 1][c + 1] == SUPPRESSED, key

    # XLSX: one sheet per table, numbers as numbers, the suppression symbol where withheld.
    book = load_workbook(io.BytesIO(out["xlsx"]))
    for table in tables.values():
        sheet = list(book[table.key].iter_rows(values_only=True))
        assert sheet[0][0] == table.title
        for r, row in enumerate(table.rows):
            expected = [SUPPRESSED if table.suppressed[r][c] else table.cells[r][c]
                        for c in range(len(table.columns))]
            assert list(sheet[3 + r]) == [row.label, *expected], (table.key, row.label)
    for key, r, c in small:
        assert list(book[key].iter_rows(values_only=True))[3 + r][c + 1] == SUPPRESSED
    r, c = place(service, "PK-LHE", "labour_dispute")
    assert list(book[referrals.SERVICE].iter_rows(values_only=True))[3 + r][c + 1] == 7
    # The completion rate of Islamabad's 12 referrals: 5 reached the service.
    completion = tables[referrals.COMPLETION]
    row = completion.rows[place(completion, "PK-ISB", "labour_dispute")[0]].label
    assert row_cells(text, row, completion.title)[-1] == "41.7"


def test_the_arabic_report_has_the_section(network: dict[str, Any], sent: None,
                                           tmp_path: Path) -> None:
    text = pdf_text(files(network, "ar")["pdf"], tmp_path)
    with force_locale("ar"):
        heading = gettext("Referrals")
    assert heading != "Referrals" and heading in text  # "الإحالات"
    assert "PK-ISB" in text[text.index(heading):]


def test_a_quarter_without_referrals_has_no_section(network: dict[str, Any],
                                                    make_client: Callable[..., Any],
                                                    tmp_path: Path) -> None:
    for _ in range(6):
        make_client("PK-ISB", sessions=1, baseline=PERIOD.first)
    assert published(network) == {}
    out = files(network)
    text = pdf_text(out["pdf"], tmp_path)
    assert "Counselling sessions" in text  # the rest of the report is there
    assert "Referrals" not in text
    assert "Referrals" not in out["csv"].decode("utf-8-sig")
    book = load_workbook(io.BytesIO(out["xlsx"]))
    assert "sessions" in book.sheetnames
    assert not [name for name in book.sheetnames if name.startswith("referrals")]
    # Several formats still make one zip, as before.
    ext, _name, data = render.report_output(render.report_files(scope(network), wanted()),
                                            wanted())
    assert ext == "zip" and len(zipfile.ZipFile(io.BytesIO(data)).namelist()) == 3

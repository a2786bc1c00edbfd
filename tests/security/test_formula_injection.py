"""Spreadsheet formulas in exports (issue #14): a name stored in the database that starts
like a formula (``=HYPERLINK(…)``) comes out of every CSV as neutralised text (a leading
quote) and out of every XLSX as a string cell, never as a formula; and the admin refuses
such names in the first place."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from mrc.audit.models import AuditEvent
from mrc.cases.models import Client
from mrc.extensions import db
from mrc.org import services as org
from mrc.org.models import MRC, Country, Region
from mrc.panels import services as panels
from mrc.panels.build import PanelSpec
from mrc.privacy.pseudonyms import new_study_key
from mrc.reports import render
from mrc.reports.services import ReportRequest
from mrc.spreadsheets import FORMULA_START
from mrc.validation import ValidationError

FORMULA = '=HYPERLINK("http://x","c")'
COUNTRY = "+92 Pakistan"
REGION = "-South Asia"
YEAR, QUARTER = 2026, 2
PERIOD = f"{YEAR}-Q{QUARTER}"
BASELINE = date(YEAR, 5, 4)
REFUSED = "A name cannot start with =, +, -, @ or a tab."


@pytest.fixture
def poisoned(network, make_client):
    """Formula-like names written straight into the database, as if an old form or another
    tool had let them in: the MRC PK-ISB, its country and its region; and sessions there."""
    for _ in range(8):
        make_client("PK-ISB", sessions=1, baseline=BASELINE)
    for _ in range(6):
        make_client("PK-LHE", sessions=1, baseline=BASELINE)
    db.session.execute(update(MRC).where(MRC.code == "PK-ISB").values(name=FORMULA))
    db.session.execute(update(Country).where(Country.code == "PK").values(name=COUNTRY))
    db.session.execute(update(Region).where(Region.code == "SOUTH_ASIA").values(name=REGION))
    db.session.flush()
    db.session.expire_all()
    return network


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_no_formula(rows: list[list[str]]) -> None:
    """No cell a spreadsheet would run: any cell starting like a formula is a number."""
    risky = [cell for row in rows for cell in row
             if cell.startswith(FORMULA_START) and not is_number(cell)]
    assert not risky, risky


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.usefixtures("suppression_method")
def test_dashboard_csv_neutralises_names(poisoned, make_user, login):
    browser = login(make_user("admin"))
    response = browser.get(f"/dashboard/tables/sessions.csv?period={PERIOD}")
    assert response.status_code == 200
    rows = read_csv(response.get_data(as_text=True))
    assert_no_formula(rows)
    labels = [row[0] for row in rows]
    assert f"'{FORMULA} (PK-ISB)" in labels
    assert f"'{COUNTRY}" in labels and f"'{REGION}" in labels
    assert any(row[0] == "Total" and row[-1] == "14" for row in rows)  # numbers untouched


@pytest.mark.usefixtures("suppression_method")
def test_report_csv_and_xlsx_hold_no_formula(poisoned, app):
    ids = [poisoned["PK-ISB"].id, poisoned["PK-LHE"].id]
    files = render.report_files(ids, ReportRequest(YEAR, QUARTER, "en", ("csv", "xlsx")))
    _name, table_csv = files["csv"]
    rows = read_csv(table_csv.decode("utf-8-sig"))
    assert_no_formula(rows)
    assert f"'{FORMULA} (PK-ISB)" in [row[0] for row in rows if row]

    _name, xlsx = files["xlsx"]
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name)
                assert b"<f>" not in xml and b"<f " not in xml, name
    book = load_workbook(io.BytesIO(xlsx))
    texts = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    texts[cell.value] = cell
    # In XLSX the text is kept as it is: a string cell is never run.
    assert f"{FORMULA} (PK-ISB)" in texts
    cover = book["report"]["A2"]  # the countries of the report's scope
    assert (cover.value, cover.data_type) == (COUNTRY, "s")
    sessions = {row[0].value: row[1] for row in book["sessions"].iter_rows(min_row=4)}
    assert sessions["Total"].value == 14 and sessions["Total"].data_type == "n"


def test_audit_csv_neutralises_text_and_keeps_numbers(poisoned, make_user, login):
    browser = login(make_user("admin"))
    country = db.session.scalar(select(Country).where(Country.code == "PK"))
    odd = MRC(code="-1+1", name=FORMULA, city="", contact="", country_id=country.id,
              active=True)
    db.session.add(odd)
    db.session.flush()
    db.session.add(AuditEvent(at=datetime(2026, 3, 10, 12, tzinfo=UTC), user_id=None, action="update",
                              entity="@entity", entity_id=-5, mrc_id=odd.id,
                              detail=FORMULA))
    db.session.commit()
    text = browser.get(f"/admin/audit/export.csv?mrc={odd.id}").get_data(as_text=True)
    rows = read_csv(text)
    assert_no_formula(rows)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert (record["mrc"], record["entity"], record["detail"]) == (
        "'-1+1", "'@entity", f"'{FORMULA}")
    assert record["entity_id"] == "-5"  # a number, not text: no quote


def test_panel_csv_neutralises_text_but_not_the_typed_formats(network, make_client,
                                                              tmp_path):
    clients = [make_client("PK-ISB", baseline=date(2026, 1, 5) + timedelta(days=i),
                           birth_year=1990, sex="female")
               for i in range(12)]
    db.session.execute(update(Client).where(Client.id.in_([c.id for c in clients]))
                       .values(province="=1+2"))
    db.session.flush()
    spec = PanelSpec(name="Formula study", mrc_ids=(network["PK-ISB"].id,),
                     period_start=date(2026, 1, 1), period_end=date(2026, 12, 31),
                     waves=(1,), k=3)
    path = tmp_path / "panel.zip"
    panels.export_zip(spec, new_study_key(), path)
    with zipfile.ZipFile(path) as archive:
        text = archive.read("panel.csv").decode("utf-8")
        parquet = pq.read_table(io.BytesIO(archive.read("panel.parquet"))).to_pandas()
    rows = read_csv(text)
    assert_no_formula(rows)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert set(frame["province"]) == {"'=1+2"}
    # Parquet holds typed values, never formulas: the value as recorded.
    assert set(parquet["province"].astype(str)) == {"=1+2"}


# --- validation on input -----------------------------------------------------------------


@pytest.mark.parametrize("name", [FORMULA, "+1", "-x", "@SUM(A1)", "\t=1+2", " =1+2"])
def test_services_refuse_formula_like_names(network, name):
    pakistan = network["PK-ISB"].country
    attempts = [
        lambda: org.create_region({"code": "GULF", "name": name}),
        lambda: org.create_country({"code": "NP", "name": name, "region_id": pakistan.region_id}),
        lambda: org.create_mrc({"code": "PK-PSH", "name": name, "country_id": pakistan.id}),
        lambda: org.update_mrc(network["PK-ISB"], {"code": "PK-ISB", "name": name,
                                                   "country_id": pakistan.id}),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as error:
            attempt()
        assert error.value.errors == {"name": REFUSED}


def test_names_with_such_signs_inside_are_accepted(network):
    pakistan = network["PK-ISB"].country
    mrc = org.create_mrc({"code": "PK-PSH", "name": "MRC Peshawar - North (+92)",
                          "country_id": pakistan.id})
    assert mrc.name == "MRC Peshawar - North (+92)"


def test_admin_form_shows_the_message(network, make_user, login):
    browser = login(make_user("admin"))
    pakistan = network["PK-ISB"].country
    response = browser.post("/admin/mrcs/new", data={
        "code": "PK-PSH", "name": FORMULA, "city": "Peshawar", "country_id": str(pakistan.id),
        "contact": ""})
    assert response.status_code == 400
    assert REFUSED in response.get_data(as_text=True)
    assert db.session.scalar(select(MRC).where(MRC.code == "PK-PSH")) is None
    region = browser.post("/admin/regions/new", data={"code": "GULF", "name": "@Gulf"})
    assert region.status_code == 400 and REFUSED in region.get_data(as_text=True)

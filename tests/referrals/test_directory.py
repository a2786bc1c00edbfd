"""The facility directory: the CSV import (all or nothing, updates by external_id), the
export, the administrators' pages and the commands."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from mrc.audit.models import AuditEvent
from mrc.extensions import db
from mrc.referrals import directory
from mrc.referrals.directory_forms import FacilityForm
from mrc.referrals.models import Facility
from mrc.referrals.services import service_codes, services_mask
from mrc.validation import ValidationError

HEADER = ",".join(directory.COLUMNS)
SAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "facility-directory.csv"


def line(external_id: str = "sa-1", **changes: str) -> str:
    cells = {"external_id": external_id, "name": "Labour Attaché Riyadh", "kind": "labour_attache",
             "country": "SA", "city": "Riyadh", "languages": "ar en ur",
             "services": "information labour_dispute", "phone": "+966 11 000 0001",
             "email": "attache@example.org", "website": "https://example.org/attache",
             "address": "Diplomatic Quarter", "verified_on": "2025-01-15", "active": "yes"}
    cells.update(changes)
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([cells[name] for name in directory.COLUMNS])
    return out.getvalue()


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *lines)) + "\n").encode()


def facilities() -> list[Facility]:
    return list(db.session.scalars(select(Facility).order_by(Facility.id)))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Facility)) or 0


# --- the import ---------------------------------------------------------------------------

def test_an_import_adds_then_updates_by_external_id(app: Flask) -> None:
    first = directory.import_directory(csv_bytes(line("sa-1"), line("qa-1", name="Legal Aid Doha",
                                                                    kind="legal_aid", country="qa",
                                                                    city="Doha", active="")))
    assert first.ok, first.errors
    assert (first.added, first.updated) == (2, 0)
    riyadh, doha = facilities()
    assert (riyadh.external_id, riyadh.kind, riyadh.country) == ("sa-1", "labour_attache", "SA")
    assert service_codes(riyadh.services) == ["information", "labour_dispute"]
    assert riyadh.languages == "ar en ur" and riyadh.verified_on == date(2025, 1, 15)
    assert riyadh.phone == "+966 11 000 0001" and riyadh.active
    assert (doha.country, doha.active) == ("QA", True)  # an empty active cell means yes

    second = directory.import_directory(csv_bytes(
        line("sa-1", city="Jeddah", services="documents", active="no"), line("ae-1")))
    assert second.ok, second.errors
    assert (second.added, second.updated) == (1, 1)
    assert count() == 3
    db.session.refresh(riyadh)
    assert (riyadh.city, riyadh.active) == ("Jeddah", False)
    assert service_codes(riyadh.services) == ["documents"]
    assert riyadh.updated_at is not None
    details = db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "import", AuditEvent.entity == "facility")
        .order_by(AuditEvent.id)).all()
    assert details == ["added=2,updated=0", "added=1,updated=1"]


def test_a_bad_row_writes_nothing_and_says_where(app: Flask,
                                                 make_facility: Callable[..., Facility]) -> None:
    kept = make_facility(name="Kept", external_id="sa-1")
    future = (date.today() + timedelta(days=3)).isoformat()
    result = directory.import_directory(csv_bytes(
        line("sa-1", name="Changed"), line("qa-1"), line("kw-1", kind="hotel"),
        line("tr-1", services="information massage", email="not-an-address"),
        line("om-1", country="XX", verified_on=future), line("my-1", name=""),
        line("qa-1", website="javascript:alert(1)")))
    assert not result.ok and result.added == result.updated == 0
    found = {(e.row, e.column) for e in result.errors}
    assert found == {(4, "kind"), (5, "services"), (5, "email"), (6, "country"),
                     (6, "verified_on"), (7, "name"), (8, "website"), (8, "external_id")}
    assert [e.row for e in result.errors] == sorted(e.row or 0 for e in result.errors)
    kind_error = next(e for e in result.errors if e.column == "kind")
    assert "labour_attache" in kind_error.message
    assert kind_error.describe().startswith("row 4, column kind: Unknown code.")
    assert count() == 1
    db.session.refresh(kept)
    assert kept.name == "Kept"
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "import")) is None


def test_the_header_is_checked_before_the_rows(app: Flask) -> None:
    result = directory.import_directory(csv_bytes(
        "x,SA", header="external_id,colour,country"))
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert set(messages) == {(1, "colour"), (1, "name"), (1, "kind")}
    assert messages[(1, "name")] == "This required column is missing."
    assert count() == 0


def test_a_byte_order_mark_and_a_file_without_optional_columns(app: Flask) -> None:
    raw = "\ufeffname,kind,country\nShelter Kuwait,shelter,KW\n".encode()
    result = directory.import_directory(raw)
    assert result.ok, result.errors
    (shelter,) = facilities()
    assert (shelter.name, shelter.kind, shelter.country) == ("Shelter Kuwait", "shelter", "KW")
    # A row without an id gets one of its own, so that an exported file updates it.
    assert shelter.external_id == f"mrc-f{shelter.id}"


def test_files_too_large_or_too_long_or_not_utf8_are_refused(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    too_big = directory.import_directory(b"x" * (directory.MAX_BYTES + 1))
    assert [(e.row, e.column) for e in too_big.errors] == [(None, None)]
    assert "larger than 2 MB" in too_big.errors[0].message
    monkeypatch.setattr(directory, "MAX_ROWS", 2)
    too_long = directory.import_directory(csv_bytes(line("a"), line("b"), line("c")))
    assert "more than 2 rows" in too_long.errors[0].message
    latin1 = directory.import_directory(csv_bytes(line("a", city="Zürich")).decode()
                                        .encode("latin-1"))
    assert "not UTF-8" in latin1.errors[0].message
    assert count() == 0


def test_the_export_reads_back_as_it_was(app: Flask) -> None:
    raw = csv_bytes(line("sa-1", name="=HYPERLINK(x)", city="الرياض"),
                    line("ae-1", name="Welfare Desk, Dubai", address='Floor 2, "Tower"',
                         verified_on="", active="no"))
    assert directory.import_directory(raw).ok
    before = [FacilityForm.data_of(f) for f in facilities()]
    exported = directory.export_csv()
    assert exported.splitlines()[0] == HEADER
    assert "'=HYPERLINK(x)" in exported and "'+966 11 000 0001" in exported
    again = directory.import_directory(("\ufeff" + exported).encode())
    assert again.ok, again.errors
    assert (again.added, again.updated) == (0, 2)
    db.session.expire_all()
    assert [FacilityForm.data_of(f) for f in facilities()] == before
    assert before[0]["name"] == "=HYPERLINK(x)" and before[0]["phone"] == "+966 11 000 0001"
    assert db.session.scalar(select(AuditEvent.detail).where(
        AuditEvent.action == "export", AuditEvent.entity == "facility")) == "rows=2"


def test_the_sample_file_imports(app: Flask) -> None:
    result = directory.import_directory(SAMPLE.read_bytes())
    assert result.ok, [e.describe() for e in result.errors]
    assert 5 <= result.added <= 8
    assert {f.kind for f in facilities()} >= {"labour_attache", "embassy_welfare", "shelter",
                                               "legal_aid", "destination_mrc"}
    assert all(f.email.endswith("@example.org") for f in facilities())


# --- one facility ------------------------------------------------------------------------

def values(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "Legal Aid Doha", "kind": "legal_aid", "country": "QA",
                            "city": "Doha", "languages": ["ar", "en"], "services": ["legal_aid"],
                            "phone": "", "email": "", "website": "", "address": "",
                            "verified_on": None, "active": True, "external_id": None}
    data.update(changes)
    return data


def test_create_and_update_check_the_same_rules(app: Flask) -> None:
    facility = directory.create_facility(values())
    assert facility.external_id == f"mrc-f{facility.id}"
    with pytest.raises(ValidationError) as caught:
        directory.create_facility(values(kind="bank", email="x@", languages=["zz"],
                                         external_id=facility.external_id))
    assert set(caught.value.errors) == {"kind", "email", "languages", "external_id"}
    with pytest.raises(ValidationError) as caught:
        directory.update_facility(facility, values(
            verified_on=date.today() + timedelta(days=1), name=""))
    assert set(caught.value.errors) == {"verified_on", "name"}
    directory.update_facility(facility, values(active=False, services=["shelter", "health"]))
    assert not facility.active and service_codes(facility.services) == ["shelter", "health"]
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity == "facility").order_by(AuditEvent.id)).all()
    assert actions == ["create", "update"]


# --- the pages ------------------------------------------------------------------------------

def admin_browser(make_user: Any, login: Callable[[Any], FlaskClient]) -> FlaskClient:
    return login(make_user("admin"))


def test_the_list_searches_and_shows_labels_in_the_interface_language(
        make_user: Any, login: Callable[[Any], FlaskClient],
        make_facility: Callable[..., Facility]) -> None:
    make_facility(name="Riyadh Welfare Desk", city="Riyadh", country="SA")
    make_facility(name="Doha Legal Aid", city="Doha", country="QA", kind="legal_aid",
                  services=services_mask(["legal_aid"]), active=False)
    http = admin_browser(make_user, login)
    page = http.get("/referrals/directory").get_data(as_text=True)
    assert "Riyadh Welfare Desk" in page and "Doha Legal Aid" in page
    assert '<span translate="no">Riyadh Welfare Desk</span>' in page
    assert "Embassy welfare desk" in page and "Saudi Arabia" in page
    assert "Help with a labour dispute or unpaid wages" in page and "inactive" in page
    found = http.get("/referrals/directory?q=doha").get_data(as_text=True)
    assert "Doha Legal Aid" in found and "Riyadh Welfare Desk" not in found
    by_country = http.get("/referrals/directory?country=SA").get_data(as_text=True)
    assert "Riyadh Welfare Desk" in by_country and "Doha Legal Aid" not in by_country
    by_kind = http.get("/referrals/directory?kind=legal_aid").get_data(as_text=True)
    assert "Doha Legal Aid" in by_kind and "Riyadh Welfare Desk" not in by_kind
    arabic = http.get("/referrals/directory?lang=ar").get_data(as_text=True)
    assert "السعودية" in arabic and "Riyadh Welfare Desk" in arabic


def test_the_list_has_pages_of_fifty(make_user: Any, login: Callable[[Any], FlaskClient],
                                     make_facility: Callable[..., Facility]) -> None:
    for n in range(51):
        make_facility(name=f"Desk {n:02d}")
    http = admin_browser(make_user, login)
    first = http.get("/referrals/directory").get_data(as_text=True)
    assert first.count('id="facility-') == 50 and "Page 1 of 2" in first
    second = http.get("/referrals/directory?page=2").get_data(as_text=True)
    assert second.count('id="facility-') == 1


def test_an_admin_adds_and_edits_a_facility(make_user: Any,
                                            login: Callable[[Any], FlaskClient]) -> None:
    http = admin_browser(make_user, login)
    form = http.get("/referrals/directory/new").get_data(as_text=True)
    assert 'name="services"' in form and 'type="checkbox"' in form
    response = http.post("/referrals/directory/new", data={
        "name": "Shelter Kuwait", "kind": "shelter", "country": "KW", "city": "Kuwait City",
        "languages": "ar en tl", "services": ["shelter", "health"], "phone": "+965 0000 0004",
        "email": "shelter@example.org", "verified_on": "2025-03-01", "active": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/referrals/directory")
    (shelter,) = facilities()
    assert shelter.languages == "ar en tl" and shelter.active
    assert service_codes(shelter.services) == ["shelter", "health"]

    edit = http.get(f"/referrals/directory/{shelter.id}/edit").get_data(as_text=True)
    assert 'value="Shelter Kuwait"' in edit
    ticked = {value for attrs, value in re.findall(
        r'<input ([^>]*name="services"[^>]*)value="(\w+)"', edit) if "checked" in attrs}
    assert ticked == {"shelter", "health"}
    response = http.post(f"/referrals/directory/{shelter.id}/edit", data={
        "name": "Shelter Kuwait", "kind": "shelter", "country": "KW", "city": "Kuwait City",
        "languages": "ar en", "services": ["shelter"], "email": "shelter@example.org"})
    assert response.status_code == 302
    db.session.refresh(shelter)
    assert not shelter.active  # the box was not ticked: deactivated, not deleted
    assert shelter.languages == "ar en" and service_codes(shelter.services) == ["shelter"]
    bad = http.post(f"/referrals/directory/{shelter.id}/edit", data={
        "name": "Shelter Kuwait", "kind": "shelter", "country": "KW",
        "website": "javascript:alert(1)"})
    assert bad.status_code == 400
    assert "starting with https://" in bad.get_data(as_text=True)
    db.session.refresh(shelter)
    assert shelter.website == ""
    assert http.get("/referrals/directory/999999/edit").status_code == 404


def upload(http: FlaskClient, raw: bytes, filename: str = "directory.csv") -> TestResponse:
    return http.post("/referrals/directory/import",
                     data={"file": (io.BytesIO(raw), filename)},
                     content_type="multipart/form-data")


def test_an_admin_imports_and_exports_the_directory(
        make_user: Any, login: Callable[[Any], FlaskClient]) -> None:
    http = admin_browser(make_user, login)
    page = http.get("/referrals/directory/import").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "name*" in page
    bad = upload(http, csv_bytes(line("sa-1"), line("qa-1", country="ZZ")))
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "1 problem found; nothing was imported." in html and ">country</bdi>" in html
    assert count() == 0
    assert upload(http, b"x", filename="directory.txt").status_code == 400
    good = upload(http, csv_bytes(line("sa-1"), line("qa-1")))
    assert good.status_code == 302
    assert "2 facilities added, 0 updated" in http.get(
        "/referrals/directory").get_data(as_text=True)
    export = http.get("/referrals/directory.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    text = export.get_data(as_text=True)
    assert text.startswith("\ufeff" + HEADER) and "sa-1" in text and "qa-1" in text


@pytest.mark.parametrize("role", ["counsellor", "manager", "supervisor", "evaluator",
                                  "partner"])
def test_only_admins_reach_the_directory(role: str, make_user: Any,
                                         login: Callable[[Any], FlaskClient],
                                         make_facility: Callable[..., Facility]) -> None:
    facility = make_facility()
    extra = {"facility_id": facility.id, "mrc": None} if role == "partner" else {}
    http = login(make_user(role, **extra))
    for path in ("/referrals/directory", "/referrals/directory/new",
                 f"/referrals/directory/{facility.id}/edit", "/referrals/directory/import",
                 "/referrals/directory.csv"):
        assert http.get(path).status_code == 403, path
    assert http.post("/referrals/directory/new", data={
        "name": "X", "kind": "ngo", "country": "SA"}).status_code == 403
    assert upload(http, csv_bytes(line("sa-9"))).status_code == 403
    assert count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient, network: Any) -> None:
    response = client.get("/referrals/directory")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_admin_start_page_links_to_the_directory(
        make_user: Any, login: Callable[[Any], FlaskClient]) -> None:
    page = admin_browser(make_user, login).get("/admin/").get_data(as_text=True)
    assert 'href="/referrals/directory"' in page and "Facility directory" in page


# --- the commands ---------------------------------------------------------------------------

def test_the_commands_import_and_export(app: Flask, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(line("sa-1"), line("qa-1")))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mrc", "referrals", "import-directory", str(good)])
    assert result.exit_code == 0, result.output
    assert "Facility directory: 2 added, 0 updated." in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(line("sa-1", name="Changed"), line("kw-1", kind="hotel")))
    result = runner.invoke(args=["mrc", "referrals", "import-directory", str(bad)])
    assert result.exit_code == 1
    assert "row 3, column kind: Unknown code." in result.stderr
    assert "1 problem found; nothing was imported." in result.stderr
    assert count() == 2 and "Changed" not in {f.name for f in facilities()}

    printed = runner.invoke(args=["mrc", "referrals", "export-directory"])
    assert printed.exit_code == 0 and printed.stdout.splitlines()[0] == HEADER
    out = tmp_path / "out.csv"
    written = runner.invoke(args=["mrc", "referrals", "export-directory", str(out)])
    assert written.exit_code == 0, written.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    again = runner.invoke(args=["mrc", "referrals", "import-directory", str(out)])
    assert "Facility directory: 0 added, 2 updated." in again.stdout

"""The manager's import page /imports/."""

from __future__ import annotations

import io
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from mrc.audit.models import AuditEvent
from mrc.cases.models import Client
from mrc.extensions import db
from tests.imports.conftest import CLIENT_HEADER, client_line, csv_text, data_file


def upload(http: FlaskClient, kind: str, raw: bytes, filename: str = "file.csv") -> TestResponse:
    return http.post("/imports/", data={"kind": kind, "file": (io.BytesIO(raw), filename)},
                     content_type="multipart/form-data")


def clients() -> int:
    return db.session.scalar(select(func.count()).select_from(Client)) or 0


def test_page_shows_the_form(make_user, login) -> None:
    http = login(make_user("manager", "PK-ISB"))
    page = http.get("/imports/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="kind"' in html
    assert "client_id*" in html


@pytest.mark.parametrize("role", ["counsellor", "supervisor", "evaluator", "admin"])
def test_only_managers_reach_the_page(make_user, login, role: str) -> None:
    http = login(make_user(role, "PK-ISB" if role == "counsellor" else None))
    assert http.get("/imports/").status_code == 403
    response = upload(http, "clients", data_file("clients_good.csv"))
    assert response.status_code == 403
    assert clients() == 0


def test_anonymous_users_are_sent_to_log_in(client, network) -> None:
    response = client.get("/imports/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_success_redirects_to_a_summary(make_user, login, network) -> None:
    manager = make_user("manager", "PK-ISB")
    http = login(manager)
    response = upload(http, "clients", data_file("clients_good.csv"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/imports/")
    assert clients() == 5
    assert {c.mrc_id for c in db.session.scalars(select(Client))} == {network["PK-ISB"].id}
    assert {c.created_by_id for c in db.session.scalars(select(Client))} == {manager.id}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert (event.user_id, event.detail) == (manager.id, "kind=clients,added=5,skipped=0")
    page = http.get("/imports/").get_data(as_text=True)
    assert "Clients: the file was imported." in page and "Added: 5" in page
    # The summary is shown once.
    assert "the file was imported" not in http.get("/imports/").get_data(as_text=True)
    upload(http, "clients", data_file("clients_good.csv"))
    page = http.get("/imports/").get_data(as_text=True)
    assert "Added: 0" in page and "(skipped): 5" in page


def test_errors_are_shown_as_a_table(make_user, login) -> None:
    http = login(make_user("manager", "PK-ISB"))
    response = upload(http, "clients", data_file("clients_50_one_bad.csv"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "1 problem found; nothing was imported." in html
    rows = re.findall(r"<tr>\s*<td><bdi>(\d+)</bdi></td>\s*<td><bdi dir=\"ltr\" class=\"code\">"
                      r"(\w+)</bdi></td>\s*<td>([^<]+)</td>", html)
    assert rows == [("28", "birth_year", "Enter a whole number.")]
    assert clients() == 0


def test_a_manager_cannot_import_rows_of_another_mrc(make_user, login) -> None:
    http = login(make_user("manager", "PK-LHE"))
    response = upload(http, "clients", data_file("clients_good.csv"))
    html = response.get_data(as_text=True)
    assert "This file may only hold rows of MRC PK-LHE." in html
    assert clients() == 0


def test_sessions_of_another_mrcs_clients_are_unknown(make_user, login, make_client) -> None:
    other = make_client("PK-ISB", sessions=0)
    http = login(make_user("manager", "PK-LHE"))
    raw = csv_text("session_id,client_code,date,channel,language,intention",
                   f"S-1,{other.code},{other.registered_on.isoformat()},walk_in,ur,none")
    html = upload(http, "sessions", raw).get_data(as_text=True)
    assert "No client with this code at MRC PK-LHE." in html


def test_rows_without_mrc_go_to_the_managers_mrc(make_user, login, network) -> None:
    http = login(make_user("manager", "BD-DAC"))
    assert upload(http, "clients", csv_text(CLIENT_HEADER, client_line())).status_code == 302
    assert db.session.scalars(select(Client)).one().mrc_id == network["BD-DAC"].id


def test_form_errors(make_user, login) -> None:
    http = login(make_user("manager", "PK-ISB"))
    html = upload(http, "clients", b"a,b\n1,2\n", filename="data.xlsx").get_data(as_text=True)
    assert "Only .csv files can be imported." in html
    html = http.post("/imports/", data={"kind": "clients"},
                     content_type="multipart/form-data").get_data(as_text=True)
    assert "Choose a file." in html
    html = upload(http, "pets", b"a\n1\n").get_data(as_text=True)
    assert "Not a valid choice" in html
    assert clients() == 0


def test_uppercase_extension_is_accepted(make_user, login) -> None:
    http = login(make_user("manager", "PK-ISB"))
    assert upload(http, "clients", data_file("clients_good.csv"), "EXPORT.CSV").status_code == 302


def test_non_utf8_upload_is_a_clean_error(make_user, login) -> None:
    http = login(make_user("manager", "PK-ISB"))
    raw = (CLIENT_HEADER + "\n" + client_line(phone="café")).encode("cp1252")
    response = upload(http, "clients", raw)
    assert response.status_code == 200
    assert "CSV UTF-8" in response.get_data(as_text=True)


def test_oversized_upload(make_user, login, app, monkeypatch) -> None:
    http = login(make_user("manager", "PK-ISB"))
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    response = upload(http, "clients", b"x" * 5000)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_csrf_token_is_required(make_user, login, app, monkeypatch) -> None:
    http = login(make_user("manager", "PK-ISB"))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = upload(http, "clients", data_file("clients_good.csv"))
    assert response.status_code == 400
    assert clients() == 0

"""A phone number is shown only inside its own MRC, on its client's pages and (when a wave
is due, for the call) on the worklist: never in logs, audit rows, URLs, other pages, or
readable in the database. The worklist's own test (tests/cases/test_worklist.py) checks that
another MRC's worklist never shows it."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, text

from mrc.audit.models import AuditEvent
from mrc.cases.models import Client
from mrc.extensions import db

PHONE = "0300 7654321"
DIGITS = ("7654321", "3007654321", "765 4321", "765-4321")
NEW_PHONE = "0333 1239876"
NEW_DIGITS = ("1239876", "3331239876")


def contains_phone(value: str) -> bool:
    return any(d in value for d in DIGITS + NEW_DIGITS)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("mrc", "werkzeug", "flask", "sqlalchemy", "flask_login", "flask_wtf"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_phone_appears_only_on_its_own_client_pages(app, make_user, login, debug_logs) -> None:
    counsellor = make_user("counsellor", "PK-ISB")
    outsider = make_user("counsellor", "PK-LHE")
    browser = login(counsellor)
    today = date.today().isoformat()
    seen: list[tuple[str, Any]] = []

    def visit(method: str, path: str, **data: Any) -> Any:
        response = browser.open(path, method=method, data=data or None)
        seen.append((f"{method} {path}", response))
        return response

    response = visit("POST", "/cases/register", sex="female", birth_year="1990",
                     migrant_status="prospective", education="secondary",
                     employment="unemployed", phone=PHONE, followup_consent="y",
                     consent_date=today, registered_on=today, reason="typing_error")
    assert response.status_code == 302
    record = db.session.scalars(select(Client).order_by(Client.id.desc())).first()
    assert record is not None and record.phone_enc
    own_pages = {f"/cases/clients/{record.id}", f"/cases/clients/{record.id}/edit"}

    for typed in (PHONE, "+92 300 7654321", "0092-300-7654321", "۰۳۰۰۷۶۵۴۳۲۱"):
        response = visit("POST", "/cases/find", search="phone", phone=typed)
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == f"/cases/clients/{record.id}"
    client_page = visit("GET", f"/cases/clients/{record.id}")
    assert "7654321" in client_page.get_data(as_text=True)  # where the counsellor needs it
    visit("GET", f"/cases/clients/{record.id}/card")
    visit("GET", f"/cases/clients/{record.id}/edit")
    response = visit("POST", f"/cases/clients/{record.id}/edit", sex="female", birth_year="1990",
                     migrant_status="prospective", education="secondary",
                     employment="unemployed", phone=NEW_PHONE, followup_consent="y",
                     consent_date=today, registered_on=today, reason="typing_error")
    assert response.status_code == 302
    visit("GET", "/cases/worklist")
    visit("GET", "/cases/find")
    visit("GET", "/")

    for where, response in seen:
        location = response.headers.get("Location", "")
        assert not contains_phone(location), where
        path = where.split(" ", 1)[1]
        if path not in own_pages:
            assert not contains_phone(response.get_data(as_text=True)), where

    # Another MRC's counsellor finds nothing, sees nothing.
    browser.post("/logout")
    other = login(outsider)
    response = other.post("/cases/find", data={"search": "phone", "phone": NEW_PHONE})
    assert response.status_code == 200 and "No client found" in response.get_data(as_text=True)
    assert other.get(f"/cases/clients/{record.id}").status_code == 404

    logged = "\n".join(r.getMessage() for r in debug_logs.records) + debug_logs.text
    assert not contains_phone(logged)
    for event in db.session.scalars(select(AuditEvent)):
        assert not contains_phone(f"{event.entity} {event.detail}")
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "client",
                                                       AuditEvent.action == "update")).first()


def test_no_table_holds_a_readable_phone_number(app, make_client) -> None:
    make_client("PK-ISB", phone=PHONE, sessions=2)
    db.session.flush()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(text(f"SELECT * FROM {table.name}")):  # noqa: S608
            assert not contains_phone(" ".join(str(v) for v in row)), table.name

"""Sessions end on the server: a copy of a session cookie, saved and replayed later, opens
nothing once the user logged out, changed their password, had their role, scope, password or
active flag changed by an admin or manager, or was logged out everywhere."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from mrc.audit.models import AuditEvent
from mrc.extensions import db
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "a brand new long password"


@pytest.fixture
def log_in(app: Flask) -> Callable[..., FlaskClient]:
    """A new browser (test client) logged in as ``user``."""

    def do_log_in(user: Any, password: str = TEST_PASSWORD) -> FlaskClient:
        db.session.commit()
        browser = app.test_client()
        response = browser.post("/login", data={"username": user.username,
                                                "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser

    return do_log_in


def saved_cookie(browser: FlaskClient) -> str:
    cookie = browser.get_cookie("session", domain="mrc.test")
    assert cookie is not None
    return cookie.value


def replay(app: Flask, cookie: str) -> FlaskClient:
    """A fresh browser holding nothing but a copy of a saved session cookie."""
    browser = app.test_client()
    browser.set_cookie("session", cookie, domain="mrc.test")
    return browser


def is_login_page(response: Any) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def pages_open(browser: FlaskClient, client_id: int) -> bool:
    """The worklist and a client's page answer 200; False when both send to the log-in."""
    answers = [browser.get("/cases/worklist"), browser.get(f"/cases/clients/{client_id}")]
    if all(is_login_page(a) for a in answers):
        return False
    assert [a.status_code for a in answers] == [200, 200]
    return True


@pytest.fixture
def counsellor(make_user: Callable[..., Any]) -> Any:
    return make_user("counsellor", "PK-ISB")


@pytest.fixture
def record(make_client: Callable[..., Any]) -> Any:
    return make_client("PK-ISB")


def test_a_replayed_cookie_opens_nothing_after_log_out(app, log_in, counsellor, record) -> None:
    browser = log_in(counsellor)
    cookie = saved_cookie(browser)
    assert pages_open(replay(app, cookie), record.id)  # the copy works while the session lives
    assert is_login_page(browser.post("/logout"))
    assert not pages_open(replay(app, cookie), record.id)
    assert not pages_open(browser, record.id)


def test_log_out_ends_the_session_on_every_device(app, log_in, counsellor, record) -> None:
    laptop, phone = log_in(counsellor), log_in(counsellor)
    account = laptop.get("/account").get_data(as_text=True)
    # The account page's "Log out everywhere" is a log-out: every log-out ends them all.
    assert re.search(r'<form method="post" action="/logout" class="card">((?!</form>).)*'
                     r'<button type="submit" class="secondary">Log out everywhere</button>',
                     account, re.DOTALL)
    assert is_login_page(laptop.post("/logout"))
    assert not pages_open(phone, record.id)


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, log_in, counsellor,
                                                                    record) -> None:
    browser = log_in(counsellor)
    cookie = saved_cookie(browser)
    response = browser.post("/account/password", data={
        "pw-current": TEST_PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert not pages_open(replay(app, cookie), record.id)
    assert pages_open(browser, record.id)  # who changed it stays logged in


def test_an_admin_role_change_ends_the_users_sessions(app, log_in, make_user, counsellor,
                                                      record, network) -> None:
    admin = log_in(make_user("admin", None))
    cookie = saved_cookie(log_in(counsellor))
    scope = f"mrc:{network['PK-ISB'].id}"
    # A change of language leaves what the user may see as it was: the session goes on.
    response = admin.post(f"/admin/users/{counsellor.id}/edit", data={
        "role": "counsellor", "scope": scope, "active": "y", "locale": "ur"})
    assert response.status_code == 302
    assert pages_open(replay(app, cookie), record.id)
    response = admin.post(f"/admin/users/{counsellor.id}/edit", data={
        "role": "manager", "scope": scope, "active": "y", "locale": "ur"})
    assert response.status_code == 302
    assert not pages_open(replay(app, cookie), record.id)


def test_an_admin_scope_change_ends_the_users_sessions(app, log_in, make_user, counsellor,
                                                       record, network) -> None:
    admin = log_in(make_user("admin", None))
    cookie = saved_cookie(log_in(counsellor))
    response = admin.post(f"/admin/users/{counsellor.id}/edit", data={
        "role": "counsellor", "scope": f"mrc:{network['PK-LHE'].id}", "active": "y",
        "locale": ""})
    assert response.status_code == 302
    assert not pages_open(replay(app, cookie), record.id)


def test_an_admin_password_reset_ends_the_users_sessions(app, log_in, make_user, counsellor,
                                                         record) -> None:
    admin = log_in(make_user("admin", None))
    cookie = saved_cookie(log_in(counsellor))
    response = admin.post(f"/admin/users/{counsellor.id}/password",
                          data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert not pages_open(replay(app, cookie), record.id)
    assert admin.get("/admin/users").status_code == 200  # the admin's own session goes on


def test_a_manager_password_reset_ends_the_counsellors_sessions(app, log_in, make_user,
                                                                counsellor, record) -> None:
    manager = log_in(make_user("manager", "PK-ISB"))
    cookie = saved_cookie(log_in(counsellor))
    response = manager.post(f"/admin/mrc-users/{counsellor.id}/password",
                            data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert not pages_open(replay(app, cookie), record.id)
    assert pages_open(manager, record.id)


def test_deactivation_ends_sessions_for_good(app, log_in, make_user, counsellor,
                                             record) -> None:
    manager = log_in(make_user("manager", "PK-ISB"))
    cookie = saved_cookie(log_in(counsellor))
    assert manager.post(f"/admin/mrc-users/{counsellor.id}/deactivate").status_code == 302
    assert manager.post(f"/admin/mrc-users/{counsellor.id}/reactivate").status_code == 302
    # Active again, the user logs in anew: the session from before stays over.
    assert not pages_open(replay(app, cookie), record.id)
    assert pages_open(log_in(counsellor), record.id)


def test_an_admin_logs_a_user_out_everywhere(app, log_in, make_user, counsellor,
                                             record) -> None:
    admin_user = make_user("admin", None)
    admin = log_in(admin_user)
    browser = log_in(counsellor)
    cookie = saved_cookie(browser)
    page = admin.get(f"/admin/users/{counsellor.id}/edit").get_data(as_text=True)
    assert f'action="/admin/users/{counsellor.id}/logout-everywhere"' in page
    response = admin.post(f"/admin/users/{counsellor.id}/logout-everywhere")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/admin/users/{counsellor.id}/edit"
    assert not pages_open(replay(app, cookie), record.id)
    assert not pages_open(browser, record.id)
    assert admin.get("/admin/users").status_code == 200
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == counsellor.id)
                               .order_by(AuditEvent.id.desc())).first()
    assert event is not None
    assert (event.action, event.entity, event.detail, event.user_id) == (
        "update", "user", "fields=sessions", admin_user.id)


def test_only_admins_log_others_out_everywhere(app, log_in, make_user, counsellor,
                                               record) -> None:
    cookie = saved_cookie(log_in(counsellor))
    manager = log_in(make_user("manager", "PK-ISB"))
    assert manager.post(f"/admin/users/{counsellor.id}/logout-everywhere").status_code == 403
    assert pages_open(replay(app, cookie), record.id)

"""Every user's own account page: password change and preferred language."""

from __future__ import annotations

from sqlalchemy import select

from mrc.audit.models import AuditEvent
from mrc.auth.models import User
from mrc.auth.services import verify_password
from mrc.extensions import db
from tests.admin.conftest import fresh_request
from tests.conftest import TEST_PASSWORD


def test_password_change_requires_the_current_password(network, make_user, login):
    user = make_user("supervisor", None, country="PK")
    browser = login(user)
    wrong = browser.post("/account/password", data={
        "pw-current": "not my password", "pw-password": "a new long one",
        "pw-confirm": "a new long one"})
    assert wrong.status_code == 400
    assert "This is not your current password." in wrong.get_data(as_text=True)
    missing = browser.post("/account/password", data={
        "pw-password": "a new long one", "pw-confirm": "a new long one"})
    assert missing.status_code == 400
    short = browser.post("/account/password", data={
        "pw-current": TEST_PASSWORD, "pw-password": "short", "pw-confirm": "short"})
    assert short.status_code == 400 and "at least 10" in short.get_data(as_text=True)
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, TEST_PASSWORD)

    ok = browser.post("/account/password", data={
        "pw-current": TEST_PASSWORD, "pw-password": "a new long one",
        "pw-confirm": "a new long one"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, "a new long one")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "user")
                               .order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.entity_id, event.detail) == ("update", user.id, "fields=password")


def test_preferred_language_is_saved_and_used(network, make_user, login):
    user = make_user("counsellor", "PK-ISB")
    browser = login(user)
    assert browser.get("/account").status_code == 200
    response = browser.post("/account", data={"lang-locale": "ur"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "ur"
    fresh_request()
    page = browser.get("/account").get_data(as_text=True)
    assert '<html lang="ur" dir="rtl">' in page
    assert browser.post("/account", data={"lang-locale": "xx"}).status_code == 400
    assert browser.post("/account", data={"lang-locale": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).locale is None


def test_account_needs_log_in(client):
    assert client.get("/account").status_code == 302
    assert client.post("/account/password", data={}).status_code == 302

"""Log-in and request protections: argon2id, log-in delays, throttling, redirects, log-out,
session timeout, cookie flags, security headers, CSRF on every form, safe production start."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from mrc import create_app
from mrc.audit.models import AuditEvent
from mrc.auth import services as auth_services
from mrc.auth.models import LoginThrottle, User
from mrc.config import (
    API_PATH,
    DEV_ENCRYPTION_KEY,
    DEV_SECRET_KEY,
    Config,
    UnsafeConfigError,
)
from mrc.extensions import db
from mrc.privacy.encryption import new_key
from tests.conftest import TEST_PASSWORD

WRONG = "not the password"


def post_login(browser: FlaskClient, username: str, password: str, *, ip: str = "192.0.2.1",
               next_url: str | None = None) -> Any:
    url = "/login" + (f"?next={quote(next_url, safe='')}" if next_url is not None else "")
    return browser.post(url, data={"username": username, "password": password},
                        environ_base={"REMOTE_ADDR": ip})


def logged_in(browser: FlaskClient) -> bool:
    response = browser.get("/account")
    return response.status_code == 200


# --- passwords and log-in ------------------------------------------------------------------

def test_passwords_are_argon2id(make_user) -> None:
    user = make_user("counsellor")
    assert user.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in user.password_hash
    assert auth_services.verify_password(user.password_hash, TEST_PASSWORD)
    assert not auth_services.verify_password(user.password_hash, WRONG)
    assert not auth_services.verify_password("not a hash", TEST_PASSWORD)


def test_wrong_passwords_delay_the_account_after_n_failures(app, client, make_user,
                                                             monkeypatch) -> None:
    user = make_user("counsellor")
    db.session.commit()
    clock = {"now": datetime.now(UTC)}
    monkeypatch.setattr(auth_services, "_now", lambda: clock["now"])
    limit = app.config["MRC_LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        response = post_login(client, user.username, WRONG)
        assert response.status_code == 401
        assert "Wrong username or password." in response.get_data(as_text=True)
    # Delayed: even the right password is refused, with the same answer.
    response = post_login(client, user.username, TEST_PASSWORD)
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert not logged_in(client)
    # When the delay has passed, the right password works again.
    clock["now"] += auth_services.FIRST_DELAY + timedelta(seconds=1)
    assert post_login(client, user.username, TEST_PASSWORD).status_code == 302
    assert logged_in(client)
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed"))
    assert all(WRONG not in e.detail for e in failed)


def test_failures_from_one_address_are_throttled(client, make_user, monkeypatch) -> None:
    monkeypatch.setattr(auth_services, "IP_MAX_FAILURES", 3)
    user = make_user("counsellor")
    db.session.commit()
    for n in range(3):  # guessing usernames: no account gets locked, the address does
        assert post_login(client, f"guess{n}", WRONG, ip="198.51.100.7").status_code == 401
    response = post_login(client, user.username, TEST_PASSWORD, ip="198.51.100.7")
    assert response.status_code == 401
    assert "Too many failed attempts from this connection" in response.get_data(as_text=True)
    # Another address is not affected.
    assert post_login(client, user.username, TEST_PASSWORD, ip="198.51.100.8").status_code == 302
    # The address is stored hashed, and is free again once the window has passed.
    throttles = list(db.session.scalars(select(LoginThrottle)))
    assert throttles and all("198.51.100" not in t.key for t in throttles)
    client.post("/logout")
    for t in throttles:
        t.window_start = datetime.now(UTC) - auth_services.IP_WINDOW - timedelta(minutes=1)
    db.session.commit()
    assert post_login(client, user.username, TEST_PASSWORD, ip="198.51.100.7").status_code == 302


def test_inactive_user_cannot_log_in(client, make_user) -> None:
    user = make_user("counsellor")
    user.active = False
    db.session.commit()
    assert post_login(client, user.username, TEST_PASSWORD).status_code == 401
    assert not logged_in(client)


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "javascript:alert(1)", "http:/evil.example", "evil.example",
    "/\r\nSet-Cookie:x=1",
])
def test_next_never_leaves_the_site(client, make_user, target) -> None:
    user = make_user("counsellor")
    db.session.commit()
    response = post_login(client, user.username, TEST_PASSWORD, next_url=target)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "mrc.test")
    assert "evil" not in response.headers["Location"]
    assert "\\" not in response.headers["Location"]
    assert "Set-Cookie:x" not in str(response.headers)


def test_next_to_a_local_page_is_followed(client, make_user) -> None:
    user = make_user("counsellor")
    db.session.commit()
    response = post_login(client, user.username, TEST_PASSWORD, next_url="/cases/find")
    assert urlsplit(response.headers["Location"]).path == "/cases/find"


def test_login_page_is_where_protected_pages_send_visitors(client) -> None:
    response = client.get("/cases/worklist")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login" and "next=" in location.query


def test_logout_ends_the_session(client, make_user) -> None:
    user = make_user("counsellor")
    db.session.commit()
    post_login(client, user.username, TEST_PASSWORD)
    assert logged_in(client)
    assert client.get("/logout").status_code == 405  # no log-out by a link or image
    response = client.post("/logout")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert not logged_in(client)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "logout",
                                                       AuditEvent.user_id == user.id)).first()


def test_login_starts_a_new_session(client, make_user) -> None:
    # No session fixation: what was in the session before log-in (but the language) is gone.
    user = make_user("counsellor")
    db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["lang"] = "ur"
    post_login(client, user.username, TEST_PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "ur"


# --- session lifetime ----------------------------------------------------------------------

def test_session_lifetime_comes_from_configuration() -> None:
    flask_config = Config.from_env({"MRC_SESSION_MINUTES": "20"}).to_flask()
    assert flask_config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=20)
    assert Config().to_flask()["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=30)


def test_session_times_out_after_inactivity(app, client, make_user, monkeypatch) -> None:
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    user = make_user("counsellor")
    db.session.commit()
    post_login(client, user.username, TEST_PASSWORD)
    start = int(time.time())

    def at(seconds: int) -> None:
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: start + seconds)

    at(lifetime - 60)
    assert logged_in(client)  # activity renews the session…
    at(2 * lifetime - 120)
    assert logged_in(client)  # …so it lasts while the user works
    cookie = client.get_cookie("session", domain="mrc.test")
    assert cookie is not None and cookie.expires is not None
    at(3 * lifetime)
    assert not logged_in(client)  # idle longer than the lifetime: logged out
    response = client.get("/cases/worklist")
    assert urlsplit(response.headers["Location"]).path == "/login"


# --- cookies and headers -------------------------------------------------------------------

def production_env(**changes: str) -> dict[str, str]:
    env = {"MRC_ENV": "production", "SECRET_KEY": "s" * 48, "MRC_ENCRYPTION_KEY": new_key(),
           "MRC_CELLKEY_SECRET": "c" * 48, "DATABASE_URL": "postgresql://mrc@db/mrc"}
    env.update(changes)
    return {k: v for k, v in env.items() if v != "<unset>"}


def test_production_cookies_are_secure_httponly_samesite() -> None:
    config = Config.from_env(production_env()).to_flask()
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert Config.from_env({}).to_flask()["SESSION_COOKIE_SECURE"] is False  # plain-HTTP laptop


def test_session_cookie_flags_on_the_wire(app, client, make_user, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    user = make_user("counsellor")
    db.session.commit()
    response = post_login(client, user.username, TEST_PASSWORD)
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie"]
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "; Secure" in session_cookie and "; HttpOnly" in session_cookie
    assert re.search(r"; SameSite=(Lax|Strict)", session_cookie)
    # HSTS only over TLS, where the browser may keep it (tests/test_production_mode.py).
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/login", "/no/such/page", "/static/mrc.css"])
def test_security_headers(client, path) -> None:
    response = client.get(path)
    response.close()
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    # same-origin, not no-referrer: Flask-WTF checks the Referer of a form sent over HTTPS.
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Server" not in headers or "Python" not in headers["Server"]


def test_pages_with_personal_data_are_not_cached(counsellor_http, make_client) -> None:
    record = make_client("PK-ISB", phone="0300 1234567")
    db.session.commit()
    response = counsellor_http.get(f"/cases/clients/{record.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


# --- CSRF ----------------------------------------------------------------------------------

class FormParser(HTMLParser):
    """Collects each POST form with the names of its inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[str]]] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self._current = []
            self.forms.append((attributes.get("action") or "", self._current))
        elif tag == "input" and self._current is not None:
            self._current.append(attributes.get("name") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


@pytest.fixture
def csrf_on(app: Flask):
    """Call to switch CSRF protection on (after logging in); off again after the test."""
    yield lambda: app.config.update(WTF_CSRF_ENABLED=True)
    app.config["WTF_CSRF_ENABLED"] = False


def test_every_post_route_refuses_a_request_without_token(app, make_user, login, make_client,
                                                         csrf_on) -> None:
    manager = make_user("manager", "PK-ISB")
    record = make_client("PK-ISB")
    browser = login(manager)
    csrf_on()
    values = {"client_id": record.id, "followup_id": 1, "event_id": 1, "job_id": 1,
              "user_id": manager.id, "mrc_id": record.mrc_id, "country_id": 1, "region_id": 1}
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or set()):
            continue
        # Any id will do: the token is checked before the view looks anything up.
        path = urlsplit(rule.build({k: values.get(k, 1) for k in rule.arguments})[1]).path
        response = browser.post(path, data={"anything": "x"})
        if path.startswith(API_PATH):  # no CSRF token: the API never takes the cookie
            assert response.status_code == 401, f"{rule.endpoint} took the session cookie"
        else:
            assert response.status_code == 400, \
                f"{rule.endpoint} accepted a POST without CSRF token"
        checked.append(rule.endpoint)
    assert "cases.register" in checked and "auth.logout" in checked
    db.session.expire_all()
    assert db.session.get_one(User, manager.id).active  # nothing was done


@pytest.mark.parametrize("role", ["manager", "admin", "supervisor", "evaluator"])
def test_every_post_form_carries_a_token(app, make_user, login, make_client, csrf_on,
                                         role) -> None:
    user = make_user(role, "PK-ISB" if role == "manager" else None)
    record = make_client("PK-ISB")
    other = make_user("counsellor", "PK-ISB")
    browser = login(user)
    csrf_on()  # forms render their token only when protection is on
    followup = record.followups[0]
    values = {"client_id": record.id, "followup_id": followup.id, "event_id": 0, "job_id": 0,
              "user_id": other.id, "mrc_id": record.mrc_id, "country_id": 1, "region_id": 1,
              "code": "none", "language": "en", "size": "A4", "filename": "mrc.css"}
    forms_seen = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint in ("static", "audit.export_csv",
                                                                     "leaflets.download"):
            continue
        if set(rule.arguments) - set(values):
            continue  # a page of a record kind this test does not create
        path = urlsplit(rule.build({k: values[k] for k in rule.arguments})[1]).path
        response = browser.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parser = FormParser()
        parser.feed(response.get_data(as_text=True))
        for action, inputs in parser.forms:
            forms_seen += 1
            assert any(name.endswith("csrf_token") for name in inputs), \
                f"a POST form on {path} (action {action!r}) has no CSRF token"
    assert forms_seen >= 2  # at least log-out and the display preferences


# --- production start ----------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "problem"), [
    ({"SECRET_KEY": "<unset>"}, "SECRET_KEY"),
    ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY"),
    ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ({"MRC_ENCRYPTION_KEY": "<unset>"}, "MRC_ENCRYPTION_KEY"),
    ({"MRC_ENCRYPTION_KEY": ""}, "MRC_ENCRYPTION_KEY"),
    ({"MRC_ENCRYPTION_KEY": DEV_ENCRYPTION_KEY}, "MRC_ENCRYPTION_KEY"),
    ({"MRC_ENCRYPTION_KEY": f"{new_key()}, {DEV_ENCRYPTION_KEY}"}, "MRC_ENCRYPTION_KEY"),
    ({"MRC_ENCRYPTION_KEY": f" {DEV_ENCRYPTION_KEY} "}, "MRC_ENCRYPTION_KEY"),
    ({"DATABASE_URL": "<unset>"}, "DATABASE_URL"),
    ({"DATABASE_URL": "sqlite:///prod.sqlite"}, "DATABASE_URL"),
])
def test_production_start_refuses_unsafe_configuration(changes, problem) -> None:
    with pytest.raises(UnsafeConfigError, match=problem):
        create_app(Config.from_env(production_env(**changes)))


def test_production_configuration_that_is_safe_passes_the_check() -> None:
    Config.from_env(production_env()).check_production_safety()
    Config.from_env(production_env(
        MRC_ENCRYPTION_KEY=f"{new_key()},{new_key()}")).check_production_safety()


def test_development_defaults_are_allowed_outside_production() -> None:
    Config.from_env({}).check_production_safety()

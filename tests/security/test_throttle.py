"""Log-in throttling: per client address (behind trusted reverse proxies, the address they
forward) and per username with a doubling, capped delay that an attacker cannot stretch; one
answer, one status and one password hash for a wrong password and for an unknown, delayed or
inactive username; managers and admins can unlock an account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from mrc import create_app
from mrc.audit.models import AuditEvent
from mrc.auth import services as auth_services
from mrc.auth.models import LoginThrottle, User
from mrc.config import Config
from mrc.extensions import db
from mrc.settings import Settings
from tests.conftest import TEST_PASSWORD, make_config

WRONG = "not the password"
THROTTLED = "Too many failed attempts from this connection"
INVALID = "Wrong username or password."
PROXY = "10.0.0.1"


def attempt(browser: FlaskClient, username: str, password: str, *, ip: str = "192.0.2.1",
            forwarded_for: str | None = None) -> Any:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return browser.post("/login", data={"username": username, "password": password},
                        environ_base={"REMOTE_ADDR": ip}, headers=headers)


@pytest.fixture
def cheap_unknown_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guesses of unknown names check a cheap dummy hash: the tests below count addresses,
    not hashing work, and make dozens of attempts."""
    monkeypatch.setattr(auth_services, "_DUMMY_HASH",
                        PasswordHasher(time_cost=1, memory_cost=1024).hash("dummy"))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, datetime]:
    """The log-in services' clock, moved by the test (``clock["now"] += ...``)."""
    now = {"now": datetime.now(UTC)}
    monkeypatch.setattr(auth_services, "_now", lambda: now["now"])
    return now


# --- trusted proxies -----------------------------------------------------------------------

def test_proxy_hops_is_a_typed_setting_off_by_default() -> None:
    assert Settings(Config.from_env({}).to_flask()).proxy_hops == 0
    assert Settings(Config.from_env({"MRC_PROXY_HOPS": "2"}).to_flask()).proxy_hops == 2


@pytest.fixture
def proxied_app(database_url: str) -> Iterator[Flask]:
    """The application as deployed behind one reverse proxy (MRC_PROXY_HOPS=1)."""
    yield create_app(make_config(database_url, MRC_PROXY_HOPS=1))


def test_behind_a_proxy_one_clients_failures_do_not_lock_out_another(
        app, proxied_app, make_user, cheap_unknown_names) -> None:
    user = make_user("counsellor")
    db.session.commit()
    browser = proxied_app.test_client()
    attacker = "203.0.113.5"
    for n in range(auth_services.IP_MAX_FAILURES):
        # What the attacker puts before the proxy's own entry is not believed.
        response = attempt(browser, f"guess{n}", WRONG, ip=PROXY,
                           forwarded_for=f"198.51.100.{n}, {attacker}")
        assert response.status_code == 401
        assert INVALID in response.get_data(as_text=True)
    response = attempt(browser, "guess-more", WRONG, ip=PROXY, forwarded_for=attacker)
    assert THROTTLED in response.get_data(as_text=True)
    response = attempt(browser, user.username, TEST_PASSWORD, ip=PROXY,
                       forwarded_for=f"198.51.100.77, {attacker}")
    assert THROTTLED in response.get_data(as_text=True)  # the attacker's address is throttled
    # Everyone else, through the same proxy, logs in.
    response = attempt(browser, user.username, TEST_PASSWORD, ip=PROXY,
                       forwarded_for="203.0.113.6")
    assert response.status_code == 302
    assert isinstance(proxied_app.wsgi_app, ProxyFix)
    assert not isinstance(app.wsgi_app, ProxyFix)  # MRC_PROXY_HOPS=0, the default


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client, make_user, monkeypatch,
                                                            cheap_unknown_names) -> None:
    monkeypatch.setattr(auth_services, "IP_MAX_FAILURES", 3)
    user = make_user("counsellor")
    db.session.commit()
    for n in range(3):
        response = attempt(client, f"guess{n}", WRONG, ip="192.0.2.50",
                           forwarded_for=f"203.0.113.{n}")
        assert response.status_code == 401
    # A made-up X-Forwarded-For does not give the address a fresh count…
    response = attempt(client, user.username, TEST_PASSWORD, ip="192.0.2.50",
                       forwarded_for="203.0.113.99")
    assert THROTTLED in response.get_data(as_text=True)
    # …nor does it count against the address it names.
    response = attempt(client, user.username, TEST_PASSWORD, ip="203.0.113.0")
    assert response.status_code == 302


# --- the per-username delay ----------------------------------------------------------------

def delay_left(now: datetime) -> timedelta:
    """The wait left on the one delayed username."""
    row = db.session.scalars(select(LoginThrottle)
                             .where(LoginThrottle.blocked_until.is_not(None))).one()
    assert row.blocked_until is not None
    until = row.blocked_until if row.blocked_until.tzinfo else row.blocked_until.replace(
        tzinfo=UTC)
    return until - now


def test_an_attacker_cannot_keep_a_known_user_out(app, client, make_user, clock) -> None:
    user = make_user("counsellor")
    db.session.commit()
    limit = app.config["MRC_LOGIN_MAX_FAILURES"]
    cap = timedelta(minutes=app.config["MRC_LOGIN_MAX_DELAY_MINUTES"])
    for n in range(limit):
        assert attempt(client, user.username, WRONG, ip=f"198.51.100.{n}").status_code == 401
    waits = [delay_left(clock["now"])]
    while waits[-1] < cap:  # the attacker waits out each delay: each wait doubles, capped
        clock["now"] += waits[-1]
        attempt(client, user.username, WRONG, ip="198.51.100.50")
        db.session.expire_all()
        waits.append(delay_left(clock["now"]))
    assert waits == [auth_services.FIRST_DELAY * 2 ** i for i in range(len(waits) - 1)] + [cap]
    # Hammering while the wait runs, from ever new addresses, is not even checked…
    for n in range(5):
        clock["now"] += timedelta(minutes=2)
        response = attempt(client, user.username, WRONG, ip=f"198.51.101.{n}")
        assert response.status_code == 401 and INVALID in response.get_data(as_text=True)
    response = attempt(client, user.username, TEST_PASSWORD, ip="192.0.2.10")
    assert response.status_code == 401  # …and neither is the user's right password
    # …and it does not lengthen the wait: once the cap has passed, the user logs in.
    clock["now"] += cap - timedelta(minutes=10) + timedelta(seconds=1)
    assert attempt(client, user.username, TEST_PASSWORD, ip="192.0.2.10").status_code == 302
    # Success forgets the failures; no throttle row holds the name in clear.
    db.session.expire_all()
    assert db.session.get_one(User, user.id).failed_logins == 0
    keys = [row.key for row in db.session.scalars(select(LoginThrottle))]
    assert keys and all(user.username not in key and "198.51" not in key for key in keys)


def test_an_old_failure_is_forgotten(app, client, make_user, clock) -> None:
    user = make_user("counsellor")
    db.session.commit()
    limit = app.config["MRC_LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        attempt(client, user.username, WRONG)
    clock["now"] += auth_services.USERNAME_MEMORY + timedelta(minutes=1)
    attempt(client, user.username, WRONG)  # the count starts again: no delay yet
    assert attempt(client, user.username, TEST_PASSWORD).status_code == 302


# --- one answer for everything that is not a log-in ----------------------------------------

def test_unknown_delayed_wrong_and_inactive_answer_alike(app, client, make_user,
                                                         monkeypatch) -> None:
    wrong, delayed, inactive = (make_user("counsellor") for _ in range(3))
    inactive.active = False
    db.session.commit()
    for n in range(app.config["MRC_LOGIN_MAX_FAILURES"]):
        attempt(client, delayed.username, WRONG, ip=f"198.51.100.{n}")
    calls: list[str] = []
    real_verify = auth_services.verify_password

    def counting_verify(password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth_services, "verify_password", counting_verify)
    cases = {"wrong password": (wrong.username, WRONG),
             "unknown user": ("nobody-by-this-name", TEST_PASSWORD),
             "delayed user": (delayed.username, TEST_PASSWORD),
             "inactive user": (inactive.username, TEST_PASSWORD)}
    bodies = {}
    for case, (username, password) in cases.items():
        calls.clear()
        response = attempt(client, username, password, ip="192.0.2.77")
        body = response.get_data(as_text=True)
        assert response.status_code == 401, case
        assert INVALID in body and "locked" not in body, case
        assert len(calls) == 1, f"{case}: {len(calls)} password checks"
        bodies[case] = body.replace(username, "NAME")
    assert len(set(bodies.values())) == 1, "the pages differ"


# --- unlocking -----------------------------------------------------------------------------

@pytest.fixture
def delayed_user(app: Flask, client: FlaskClient, make_user: Callable[..., Any]) -> Any:
    user = make_user("counsellor", "PK-ISB")
    db.session.commit()
    for n in range(app.config["MRC_LOGIN_MAX_FAILURES"]):
        attempt(client, user.username, WRONG, ip=f"198.51.100.{n}")
    assert attempt(client, user.username, TEST_PASSWORD).status_code == 401
    return user


def log_in(app: Flask, user: Any) -> FlaskClient:
    browser = app.test_client()
    response = attempt(browser, user.username, TEST_PASSWORD, ip="192.0.2.200")
    assert response.status_code == 302
    return browser


def last_event(user_id: int) -> AuditEvent:
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == user_id)
                               .order_by(AuditEvent.id.desc())).first()
    assert event is not None
    return event


@pytest.mark.parametrize(("role", "edit", "unlock"), [
    ("manager", "/admin/mrc-users/{id}/edit", "/admin/mrc-users/{id}/unlock"),
    ("admin", "/admin/users/{id}/edit", "/admin/users/{id}/unlock"),
])
def test_managers_and_admins_unlock_an_account(app, client, make_user, delayed_user, role,
                                               edit, unlock) -> None:
    actor = make_user(role, "PK-ISB" if role == "manager" else None)
    db.session.commit()
    browser = log_in(app, actor)
    page = browser.get(edit.format(id=delayed_user.id)).get_data(as_text=True)
    assert f'action="{unlock.format(id=delayed_user.id)}"' in page
    response = browser.post(unlock.format(id=delayed_user.id))
    assert response.status_code == 302
    event = last_event(delayed_user.id)
    assert (event.action, event.detail, event.user_id) == ("update", "fields=failed_logins",
                                                           actor.id)
    page = browser.get(edit.format(id=delayed_user.id)).get_data(as_text=True)
    assert f'action="{unlock.format(id=delayed_user.id)}"' not in page  # nothing to unlock
    # No waiting for the delay: the right password works at once.
    assert attempt(client, delayed_user.username, TEST_PASSWORD).status_code == 302


def test_a_manager_unlocks_only_users_of_their_mrc(app, make_user, delayed_user) -> None:
    other_manager = make_user("manager", "PK-LHE")
    counsellor = make_user("counsellor", "PK-ISB")
    db.session.commit()
    assert log_in(app, other_manager).post(
        f"/admin/mrc-users/{delayed_user.id}/unlock").status_code == 404
    assert log_in(app, counsellor).post(
        f"/admin/mrc-users/{delayed_user.id}/unlock").status_code == 403
    db.session.expire_all()
    assert db.session.get_one(User, delayed_user.id).failed_logins > 0


def test_a_known_browser_logs_in_while_an_attacker_keeps_the_name_delayed(
        app, client, make_user, clock) -> None:
    """Re-arming the delay each time it ends would keep a user out for good: the browser
    the user logged in on before is checked even during the delay; others are not."""
    from mrc.auth import devices

    user = make_user("counsellor")
    db.session.commit()
    own = app.test_client()
    assert attempt(own, user.username, TEST_PASSWORD, ip="192.0.2.10").status_code == 302
    assert own.get_cookie(devices.COOKIE, domain="mrc.test") is not None
    own.post("/logout")
    cap = timedelta(minutes=app.config["MRC_LOGIN_MAX_DELAY_MINUTES"])
    for _ in range(8):  # the attacker fails again each time the delay ends
        for n in range(app.config["MRC_LOGIN_MAX_FAILURES"]):
            attempt(client, user.username, WRONG, ip=f"198.51.100.{n}")
        clock["now"] += cap
    attempt(client, user.username, WRONG, ip="198.51.100.99")
    stranger = app.test_client()
    assert attempt(stranger, user.username, TEST_PASSWORD, ip="192.0.2.10").status_code == 401
    forged = app.test_client()
    forged.set_cookie(devices.COOKIE, "W10.forged-signature", domain="mrc.test")
    assert attempt(forged, user.username, TEST_PASSWORD, ip="192.0.2.10").status_code == 401
    assert attempt(own, user.username, TEST_PASSWORD, ip="192.0.2.10").status_code == 302
    # The cookie names no user in clear.
    cookie = own.get_cookie(devices.COOKIE, domain="mrc.test")
    assert cookie is not None and user.username not in cookie.value

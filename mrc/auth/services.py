"""Passwords (argon2id), log-in with rate limiting, user creation and role checks."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, func, inspect, select

from mrc.auth.models import CASE_ROLES, LoginThrottle, Role, User
from mrc.extensions import db
from mrc.settings import settings

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 10
# A hash checked when the username is unknown, so timing does not reveal which names exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

# Per client address: at most this many failures in a window, whatever the usernames.
IP_MAX_FAILURES = 30
IP_WINDOW = timedelta(minutes=15)
# Per username: after settings().login_max_failures failures in a row, each further one
# doubles the wait before the next attempt is checked, from FIRST_DELAY up to
# settings().login_max_delay_minutes. A day without failures forgets them.
FIRST_DELAY = timedelta(seconds=30)
USERNAME_MEMORY = timedelta(days=1)

F = TypeVar("F", bound=Callable[..., Any])


class UserError(ValueError):
    """A user could not be created or changed; the message is safe to show."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class LoginResult:
    OK = "ok"
    # A wrong password, an unknown, inactive or delayed username: one answer for all four.
    INVALID = "invalid"
    THROTTLED = "throttled"  # this address failed too often (says nothing about usernames)


def _throttle_key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _throttle(kind: str, value: str, now: datetime, memory: timedelta) -> LoginThrottle:
    """The counter of an address or a username, fresh again once ``memory`` has passed.

    A counter that did not exist is returned unsaved: only a failure stores it.
    """
    key = _throttle_key(kind, value)
    row = db.session.get(LoginThrottle, key)
    if row is None:
        return LoginThrottle(key=key, failures=0, window_start=now, blocked_until=None)
    if now - _aware(row.window_start) > memory:
        row.failures, row.window_start, row.blocked_until = 0, now, None
    return row


def _waiting(row: LoginThrottle, now: datetime) -> bool:
    return row.blocked_until is not None and _aware(row.blocked_until) > now


def _delay(failures: int) -> timedelta | None:
    """The wait after ``failures`` failures in a row under one username (None: no wait)."""
    beyond = failures - settings().login_max_failures
    if beyond < 0:
        return None
    cap = timedelta(minutes=settings().login_max_delay_minutes)
    return min(cap, FIRST_DELAY * (1 << min(beyond, 20)))


def authenticate(username: str, password: str, remote_addr: str, *,
                 known_device: bool = False) -> tuple[str, User | None]:
    """Check credentials, throttled per client address and delayed per username.

    Every attempt that reaches the username costs exactly one password hash and gets the
    same answer, so neither the answer nor its time tells a wrong password from an unknown,
    inactive or delayed username. A delayed username's attempts are not checked and do not
    lengthen the wait. ``known_device``: the browser logged in under this username before
    (:mod:`mrc.auth.devices`); it is checked even during the delay, so an attacker who
    re-arms the delay each time it ends still cannot keep the user out.
    The caller commits: failed attempts must be stored even though log-in fails.
    """
    now = _now()
    address = _throttle("addr", remote_addr, now, IP_WINDOW)
    if address.failures >= IP_MAX_FAILURES:
        return LoginResult.THROTTLED, None  # before any look-up: nothing about usernames
    name = username.strip().lower()
    counter = _throttle("user", name, now, USERNAME_MEMORY)
    waiting = _waiting(counter, now) and not known_device
    user = db.session.scalars(select(User).where(func.lower(User.username) == name)).first()
    checked = user if user is not None and user.active and not waiting else None
    ok = verify_password(checked.password_hash if checked else _DUMMY_HASH, password)
    if ok and checked is not None:
        _logged_in(checked, password, counter, now)
        return LoginResult.OK, checked
    _failed(address, counter if not waiting else None, user, now)
    return LoginResult.INVALID, None


def _logged_in(user: User, password: str, counter: LoginThrottle, now: datetime) -> None:
    if inspect(counter).persistent:
        db.session.delete(counter)
    user.failed_logins = 0
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)


def _failed(address: LoginThrottle, counter: LoginThrottle | None, user: User | None,
            now: datetime) -> None:
    """Count a failure against the address and, unless it was waiting, the username."""
    address.failures += 1
    db.session.add(address)
    if counter is not None:
        counter.failures += 1
        counter.window_start = now
        delay = _delay(counter.failures)
        counter.blocked_until = now + delay if delay else None
        db.session.add(counter)
        if user is not None:
            user.failed_logins = counter.failures
    # Counters idle for a day are spent: forget them, so guessed names do not pile up.
    db.session.execute(delete(LoginThrottle)
                       .where(LoginThrottle.window_start < now - USERNAME_MEMORY)
                       .execution_options(synchronize_session="fetch"))


def clear_failures(user: User) -> None:
    """Forget the failed log-ins under ``user``'s name: the next attempt is checked at once."""
    row = db.session.get(LoginThrottle, _throttle_key("user", user.username.strip().lower()))
    if row is not None:
        db.session.delete(row)
    user.failed_logins = 0


def validate_scope(role: Role, mrc_id: int | None, country_id: int | None,
                   region_id: int | None, facility_id: int | None = None) -> None:
    if role in CASE_ROLES and mrc_id is None:
        raise UserError(_("Counsellors and managers need an MRC as their scope."))
    if (role == Role.PARTNER) != (facility_id is not None) \
            or (role == Role.PARTNER and (mrc_id, country_id, region_id) != (None, None, None)):
        raise UserError(_("A partner needs a facility as their scope, and only partners can "
                          "have one."))
    if sum(x is not None for x in (mrc_id, country_id, region_id)) > 1:
        raise UserError(_("Choose one scope: an MRC, a country or a region."))


def create_user(
    username: str,
    password: str,
    role: Role | str,
    *,
    mrc_id: int | None = None,
    country_id: int | None = None,
    region_id: int | None = None,
    facility_id: int | None = None,
    locale: str | None = None,
) -> User:
    """Add a user; raises UserError with a reason safe to display."""
    role = Role(role)
    username = username.strip()
    if not username or len(username) > 64:
        raise UserError(_("The username must have 1 to 64 characters."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(_("The password must have at least 10 characters."))
    validate_scope(role, mrc_id, country_id, region_id, facility_id)
    exists = db.session.scalar(
        select(func.count()).select_from(User).where(func.lower(User.username) == username.lower())
    )
    if exists:
        raise UserError(_("This username is already taken."))
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role.value,
        mrc_id=mrc_id,
        country_id=country_id,
        region_id=region_id,
        facility_id=facility_id,
        locale=locale,
        active=True,
        failed_logins=0,
        created_at=_now(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def roles_required(*roles: Role) -> Callable[[F], F]:
    """View decorator: the logged-in user must have one of ``roles`` (403 otherwise)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if current_user.role_enum not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def case_worker_required(view: F) -> F:
    """View decorator: counsellor or manager attached to an MRC."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if not current_user.works_with_cases:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]

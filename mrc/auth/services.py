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
from sqlalchemy import func, select

from mrc.auth.models import CASE_ROLES, LoginThrottle, Role, User
from mrc.extensions import db
from mrc.settings import settings

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 10
# A hash checked when the username is unknown, so timing does not reveal which names exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

IP_MAX_FAILURES = 30
IP_WINDOW = timedelta(minutes=15)

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
    INVALID = "invalid"
    LOCKED = "locked"
    THROTTLED = "throttled"


def authenticate(username: str, password: str, remote_addr: str) -> tuple[str, User | None]:
    """Check credentials with per-user lockout and per-address throttling.

    The caller commits: failed attempts must be stored even though log-in fails.
    """
    now = _now()
    ip_key = hashlib.sha256(remote_addr.encode()).hexdigest()
    throttle = db.session.get(LoginThrottle, ip_key)
    if throttle and now - _aware(throttle.window_start) > IP_WINDOW:
        throttle.failures, throttle.window_start = 0, now
    if throttle and throttle.failures >= IP_MAX_FAILURES:
        return LoginResult.THROTTLED, None

    user = db.session.scalars(
        select(User).where(func.lower(User.username) == username.strip().lower())
    ).first()
    if user is not None and user.locked_until and _aware(user.locked_until) > now:
        return LoginResult.LOCKED, None

    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if ok and user is not None and user.active:
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return LoginResult.OK, user

    if throttle is None:
        throttle = LoginThrottle(key=ip_key, failures=0, window_start=now)
        db.session.add(throttle)
    throttle.failures += 1
    if user is not None:
        user.failed_logins += 1
        if user.failed_logins >= settings().login_max_failures:
            minutes = settings().login_lockout_minutes
            user.locked_until = now + timedelta(minutes=minutes)
            user.failed_logins = 0
            return LoginResult.LOCKED, None
    return LoginResult.INVALID, None


def validate_scope(role: Role, mrc_id: int | None, country_id: int | None,
                   region_id: int | None) -> None:
    if role in CASE_ROLES and mrc_id is None:
        raise UserError(_("Counsellors and managers need an MRC as their scope."))
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
    locale: str | None = None,
) -> User:
    """Add a user; raises UserError with a reason safe to display."""
    role = Role(role)
    username = username.strip()
    if not username or len(username) > 64:
        raise UserError(_("The username must have 1 to 64 characters."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(_("The password must have at least 10 characters."))
    validate_scope(role, mrc_id, country_id, region_id)
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

"""Per-user API tokens (issue #13).

A token is ``mrc_<prefix>_<secret>``: 8 hexadecimal characters that find it and 43
characters of ``secrets.token_urlsafe`` (256 bits). It is shown once, when created; the
database keeps the SHA-256 of the whole token (a random 256-bit secret needs no slow hash:
there is nothing to guess from a dictionary). A token acts for its user with the user's
role and scope, exactly as the web does; it has a name, always an expiry (at most a year),
and can be revoked. Creating and revoking are audited; use is recorded as the time it was
last used (at most one write every few minutes)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from mrc.api.models import ApiToken
from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.extensions import db

DEFAULT_DAYS = 90
MAX_DAYS = 366
USED_EVERY = timedelta(minutes=5)  # last_used_at is written at most this often
TOKEN = re.compile(r"^mrc_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


class TokenError(ValueError):
    """A token that cannot be made as asked (the message says why, in English: CLI)."""


@dataclass(frozen=True)
class NewToken:
    record: ApiToken
    secret: str  # the whole token, to show once


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for timezone-aware columns: they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def active_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that are neither revoked nor expired, newest first."""
    now = _now()
    return [t for t in db.session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
        if _aware(t.expires_at) > now]


def create_token(user: User, name: str, days: int = DEFAULT_DAYS, *,
                 actor: User | None = None) -> NewToken:
    """A new token for ``user``, valid ``days`` days (1..366), named ``name`` (unique among
    the user's active tokens)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise TokenError("a token needs a name of 1 to 64 characters")
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"a token is valid for 1 to {MAX_DAYS} days")
    if not user.active:
        raise TokenError("the user is not active")
    if any(t.name == name for t in active_tokens(user)):
        raise TokenError(f"the user already has an active token named {name!r}")
    prefix = secrets.token_hex(4)
    while db.session.scalar(select(ApiToken.id).where(ApiToken.prefix == prefix)) is not None:
        prefix = secrets.token_hex(4)
    secret = f"mrc_{prefix}_{secrets.token_urlsafe(32)}"
    now = _now()
    record = ApiToken(user_id=user.id, name=name, prefix=prefix, token_hash=_hash(secret),
                      created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(record)
    db.session.flush()
    audit.record("create", "api_token", record.id, mrc_id=user.mrc_id,
                 detail=f"user={user.id},days={days}", user=actor or user)
    return NewToken(record, secret)


def revoke_token(record: ApiToken, *, actor: User | None = None) -> bool:
    """Revoke a token (False if it already was); it stops working at once."""
    if record.revoked_at is not None:
        return False
    record.revoked_at = _now()
    audit.record("revoke", "api_token", record.id, mrc_id=record.user.mrc_id,
                 detail=f"user={record.user_id}", user=actor or record.user)
    return True


def authenticate(token: str | None) -> ApiToken | None:
    """The active token ``token`` is (its user active too), or None. Compares in constant
    time; records the use at most every :data:`USED_EVERY`."""
    match = TOKEN.match(token or "")
    if match is None:
        return None
    record = db.session.scalar(select(ApiToken).where(ApiToken.prefix == match.group(1)))
    if record is None or not hmac.compare_digest(record.token_hash, _hash(match.group(0))):
        return None
    now = _now()
    if record.revoked_at is not None or _aware(record.expires_at) <= now \
            or not record.user.active:
        return None
    if record.last_used_at is None or now - _aware(record.last_used_at) >= USED_EVERY:
        record.last_used_at = now
    return record

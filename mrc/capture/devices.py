"""Issuing a capture device: an API token of the counsellor's own, valid a week, with a
block of client codes reserved for it, once the counsellor has confirmed their password.

The page derives its encryption key from that password (PBKDF2 in the browser) with a salt
of the user's (:func:`user_salt`): the same on every device, never the password's hash, and
kept by the device too, so a later change of the server's secret key does not lock
anybody's pending entries away."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

from mrc.api import tokens
from mrc.api.models import ApiToken
from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.auth.services import verify_password
from mrc.capture import codes

DEVICE_DAYS = 7
PBKDF2_ITERATIONS = 310_000  # OWASP's figure for PBKDF2-HMAC-SHA256


class WrongPassword(ValueError):
    """The password typed to set up the device is not the user's."""


@dataclass(frozen=True)
class Device:
    token: tokens.NewToken
    codes: list[str]
    salt: str


def user_salt(user: User) -> str:
    """The user's key-derivation salt (16 bytes, base64url): a keyed hash of the user's id,
    so nothing is stored and it is the same on every device."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"capture-salt:{user.id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def _free_name(user: User) -> str:
    """``Capture device <date>``, numbered if the user set up another device that day."""
    base = f"Capture device {datetime.now(UTC).date().isoformat()}"
    taken = {t.name for t in tokens.active_tokens(user)}
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base} ({n})"
    return name


def issue_device(user: User, password: str) -> Device:
    """A new device for ``user`` (a counsellor or manager of an MRC): its token (created and
    audited by :func:`mrc.api.tokens.create_token`) and its first block of codes.
    WrongPassword (audited) if ``password`` is not the user's."""
    if not verify_password(user.password_hash, password):
        audit.record("login_failed", "capture_device", None, mrc_id=user.mrc_id, user=user,
                     detail="password")
        raise WrongPassword
    token = tokens.create_token(user, _free_name(user), DEVICE_DAYS)
    assert user.mrc_id is not None  # noqa: S101 - case workers have an MRC (the view checks)
    issued = codes.device_codes(token.record, user.mrc_id)
    audit.record("create", "capture_device", token.record.id, mrc_id=user.mrc_id, user=user,
                 detail=f"codes={len(issued)}")
    return Device(token, issued, user_salt(user))


def own_device(user: User, token_id: str) -> ApiToken | None:
    """The user's active device token ``token_id`` (its id, as typed), or None."""
    return next((t for t in tokens.active_tokens(user) if str(t.id) == token_id.strip()),
                None)

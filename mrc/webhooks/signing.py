"""Signing a delivery's body so the receiver can tell it came from us, unchanged and fresh.

``MRC-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` under the
subscription's secret, as Stripe signs its webhooks: the time is signed with the body, so a
receiver that refuses old times (five minutes) also refuses a recorded delivery replayed
later. Pure functions: no Flask, no database."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER = "MRC-Signature"
SCHEME = "v1"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh signing secret: 256 random bits."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The ``MRC-Signature`` header value for ``body`` (signed now unless told when)."""
    when = int(time.time()) if timestamp is None else timestamp
    return f"t={when},{SCHEME}={signature(secret, when, body)}"


def verify(secret: str, body: bytes, value: str, *, now: int | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Whether ``value`` (an ``MRC-Signature`` header) signs ``body`` under ``secret``
    within ``tolerance`` seconds of ``now``; compared in constant time."""
    parts: dict[str, list[str]] = {}
    for item in value.split(","):
        key, _, found = item.strip().partition("=")
        parts.setdefault(key, []).append(found)
    try:
        when = int(parts.get("t", [""])[0])
    except ValueError:
        return False
    current = int(time.time()) if now is None else now
    if abs(current - when) > tolerance:
        return False
    expected = signature(secret, when, body)
    return any(hmac.compare_digest(expected, given) for given in parts.get(SCHEME, []))

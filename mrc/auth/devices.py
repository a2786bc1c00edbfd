"""Known devices: a browser where a user logged in before is not held up by the delay that
other people's wrong passwords put on that username (OWASP's "device cookies").

Without this, whoever knows a username could keep its owner out for good: one wrong
password each time the capped delay runs out starts it again. A successful log-in leaves a
signed cookie naming (as a keyed hash, never in clear) the usernames that logged in on this
browser; a log-in from such a browser is checked even while the username is delayed. The
address throttle still applies to it, and an attacker cannot make such a cookie without
the application's secret key.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

COOKIE = "mrc_device"
MAX_AGE = timedelta(days=180)
MAX_NAMES = 5  # usernames remembered per browser (a shared office computer)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt="mrc-known-device")


def _tag(username: str) -> str:
    key = str(current_app.secret_key or "").encode()
    name = username.strip().lower().encode()
    return hmac.new(key, b"device:" + name, hashlib.sha256).hexdigest()[:32]


def _known_tags() -> list[str]:
    token = request.cookies.get(COOKIE)
    if not token:
        return []
    try:
        tags = _serializer().loads(token)
    except BadSignature:
        return []
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def is_known(username: str) -> bool:
    """Whether ``username`` logged in on this browser before."""
    return _tag(username) in _known_tags()


def remember(response: Response, username: str) -> None:
    """After a successful log-in: this browser is known for ``username``."""
    tag = _tag(username)
    tags = [tag, *(t for t in _known_tags() if t != tag)][:MAX_NAMES]
    response.set_cookie(COOKIE, _serializer().dumps(tags),
                        max_age=int(MAX_AGE.total_seconds()), httponly=True,
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                        samesite="Lax")

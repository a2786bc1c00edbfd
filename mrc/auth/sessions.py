"""Sessions the server can end: a signed session cookie is only as good as the user row says.

Each user row holds a ``session_version``. Log-in copies it into the session; the log-in
manager's user loader (``mrc.security``) accepts a session only while the two agree. Raising
the version therefore ends every session of that user at once, on every device, including a
cookie someone saved and replays later: log-out, a password change or reset, a change of
role, scope or active flag, and "log out everywhere" all do.
"""

from __future__ import annotations

from flask import has_request_context, session
from flask_login import current_user, login_user

from mrc.auth.models import User

VERSION_KEY = "_session_version"


def open_session(user: User) -> None:
    """Log ``user`` in for this request's session (the caller has cleared the session)."""
    login_user(user)
    session[VERSION_KEY] = user.session_version


def is_current(user: User) -> bool:
    """Whether this request's session was opened after ``user``'s sessions last ended."""
    return session.get(VERSION_KEY) == user.session_version


def revoke_sessions(user: User) -> None:
    """End every session of ``user``.

    The session of the request making the change stays open when it is ``user``'s own (a
    user changing their password is not logged out by it; their other devices are). Who
    wants this session ended too logs it out as well.
    """
    own = (has_request_context() and current_user.is_authenticated
           and current_user.id == user.id and is_current(user))
    user.session_version = (user.session_version or 0) + 1
    if own:
        session[VERSION_KEY] = user.session_version

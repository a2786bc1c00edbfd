from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from mrc.audit import services as audit
from mrc.auth import bp, devices
from mrc.auth.forms import LoginForm
from mrc.auth.services import LoginResult, authenticate
from mrc.auth.sessions import open_session, revoke_sessions
from mrc.transactions import keep_writes


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after log-in (no open redirect)."""
    if not target:
        return None
    # Browsers read "/\evil.example" as "//evil.example" and drop tabs and newlines
    # ("/\t/evil.example"), so neither may pass as a local path.
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data or ""
        result, user = authenticate(username, form.password.data or "",
                                    request.remote_addr or "unknown",
                                    known_device=devices.is_known(username))
        if result == LoginResult.OK and user is not None:
            lang = session.get("lang")
            session.clear()  # new session on log-in: no fixation
            if lang:
                session["lang"] = lang
            open_session(user)
            audit.record("login", "user", user.id, user=user)
            response = redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
            devices.remember(response, user.username)
            return response
        audit.record("login_failed", "user", user.id if user else None)
        keep_writes()  # the 401 page still counts the attempt and audits it
        if result == LoginResult.THROTTLED:
            flash(_("Too many failed attempts from this connection. Please wait and try again."),
                  "error")
        else:
            flash(_("Wrong username or password."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    audit.record("logout", "user", current_user.id)
    # Every session of the user ends, on every device: a copy of this session's cookie
    # replayed later opens nothing.
    revoke_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))

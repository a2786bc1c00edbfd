"""Request-wide protections: security headers, session lifetime, log-in wiring."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from mrc.config import API_PATH
from mrc.extensions import db, login_manager
from mrc.settings import Settings

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


def _trust_proxies(app: Flask) -> None:
    """Behind MRC_PROXY_HOPS reverse proxies, take the client's address, scheme and host
    from their X-Forwarded-* headers (the log-in throttle counts per client address).
    Without proxies those headers are the client's own words and are ignored."""
    hops = Settings(app.config).proxy_hops
    if hops > 0:
        # Flask documents wrapping wsgi_app as the way to add WSGI middleware.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except under the API: a token-authenticated request
    neither reads the session cookie (a browser may send one) nor sets it."""

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if request.path.startswith(API_PATH):
            return self.session_class()  # empty, and never saved (below)
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if request.path.startswith(API_PATH):
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    _trust_proxies(app)
    app.session_interface = CookieSessions()
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> object | None:
        from mrc.auth.models import User
        from mrc.auth.sessions import is_current

        try:
            user = db.session.get(User, int(user_id))
        except ValueError:
            return None
        # A session opened before the user's last log-out, password change or role change
        # is over, even though its cookie is still validly signed (mrc.auth.sessions).
        return user if user is not None and is_current(user) else None

    @app.before_request
    def permanent_session() -> None:
        # Sessions expire after PERMANENT_SESSION_LIFETIME of inactivity.
        session.permanent = True

    @app.before_request
    def refuse_nul_bytes() -> None:
        # No browser puts a NUL byte in a form or a URL, and PostgreSQL cannot store one in
        # text: refuse such a request cleanly (400) rather than fail at the database (500).
        # Uploaded files are not form values; their parsers check their own content.
        values = [*request.args.items(multi=True), *request.form.items(multi=True)]
        # (A crafted multipart part can come without a name: its key is None.)
        if any("\x00" in (key or "") or "\x00" in (value or "") for key, value in values):
            abort(400)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # No address leaves for another site; the site's own forms carry it, as the CSRF
        # check requires over HTTPS (Flask-WTF refuses a POST without a same-site Referer;
        # "no-referrer" would make every form fail behind TLS). URLs hold no personal data.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        # Only over HTTPS (behind a proxy: MRC_PROXY_HOPS makes its X-Forwarded-Proto count):
        # browsers ignore the header on plain HTTP, and a laptop must stay reachable on it.
        hsts = Settings(app.config).hsts_seconds
        if hsts > 0 and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
        # Pages show personal data to authorised users only: keep them out of shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
        return response

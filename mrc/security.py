"""Request-wide protections: security headers, session lifetime, log-in wiring."""

from __future__ import annotations

from flask import Flask, Response, abort, request, session
from flask_babel import lazy_gettext as _l

from mrc.extensions import db, login_manager

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> object | None:
        from mrc.auth.models import User

        try:
            return db.session.get(User, int(user_id))
        except ValueError:
            return None

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
        if any("\x00" in key or "\x00" in value for key, value in values):
            abort(400)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Pages show personal data to authorised users only: keep them out of shared caches.
        response.headers.setdefault("Cache-Control", "no-store")
        return response

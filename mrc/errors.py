"""Error pages: translated, in the user's language and direction, with no stack trace, no
request data and no personal data. Each HTTP error has its own template in
``templates/errors/``; an unexpected exception shows the 500 page (Flask has logged it).

A database that cannot be reached (stopped, restarting, out of connections) is not a bug:
it shows the 503 page, which needs no database, and the next request, once the server is
back, gets a fresh connection (``pool_pre_ping``, :mod:`mrc.config`)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, g, has_request_context, render_template, request, session
from flask_babel import get_locale
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from mrc.extensions import db, login_manager

PAGES = (400, 403, 404, 405, 413, 429, 500, 503)
RETRY_AFTER_SECONDS = 30
# SQLSTATE classes of a server that is going away or cannot take more: connection
# exceptions, insufficient resources (too many connections), operator intervention
# (shutdown, "the database system is starting up").
UNAVAILABLE_SQLSTATES = ("08", "53", "57P")

log = logging.getLogger(__name__)

ErrorPage = tuple[str, int, list[tuple[str, str]]]
# Addresses whose errors another renderer answers (path prefix: renderer), registered by
# the feature that owns them: the API answers in problem+json (mrc.api.problems).
RENDERERS: dict[str, Callable[[HTTPException], Response]] = {}


def register_renderer(prefix: str, renderer: Callable[[HTTPException], Response]) -> None:
    RENDERERS[prefix] = renderer


def _renderer() -> Callable[[HTTPException], Response] | None:
    if not has_request_context():
        return None
    return next((r for prefix, r in RENDERERS.items() if request.path.startswith(prefix)),
                None)


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database cannot be reached, rather than that a query is
    wrong: SQLite reports a missing table as an OperationalError too, and that stays a 500."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    # psycopg: no SQLSTATE when the client could not connect or lost the connection.
    sqlstate = getattr(exc.orig, "sqlstate", "")
    return isinstance(exc, OperationalError) and (
        sqlstate is None or str(sqlstate).startswith(UNAVAILABLE_SQLSTATES))


def render_error(error: HTTPException) -> ErrorPage | Response:
    """The page for ``error`` with its status code and headers (such as ``Allow`` of a 405
    or ``Retry-After``). The exception's own description is never shown: it can carry
    details (ids, values) meant for developers."""
    original = getattr(error, "original_exception", None)
    if original is not None and database_unavailable(original):
        return database_unavailable_page(original)  # e.g. the request's commit failed
    renderer = _renderer()
    if renderer is not None:
        if error.code is None or error.code >= 500:
            db.session.rollback()
        return renderer(error)
    code = error.code if error.code in PAGES else 500
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if code == 500:
        # A failed query leaves the session unusable (PostgreSQL aborts the transaction),
        # and the page itself loads the logged-in user.
        db.session.rollback()
    try:
        return render_template(f"errors/{code}.html", code=code), code, headers
    except Exception:  # an error page must not fail in turn: fall back to plain text
        log.exception("error page %s could not be rendered", code)
        db.session.rollback()
        return f"Error {code}", code, headers


def _forget_the_request() -> None:
    """Prepare a page that must not touch the database: keep the language (decided now,
    while the user may still be loaded), drop the transaction, show the page as to a
    visitor (loading the user needs the database), and drop the messages this request
    flashed: they announce a change ("Client registered") that was not saved."""
    try:
        get_locale()
    except Exception:  # noqa: BLE001 - loading the user needs the database: chosen later
        log.debug("locale chosen without the user")
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool has dropped it
        log.debug("rollback on a lost connection failed")
    g._login_user = login_manager.anonymous_user()  # flask-login's per-request user
    session.pop("_flashes", None)


def database_unavailable_page(error: BaseException) -> ErrorPage | Response:
    """503: the database cannot be reached. Logged in one line (no SQL, no parameters: they
    can hold personal data); the page says what to do and that the last change may be lost."""
    reason = getattr(error, "orig", None) or error
    log.error("database unavailable: %s: %s", type(reason).__name__,
              str(reason).strip().splitlines()[0] if str(reason).strip() else "")
    _forget_the_request()
    renderer = _renderer()
    if renderer is not None:  # e.g. the API: a problem, not a page
        return renderer(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS))
    headers = [("Retry-After", str(RETRY_AFTER_SECONDS))]
    try:
        return render_template("errors/503.html", code=503), 503, headers
    except Exception:
        log.exception("error page 503 could not be rendered")
        return "Error 503", 503, headers


def _on_database_error(error: Exception) -> ErrorPage | Response:
    if not database_unavailable(error):
        raise error  # a wrong query: Flask logs it and shows the 500 page
    return database_unavailable_page(error)


def init_app(app: Flask) -> None:
    for code in PAGES:
        app.register_error_handler(code, render_error)
    app.register_error_handler(OperationalError, _on_database_error)
    app.register_error_handler(PoolTimeout, _on_database_error)

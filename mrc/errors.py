"""Error pages: translated, in the user's language and direction, with no stack trace, no
request data and no personal data. Each HTTP error has its own template in
``templates/errors/``; an unexpected exception shows the 500 page (Flask has logged it)."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from mrc.extensions import db

PAGES = (400, 403, 404, 405, 413, 429, 500)

log = logging.getLogger(__name__)


def render_error(error: HTTPException) -> tuple[str, int, list[tuple[str, str]]]:
    """The page for ``error`` with its status code and headers (such as ``Allow`` of a 405
    or ``Retry-After``). The exception's own description is never shown: it can carry
    details (ids, values) meant for developers."""
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


def init_app(app: Flask) -> None:
    for code in PAGES:
        app.register_error_handler(code, render_error)

"""The request is the unit of work: it commits once, at its end, in one place.

Services ``add()`` and ``flush()``; views never commit. When a view returns a response below
400 the request's transaction is committed just before the response leaves (a failed commit
becomes the 500 page, nothing half-written). A 4xx/5xx response or an exception commits
nothing: the session is discarded when the app context ends. A view whose error response must
still keep its writes (a failed log-in counts the attempt and audits it) says so with
:func:`keep_writes`. Commands and jobs are their own boundaries and commit themselves.
"""

from __future__ import annotations

from flask import Flask, g
from werkzeug.wrappers import Response

from mrc.extensions import db

_KEEP = "mrc_keep_writes"


def keep_writes() -> None:
    """Commit this request's writes even though its response is an error status."""
    setattr(g, _KEEP, True)


def commit_request(response: Response) -> Response:
    if response.status_code < 400 or g.get(_KEEP, False):
        db.session.commit()
    return response


def init_app(app: Flask) -> None:
    app.after_request(commit_request)

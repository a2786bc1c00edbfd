"""RFC 9457 problem documents for the API: ``{"type", "title", "status", "detail"?}`` as
``application/problem+json``, the title in the caller's language. Like the error pages
(:mod:`mrc.errors`), a problem never carries an exception's own text, request data or
personal data."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

TITLES: dict[int, Any] = {
    400: _l("The request is not valid."),
    401: _l("A valid API token is needed."),
    403: _l("This token's user may not do this."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not accept this method."),
    409: _l("This conflicts with the current state of the resource."),
    410: _l("This file was already downloaded."),
    412: _l("The record was changed since you read it: read it again."),
    413: _l("The request is too large."),
    422: _l("This Idempotency-Key was used for another request."),
    428: _l("Send the record's ETag in If-Match to change it."),
    429: _l("Too many requests: wait and try again."),
    500: _l("Something went wrong on the server."),
    503: _l("The service is not available at the moment: try again soon."),
}


def problem(status: int, detail: str | None = None,
            headers: dict[str, str] | None = None,
            extra: dict[str, Any] | None = None, title: Any = None) -> Response:
    """A problem document for ``status`` (an unknown status counts as 500); ``extra``:
    members of its own (RFC 9457 extensions), such as ``errors`` by field; ``title``: a
    (lazily translated) title of its own where the status's usual one would mislead (a 422
    of a rule other than the Idempotency-Key's)."""
    status = status if status in TITLES else 500
    body: dict[str, Any] = {"type": "about:blank",
                            "title": str(title if title is not None else TITLES[status]),
                            "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra or {})
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype="application/problem+json", headers=headers or {})
    response.headers["Content-Language"] = str(get_locale()).replace("_", "-")
    return response


def render_http_error(error: HTTPException) -> Response:
    """An HTTP error of an API address as a problem (its ``Allow`` or ``Retry-After``
    headers kept; its description, meant for developers, dropped)."""
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem(error.code or 500, headers=headers)

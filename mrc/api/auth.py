"""Bearer-token authentication for the API views: the token's user becomes the request's
user (``current_user``), with the same role checks and scoping function as the web; each
token's requests are counted against its rate limit (:mod:`mrc.api.ratelimit`), and every
POST runs once per idempotency key (:mod:`mrc.api.idempotency`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, request
from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.api import idempotency, ratelimit, tokens
from mrc.api.conditional import BadParameter
from mrc.api.formdata import BadBody
from mrc.api.problems import problem
from mrc.auth.models import CASE_ROLES, Role

F = TypeVar("F", bound=Callable[..., Any])
CASE_ROLES_SORTED = tuple(sorted(CASE_ROLES))


def bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _answer(view: Callable[..., Any], args: Any, kwargs: Any) -> Response:
    """The view's response; a parameter or body it cannot read is a 400 naming it."""
    try:
        return current_app.make_response(view(*args, **kwargs))
    except (BadParameter, BadBody) as exc:
        return problem(400, detail=str(exc))


def token_required(*roles: Role, idempotent: bool = True) -> Callable[[F], F]:
    """View decorator: a valid token (401 otherwise) within its rate limit (429) whose user
    has one of ``roles`` (403). A POST needs an ``Idempotency-Key`` unless the view makes
    nothing (``idempotent=False``: a search)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            record = tokens.authenticate(bearer_token())
            if record is None:
                return problem(401, headers={"WWW-Authenticate": 'Bearer realm="mrc"'})
            verdict = ratelimit.check(record.prefix)
            if not verdict.allowed:
                return problem(429, headers=verdict.headers())
            g._login_user = record.user  # flask-login's per-request user, for this request
            g.api_token = record
            response: Response
            if roles and record.user.role_enum not in roles:
                response = problem(403)
            elif request.method == "POST" and idempotent:
                response = idempotency.once(record.user, lambda: _answer(view, args, kwargs))
            else:
                response = _answer(view, args, kwargs)
            response.headers.update(verdict.headers())
            return response

        # Read by the OpenAPI document (mrc.api.openapi): who may call, and whether a POST
        # takes an Idempotency-Key.
        wrapped.token_roles = roles  # type: ignore[attr-defined]
        wrapped.idempotent = idempotent  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def case_work(idempotent: bool = True, roles: tuple[Role, ...] = CASE_ROLES_SORTED
              ) -> Callable[[Any], Any]:
    """``token_required`` for the case roles (or fewer of them: ``roles``), and (as the
    web's ``case_worker_required``) a user attached to an MRC: one check for every route
    that works with one MRC's records."""
    def decorator(view: Any) -> Any:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.works_with_cases:
                abort(403)
            return view(*args, **kwargs)

        return token_required(*roles, idempotent=idempotent)(wrapped)

    return decorator

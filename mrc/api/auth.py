"""Bearer-token authentication for the API views: the token's user becomes the request's
user (``current_user``), with the same role checks and scoping function as the web."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from mrc.api import tokens
from mrc.api.problems import problem
from mrc.auth.models import Role

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def token_required(*roles: Role) -> Callable[[F], F]:
    """View decorator: a valid token (401 otherwise) whose user has one of ``roles`` (403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            record = tokens.authenticate(bearer_token())
            if record is None:
                return problem(401, headers={"WWW-Authenticate": 'Bearer realm="mrc"'})
            g._login_user = record.user  # flask-login's per-request user, for this request
            g.api_token = record
            if roles and record.user.role_enum not in roles:
                return problem(403)
            return view(*args, **kwargs)

        wrapped.token_roles = roles  # type: ignore[attr-defined]  # for mrc.api.openapi
        return wrapped  # type: ignore[return-value]

    return decorator

"""The JSON API for ministry systems (issue #13), under ``/api/v1/``.

Built in steps (``docs/api.md`` says what stands). A request authenticates with a per-user
API token (:mod:`mrc.api.tokens`; ``mrc api-token`` creates, lists and revokes them) as
``Authorization: Bearer <token>``, and acts with its user's role and scope. Errors are RFC
9457 problem documents (``application/problem+json``) in the caller's Accept-Language
(:mod:`mrc.api.problems`). No cookie is read or set, so there is no CSRF token either."""

from __future__ import annotations

from flask import Blueprint, Flask

from mrc.api import outputs, outreach, webhooks
from mrc.config import API_PATH

bp = Blueprint("api", __name__, url_prefix=f"{API_PATH}v1")
# The outputs' views (impact, report and panel jobs) are a blueprint nested in this one:
# ``create_app`` imports only ``mrc.api.routes``, and a module attaching views to ``bp`` would
# import this package back (an import cycle).
bp.register_blueprint(outputs.bp)
bp.register_blueprint(outreach.bp)  # outreach events and leaflet stock, the same way
bp.register_blueprint(webhooks.bp)


def init_app(app: Flask) -> None:
    from mrc import errors
    from mrc.api import problems
    from mrc.extensions import csrf

    csrf.exempt(bp)
    csrf.exempt(outputs.bp)
    csrf.exempt(outreach.bp)
    csrf.exempt(webhooks.bp)
    errors.register_renderer(API_PATH, problems.render_http_error)

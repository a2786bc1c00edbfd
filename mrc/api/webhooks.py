"""API views of the webhooks (issue #13): a user's own subscriptions, their delivery log,
a test ping. Thin: the body is checked by the subscription form (:mod:`mrc.api.formdata`),
the work is :mod:`mrc.webhooks.services`. A subscription is its owner's alone: another
user's is a 404, whatever the role. Every role may subscribe, to the event types its role
may receive (:data:`mrc.webhooks.events.ROLE_EVENTS`); making, deleting and testing are
audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, jsonify, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.api import idempotency
from mrc.api import record_schemas as S
from mrc.api.auth import token_required
from mrc.api.conditional import page
from mrc.api.formdata import bound, json_body, refused
from mrc.api.openapi import Reply, component, documented, path
from mrc.api.problems import problem
from mrc.auth.models import Role
from mrc.validation import ValidationError
from mrc.webhooks import events, services
from mrc.webhooks.forms import WebhookForm
from mrc.webhooks.models import WebhookDelivery, WebhookSubscription

# Nested in the ``api`` blueprint (mrc.api): endpoints ``api.webhooks.*`` under /api/v1/.
bp = Blueprint("webhooks", __name__)

WEBHOOK = component("Webhook", {
    "type": "object", "required": ["id", "name", "url", "events", "created_at"],
    "properties": {"id": {"type": "integer"}, "name": S.TEXT, "url": S.TEXT,
                   "events": {"type": "array", "items": {"enum": list(events.EVENT_TYPES)}},
                   "created_at": S.STAMP, "links": {"type": "object"}}})
NEW_WEBHOOK: dict[str, Any] = {
    "type": "object", "required": ["name", "url", "events"],
    "properties": {"name": S.TEXT, "url": {**S.TEXT, "description": _l(
        "The receiver: https:// on a public address.")},
                   "events": {"type": "array", "items": {"enum": list(events.EVENT_TYPES)}}}}
MADE = Reply({"type": "object", "required": ["webhook", "secret"], "properties": {
    "webhook": WEBHOOK,
    "secret": {**S.TEXT, "nullable": True, "description": _l(
        "The signing secret, shown this once (null in a replay of the same request).")}}},
    headers={"Location": {"schema": S.TEXT}})
DELIVERY = component("WebhookDelivery", {
    "type": "object", "required": ["id", "event", "event_id", "status", "attempts"],
    "properties": {"id": {"type": "integer"}, "event": S.TEXT, "event_id": S.TEXT,
                   "status": {"enum": ["pending", "delivered", "failed"]},
                   "attempts": {"type": "integer"},
                   "next_attempt_at": {**S.STAMP, "nullable": True},
                   "last_status_code": {"type": "integer", "nullable": True},
                   "last_error": S.TEXT, "created_at": S.STAMP,
                   "last_attempt_at": {**S.STAMP, "nullable": True},
                   "delivered_at": {**S.STAMP, "nullable": True}, "payload": {"type": "object"}}})
WEBHOOK_ID = path("webhook_id", _l("The webhook's id."))


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def shown(record: WebhookSubscription) -> dict[str, Any]:
    return {"id": record.id, "name": record.name, "url": record.url,
            "events": list(record.event_types), "created_at": _iso(record.created_at),
            "links": {"self": url_for("api.webhooks.webhook", webhook_id=record.id),
                      "deliveries": url_for("api.webhooks.deliveries", webhook_id=record.id)}}


def shown_delivery(record: WebhookDelivery) -> dict[str, Any]:
    return {"id": record.id, "event": record.event_type, "event_id": record.event_id,
            "status": record.status, "attempts": record.attempts,
            "next_attempt_at": _iso(record.next_attempt_at),
            "last_status_code": record.last_status_code, "last_error": record.last_error,
            "created_at": _iso(record.created_at), "last_attempt_at": _iso(record.last_attempt_at),
            "delivered_at": _iso(record.delivered_at), "payload": record.payload}


@bp.route("/webhooks")
@documented(_l("The token user's webhooks"), tags=["webhooks"],
            responses={200: S.items(WEBHOOK)})
@token_required(*Role)
def webhooks() -> Any:
    """The token user's webhooks (never their secrets), oldest first."""
    return jsonify({"items": [shown(r) for r in services.subscriptions(current_user)]})


@bp.route("/webhooks", methods=["POST"])
@documented(_l("Make a webhook"), tags=["webhooks"], request=NEW_WEBHOOK,
            description=_l("Each event type must be one the token user's role may receive "
                           "(docs/api.md, Webhooks). The answer shows the signing secret, "
                           "once."), responses={201: MADE})
@token_required(*Role)
def create() -> Any:
    """A new webhook of the token user; the answer holds its secret, shown this once."""
    body = json_body()
    form = bound(WebhookForm, body)
    if not form.validate():
        return refused(form.errors)
    try:
        made = services.create_subscription(current_user, form.name.data or "",
                                            form.url.data or "", list(form.events.data or []))
    except ValidationError as exc:
        return refused(exc.errors)
    document = {"webhook": shown(made.record), "secret": made.secret}
    idempotency.keep_instead(json.dumps({**document, "secret": None}))
    response = jsonify(document)
    response.status_code = 201
    response.headers["Location"] = url_for("api.webhooks.webhook", webhook_id=made.record.id)
    return response


def _own(webhook_id: int) -> WebhookSubscription | Response:
    return services.own_subscription(current_user, webhook_id) or problem(404)


@bp.route("/webhooks/<int:webhook_id>")
@documented(_l("A webhook"), tags=["webhooks"], parameters=[WEBHOOK_ID],
            responses={200: {"type": "object", "properties": {"webhook": WEBHOOK}}})
@token_required(*Role)
def webhook(webhook_id: int) -> Any:
    """One of the token user's webhooks (another user's is a 404)."""
    record = _own(webhook_id)
    if isinstance(record, Response):
        return record
    return jsonify({"webhook": shown(record)})


@bp.route("/webhooks/<int:webhook_id>", methods=["DELETE"])
@documented(_l("Delete a webhook"), tags=["webhooks"], parameters=[WEBHOOK_ID],
            responses={204: None})
@token_required(*Role)
def delete(webhook_id: int) -> Any:
    """Stop the webhook at once: deliveries still waiting fail; its log is kept."""
    record = _own(webhook_id)
    if isinstance(record, Response):
        return record
    services.delete_subscription(record)
    return Response(status=204)


@bp.route("/webhooks/<int:webhook_id>/deliveries")
@documented(_l("A webhook's delivery log, newest first"), tags=["webhooks"],
            parameters=[WEBHOOK_ID, *S.PAGE_PARAMETERS[1:]],
            responses={200: S.items(DELIVERY, paged=True)})
@token_required(*Role)
def deliveries(webhook_id: int) -> Any:
    """The webhook's deliveries, newest first (``cursor``, ``limit``)."""
    record = _own(webhook_id)
    if isinstance(record, Response):
        return record
    return jsonify(page(services.deliveries(record), WebhookDelivery.created_at,
                        WebhookDelivery.id, shown_delivery, newest_first=True))


@bp.route("/webhooks/<int:webhook_id>/test", methods=["POST"])
@documented(_l("Send a ping to a webhook"), tags=["webhooks"], parameters=[WEBHOOK_ID],
            description=_l("A ping event, signed and sent as every delivery is (after the "
                           "request, never in it): follow it in the delivery log."),
            responses={202: Reply({"type": "object", "properties": {"delivery": DELIVERY}},
                                  description=_l("Accepted: the ping waits to be sent."))})
@token_required(*Role)
def ping(webhook_id: int) -> Any:
    """Queue a ``ping`` delivery to the webhook."""
    record = _own(webhook_id)
    if isinstance(record, Response):
        return record
    delivery = services.send_test(record)
    response = jsonify({"delivery": shown_delivery(delivery)})
    response.status_code = 202
    return response

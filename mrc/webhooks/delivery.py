"""Sending deliveries: signed, with a short timeout, retried with backoff, logged.

Whoever sends a delivery first *claims* it: a conditional UPDATE moves its
``next_attempt_at`` past the attempt (by :data:`LEASE`), so of two senders (a worker and
``mrc webhook send-due``, or two workers) one sends and the other finds nothing to do. The
attempt is then committed with its outcome: delivered on a 2xx answer; otherwise, while
retries remain, pending again at ``now + MRC_WEBHOOK_BACKOFF[attempt]``, and failed for
good after the last. A request never waits for a receiver: the deliveries it made are
handed to the RQ queue after its commit (:func:`dispatch`), or, without Redis (the
embedded default), sent by ``mrc webhook send-due``, which cron runs every minute and
which also sends every retry that has come due, in both modes.

This module is a transaction boundary, like the job runner: it commits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from mrc.database import release_connections
from mrc.extensions import db
from mrc.jobs.runner import queue_call
from mrc.keys import keyring
from mrc.settings import settings
from mrc.webhooks import signing, transport
from mrc.webhooks.models import WebhookDelivery, WebhookSubscription

LEASE = timedelta(seconds=60)  # well past one attempt (5 s timeout)
BATCH = 500  # deliveries send-due takes at a time
WORKER_FUNCTION = "mrc.webhooks.delivery.deliver_in_worker"


def _now() -> datetime:
    return datetime.now(UTC)


def body_of(delivery: WebhookDelivery) -> bytes:
    """What is posted: the same bytes on every attempt (the signature's time changes)."""
    created = delivery.created_at if delivery.created_at.tzinfo \
        else delivery.created_at.replace(tzinfo=UTC)
    document = {"id": delivery.event_id, "type": delivery.event_type,
                "created_at": created.isoformat(), "data": delivery.payload}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True).encode("utf-8")


def headers_of(delivery: WebhookDelivery, secret: str, body: bytes,
               timestamp: int | None = None) -> dict[str, str]:
    return {signing.HEADER: signing.header(secret, body, timestamp),
            "MRC-Event": delivery.event_type, "MRC-Delivery": str(delivery.id)}


def _claim(delivery_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
               WebhookDelivery.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return getattr(claimed, "rowcount", 0) == 1


def _attempt(delivery: WebhookDelivery, subscription: WebhookSubscription) -> tuple[int | None, str]:
    """(status code or None, short error): one POST."""
    body = body_of(delivery)
    secret = keyring().cipher.decrypt(subscription.secret_enc)
    try:
        status = transport.post(subscription.url, body, headers_of(delivery, secret, body),
                                allow_local=settings().webhook_allow_http_local)
    except transport.RefusedURL as exc:
        return None, f"refused: {exc}"[:120]
    except transport.DeliveryError as exc:
        return None, str(exc)[:120]
    return status, "" if 200 <= status < 300 else f"HTTP {status}"


def record_outcome(delivery: WebhookDelivery, status: int | None, error: str,
                   now: datetime) -> None:
    """The attempt's outcome and, after a failure, the next attempt or the end."""
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status_code = now, status
    delivery.last_error = error
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        return
    backoff = settings().webhook_backoff
    if delivery.attempts > len(backoff):
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delivery.next_attempt_at = now + timedelta(seconds=backoff[delivery.attempts - 1])


def deliver(delivery_id: int, now: datetime | None = None) -> str | None:
    """Attempt one delivery if it is due and nobody else is sending it; its status after
    the attempt (None when there was nothing to do). Commits."""
    when = now or _now()
    if not _claim(delivery_id, when):
        return None
    delivery = db.session.get_one(WebhookDelivery, delivery_id)
    subscription = delivery.subscription
    if not subscription.active:
        delivery.status, delivery.next_attempt_at = "failed", None
        delivery.last_error = "subscription deleted"
        db.session.commit()
        return delivery.status
    status, error = _attempt(delivery, subscription)
    record_outcome(delivery, status, error, when)
    db.session.commit()
    if delivery.status != "delivered":
        current_app.logger.info("webhook delivery %s: %s (attempt %s)", delivery.id,
                                error, delivery.attempts)
    return delivery.status


def due_ids(now: datetime, limit: int = BATCH) -> list[int]:
    return list(db.session.scalars(
        select(WebhookDelivery.id).where(WebhookDelivery.status == "pending",
                                         WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)))


def dispatch(ids: list[int]) -> bool:
    """Hand deliveries to the RQ queue (after the commit that made them). False when
    there is no queue (the embedded default) or Redis cannot be reached: they stay
    pending and ``mrc webhook send-due`` sends them. Never raises: the commit is done."""
    try:
        return all(queue_call(WORKER_FUNCTION, (delivery_id,),
                              job_id=f"mrc-webhook-{delivery_id}") for delivery_id in ids)
    except Exception:  # noqa: BLE001 - the deliveries are kept; send-due sends them
        current_app.logger.warning("webhooks: queue unavailable, %s deliveries wait for "
                                   "send-due", len(ids))
        return False


def send_due(now: datetime | None = None) -> dict[str, int]:
    """Every delivery that is due: queued (with Redis) or sent here, now (without).
    Counts by what happened."""
    when = now or _now()
    ids = due_ids(when)
    db.session.commit()
    counts: dict[str, Any] = {"due": len(ids), "queued": 0, "delivered": 0, "pending": 0,
                              "failed": 0}
    if ids and settings().redis_url and dispatch(ids):
        counts["queued"] = len(ids)
        return counts
    for delivery_id in ids:
        outcome = deliver(delivery_id, when)
        if outcome is not None:
            counts[outcome] += 1
    return counts


def deliver_in_worker(delivery_id: int) -> None:
    """Entry point for RQ: the app from the environment, one delivery inside it."""
    from mrc import create_app

    app = create_app()
    with app.app_context():
        try:
            deliver(delivery_id)
        finally:
            release_connections()

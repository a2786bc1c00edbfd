"""Webhook subscriptions: made, listed, deleted and tested by their owner; the follow-ups
that fell due. Services add and flush; the caller commits. Making, deleting and testing a
subscription are audited (ids only: never the secret, never the address)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import uuid4

from flask_babel import gettext as _
from sqlalchemy import Select, select, update

from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.cases.models import Client, FollowUp
from mrc.extensions import db
from mrc.keys import keyring
from mrc.settings import settings
from mrc.validation import ValidationError
from mrc.webhooks import events, signing, transport
from mrc.webhooks.models import WebhookDelivery, WebhookSubscription

MAX_SUBSCRIPTIONS = 20


@dataclass(frozen=True)
class NewSubscription:
    record: WebhookSubscription
    secret: str  # shown once


def _now() -> datetime:
    return datetime.now(UTC)


def subscriptions(user: User) -> list[WebhookSubscription]:
    """The user's subscriptions that are not deleted, oldest first."""
    return list(db.session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.user_id == user.id, WebhookSubscription.deleted_at.is_(None))
        .order_by(WebhookSubscription.id)))


def own_subscription(user: User, subscription_id: int) -> WebhookSubscription | None:
    """The subscription if it is the user's and not deleted (another's is None: a 404)."""
    record = db.session.get(WebhookSubscription, subscription_id)
    if record is None or record.user_id != user.id or record.deleted_at is not None:
        return None
    return record


def _errors(user: User, name: str, url: str, types: list[str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not 1 <= len(name) <= 64:
        errors["name"] = _("Give the webhook a name of 1 to 64 characters.")
    try:
        transport.parse(url, settings().webhook_allow_http_local)
    except transport.RefusedURL:
        errors["url"] = _("Give an https:// address on the public internet.")
    refused = sorted(set(types) - set(events.allowed_types(user)))
    if not types or refused:
        errors["events"] = _("Your role can receive these events only: %(types)s.",
                             types=", ".join(events.allowed_types(user)) or "-")
    if len(subscriptions(user)) >= MAX_SUBSCRIPTIONS:
        errors["name"] = _("You have %(n)s webhooks already; delete one first.",
                           n=MAX_SUBSCRIPTIONS)
    return errors


def create_subscription(user: User, name: str, url: str, types: list[str], *,
                        actor: User | None = None) -> NewSubscription:
    """A new subscription of ``user`` to ``types`` (each one the user's role may receive)
    at ``url`` (checked by :func:`mrc.webhooks.transport.parse`), with a new secret.
    ValidationError naming the fields otherwise."""
    name, url = name.strip(), url.strip()
    wanted = [t for t in events.EVENT_TYPES if t in set(types)]
    errors = _errors(user, name, url, list(types))
    if errors:
        raise ValidationError(errors)
    secret = signing.new_secret()
    record = WebhookSubscription(user_id=user.id, name=name, url=url, event_types=wanted,
                                 secret_enc=keyring().cipher.encrypt(secret), active=True,
                                 created_at=_now())
    db.session.add(record)
    db.session.flush()
    audit.record("create", "webhook", record.id, mrc_id=user.mrc_id,
                 detail=f"events={','.join(wanted)}", user=actor or user)
    return NewSubscription(record, secret)


def delete_subscription(record: WebhookSubscription, *, actor: User | None = None) -> None:
    """Stop a subscription at once: its secret is erased, its waiting deliveries fail, its
    delivery log is kept."""
    now = _now()
    record.active, record.deleted_at = False, now
    record.secret_enc = ""
    db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.subscription_id == record.id, WebhookDelivery.status == "pending")
        .values(status="failed", next_attempt_at=None, last_error="subscription deleted")
        .execution_options(synchronize_session=False))
    audit.record("revoke", "webhook", record.id, mrc_id=record.user.mrc_id,
                 user=actor or record.user)


def send_test(record: WebhookSubscription, *, actor: User | None = None) -> WebhookDelivery:
    """A ``ping`` delivery to the subscription (sent as every delivery is, after commit)."""
    now = _now()
    delivery = WebhookDelivery(
        subscription_id=record.id, event_type=events.PING, event_id=f"ping:{uuid4().hex}",
        payload={"subscription_id": record.id}, status="pending", attempts=0,
        next_attempt_at=now, last_error="", created_at=now)
    db.session.add(delivery)
    db.session.flush()
    db.session.info.setdefault(events.DISPATCH_KEY, []).append(delivery.id)
    audit.record("create", "webhook_test", record.id, user=actor or record.user)
    return delivery


def deliveries(record: WebhookSubscription) -> Select[WebhookDelivery]:
    """The subscription's delivery log (the caller orders and pages it)."""
    return select(WebhookDelivery).where(WebhookDelivery.subscription_id == record.id)


def emit_due_followups(day: date) -> int:
    """One ``followup.due`` event per pending wave that falls due on ``day`` (of a client
    who consented to follow-up and was not erased, as the worklist lists them); each
    subscription gets each wave's event once, however often this runs. The number of
    waves; their deliveries are made when the caller commits."""
    waves = list(db.session.scalars(
        select(FollowUp).join(Client, Client.id == FollowUp.client_id)
        .where(FollowUp.status == "pending", FollowUp.due_date == day,
               Client.followup_consent.is_(True), Client.erased_at.is_(None))
        .order_by(FollowUp.id)))
    session = db.session()
    for wave in waves:
        events.emit(session, events.followup_event(session, wave))
    return len(waves)

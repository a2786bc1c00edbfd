"""What a subscription can receive: the event types, which roles may subscribe to each,
the payloads, and how an event becomes deliveries.

An event is *emitted* into the current transaction (``db.session.info``); when that
transaction commits, its events become one pending delivery per subscription that may
receive it, in the same commit, and once the commit is done the deliveries are handed to
the queue (:func:`mrc.webhooks.delivery.dispatch`). A rolled-back transaction emits
nothing. A subscription receives an event only when the event's type is one it asked for
and its owner's role may see (:data:`ROLE_EVENTS`), and everything the event is about lies
inside the owner's scope (:func:`mrc.scope.mrc_ids_in_scope`): a counsellor's subscription
hears of sessions of the counsellor's own MRC and of no other. Each subscription gets an
event once (its event id is unique per subscription).

Payloads carry ids, codes, dates and published shares, never anything about a person: no
client code, name, phone number or free text (``tests/webhooks`` checks every type)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event as orm_event
from sqlalchemy import select
from sqlalchemy.orm import Session, SessionTransaction

from mrc.auth.models import Role, User
from mrc.cases.models import CounsellingSession, FollowUp
from mrc.config import API_PATH
from mrc.jobs.models import Job
from mrc.org.models import MRC
from mrc.scope import mrc_ids_in_scope
from mrc.webhooks.models import WebhookDelivery, WebhookSubscription

SESSION_LOGGED = "session.logged"
FOLLOWUP_DUE = "followup.due"
REPORT_READY = "report.ready"
SIGNAL_RAISED = "signal.raised"
PING = "ping"  # sent on request (POST /webhooks/<id>/test); nobody subscribes to it
EVENT_TYPES = (SESSION_LOGGED, FOLLOWUP_DUE, REPORT_READY, SIGNAL_RAISED)

# Who may subscribe to what: what the role sees in the application. Case workers see their
# MRC's records (by id); supervisors, admins and evaluators see outputs; managers also
# see their MRC's trend signals, as on the signals page. A partner has no event yet.
ROLE_EVENTS: dict[Role, tuple[str, ...]] = {
    Role.COUNSELLOR: (SESSION_LOGGED, FOLLOWUP_DUE),
    Role.MANAGER: (SESSION_LOGGED, FOLLOWUP_DUE, SIGNAL_RAISED),
    Role.SUPERVISOR: (REPORT_READY, SIGNAL_RAISED),
    Role.ADMIN: (REPORT_READY, SIGNAL_RAISED),
    Role.EVALUATOR: (REPORT_READY,),
    Role.PARTNER: (),
}
# The job kinds whose end is a report.ready: outputs to download.
REPORT_KINDS = frozenset({"quarterly_report", "panel_export"})

PENDING_KEY = "mrc.webhooks.pending"
DISPATCH_KEY = "mrc.webhooks.dispatch"
MRC_CODES_KEY = "mrc.webhooks.mrc_codes"


@dataclass(frozen=True)
class Event:
    """One event: ``mrc_ids`` is what it is about (every one must be in a subscriber's
    scope); ``user_id`` limits it to one user's subscriptions (a job's owner);
    ``subscription_ids`` to those subscriptions (an event evaluated per subscriber)."""

    type: str
    id: str
    payload: dict[str, Any]
    mrc_ids: frozenset[int] = frozenset()
    user_id: int | None = None
    subscription_ids: frozenset[int] | None = None
    session_id: int | None = field(default=None, compare=False)


def allowed_types(user: User) -> tuple[str, ...]:
    return ROLE_EVENTS.get(user.role_enum, ())


def emit(session: Session, event: Event) -> None:
    """Add ``event`` to the transaction: it becomes deliveries when the transaction commits."""
    session.info.setdefault(PENDING_KEY, []).append(event)


def mrc_code(session: Session, mrc_id: int) -> str:
    codes: dict[int, str] = session.info.setdefault(MRC_CODES_KEY, {})
    if mrc_id not in codes:
        codes[mrc_id] = str(session.scalar(select(MRC.code).where(MRC.id == mrc_id)))
    return codes[mrc_id]


# --- the payloads --------------------------------------------------------------------------

def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def session_event(session: Session, record: CounsellingSession) -> Event:
    payload = {"session_id": record.id, "client_id": record.client_id,
               "mrc": mrc_code(session, record.mrc_id), "date": _day(record.date),
               "kind": "baseline" if record.is_baseline else "return_visit"}
    return Event(SESSION_LOGGED, f"session:{record.id}", payload, frozenset({record.mrc_id}),
                 session_id=record.id)


def followup_event(session: Session, wave: FollowUp) -> Event:
    payload = {"followup_id": wave.id, "client_id": wave.client_id,
               "mrc": mrc_code(session, wave.mrc_id), "wave": wave.wave,
               "due_date": _day(wave.due_date)}
    return Event(FOLLOWUP_DUE, f"followup:{wave.id}:{_day(wave.due_date)}", payload,
                 frozenset({wave.mrc_id}))


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def report_event(job: Job) -> Event | None:
    """A finished output job's report.ready, for its owner's subscriptions only."""
    if job.kind not in REPORT_KINDS or job.user_id is None:
        return None
    payload = {"job_id": job.id, "kind": job.kind, "finished_at": _iso(job.finished_at),
               "job": f"{API_PATH}v1/jobs/{job.id}"}
    return Event(REPORT_READY, f"job:{job.id}", payload, user_id=job.user_id)


def signal_event(signal: dict[str, Any], subscription_ids: Iterable[int]) -> Event:
    """A published signal (:func:`mrc.trends.services.as_dict`: shares, never counts)."""
    key = ":".join(str(signal[k]) for k in ("week", "unit_kind", "unit", "dimension", "value"))
    return Event(SIGNAL_RAISED, f"signal:{key}", dict(signal),
                 subscription_ids=frozenset(subscription_ids))


# --- from events to deliveries -------------------------------------------------------------

def _live(session: Session, events: list[Event]) -> list[Event]:
    """The events whose session still exists (a savepoint rolled back may have taken it)."""
    ids = {e.session_id for e in events if e.session_id is not None}
    if not ids:
        return events
    found = set(session.scalars(select(CounsellingSession.id)
                                .where(CounsellingSession.id.in_(ids))))
    return [e for e in events if e.session_id is None or e.session_id in found]


def _receives(event: Event, subscription: WebhookSubscription, owner: User,
              scope: set[int]) -> bool:
    if event.type not in subscription.event_types or event.type not in allowed_types(owner):
        return False
    if event.user_id is not None and event.user_id != owner.id:
        return False
    if event.subscription_ids is not None and subscription.id not in event.subscription_ids:
        return False
    return event.mrc_ids <= scope


def active_subscriptions(session: Session) -> list[tuple[WebhookSubscription, User]]:
    rows = session.execute(
        select(WebhookSubscription, User).join(User, User.id == WebhookSubscription.user_id)
        .where(WebhookSubscription.active.is_(True), User.active.is_(True))
        .order_by(WebhookSubscription.id)).all()
    return [(s, u) for s, u in rows]


def record_deliveries(session: Session, events: list[Event],
                      now: datetime | None = None) -> list[WebhookDelivery]:
    """One pending delivery per event and subscription that receives it (and has not
    received it yet); added and flushed."""
    subscribed = active_subscriptions(session)  # most commits: none, and one query only
    events = _live(session, events) if subscribed else []
    if not events:
        return []
    scopes: dict[int, set[int]] = {}
    made: list[WebhookDelivery] = []
    when = now or datetime.now(UTC)
    for subscription, owner in subscribed:
        if owner.id not in scopes:
            scopes[owner.id] = set(session.scalars(mrc_ids_in_scope(owner)))
        wanted = {e.id: e for e in events
                  if _receives(e, subscription, owner, scopes[owner.id])}
        if not wanted:
            continue
        had = set(session.scalars(select(WebhookDelivery.event_id).where(
            WebhookDelivery.subscription_id == subscription.id,
            WebhookDelivery.event_id.in_(wanted))))
        for event_id, e in wanted.items():
            if event_id not in had:
                made.append(WebhookDelivery(
                    subscription_id=subscription.id, event_type=e.type, event_id=event_id,
                    payload=e.payload, status="pending", attempts=0, next_attempt_at=when,
                    last_error="", created_at=when))
    session.add_all(made)
    session.flush()
    return made


def _before_commit(session: Session) -> None:
    events: list[Event] = session.info.pop(PENDING_KEY, [])
    if events:
        made = record_deliveries(session, events)
        session.info.setdefault(DISPATCH_KEY, []).extend(d.id for d in made)


def _after_commit(session: Session) -> None:
    ids: list[int] = session.info.pop(DISPATCH_KEY, [])
    if ids:
        from mrc.webhooks.delivery import dispatch

        dispatch(ids)


def _after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(PENDING_KEY, None)
        session.info.pop(DISPATCH_KEY, None)


_SESSION_HOOKS = (("before_commit", _before_commit), ("after_commit", _after_commit),
                  ("after_soft_rollback", _after_rollback))


def install_session_hooks() -> None:
    """Hook the commit of every ORM session, once per process (idempotent)."""
    for name, hook in _SESSION_HOOKS:
        if not orm_event.contains(Session, name, hook):
            orm_event.listen(Session, name, hook)

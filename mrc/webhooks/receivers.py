"""The webhooks' ears: receivers of the capture, job and trend signals (:mod:`mrc.signals`)
that emit events into the sender's transaction (:mod:`mrc.webhooks.events`)."""

from __future__ import annotations

from datetime import date

from mrc import signals
from mrc.cases.models import CounsellingSession
from mrc.extensions import db
from mrc.jobs.models import Job
from mrc.webhooks import events


def session_logged(record: CounsellingSession) -> None:
    events.emit(db.session(), events.session_event(db.session(), record))


def job_finished(job: Job) -> None:
    found = events.report_event(job)
    if found is not None:
        events.emit(db.session(), found)


def trends_scored(week: date) -> None:
    """The week's published signals for each subscriber's own scope (as the signal alerts
    evaluate them: each distinct scope once)."""
    from mrc.aggregates.hierarchy import org
    from mrc.scope import mrc_ids_in_scope
    from mrc.trends import services as trends

    session = db.session()
    subscribers: dict[frozenset[int], list[int]] = {}
    for subscription, owner in events.active_subscriptions(session):
        if events.SIGNAL_RAISED in subscription.event_types \
                and events.SIGNAL_RAISED in events.allowed_types(owner):
            scope = frozenset(session.scalars(mrc_ids_in_scope(owner)))
            if scope:
                subscribers.setdefault(scope, []).append(subscription.id)
    for scope, subscription_ids in subscribers.items():
        shown = trends.publish(trends.evaluate(org(sorted(scope)), week))
        for signal in shown:
            events.emit(session, events.signal_event(trends.as_dict(signal), subscription_ids))


def install() -> None:
    """Connect the receivers and hook every session's commit; idempotent (blinker keys
    receivers by identity; ``weak=False``: they live as long as the process)."""
    signals.session_logged.connect(session_logged, weak=False)
    signals.job_finished.connect(job_finished, weak=False)
    signals.trends_scored.connect(trends_scored, weak=False)
    events.install_session_hooks()

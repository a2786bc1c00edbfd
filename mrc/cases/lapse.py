"""Lapsed follow-ups: a wave still pending more than ``MRC_FOLLOWUP_LAPSE_DAYS`` (default 60)
after its due date is given up. It leaves the worklist and counts as not reached.

The status is stored (``lapsed``), so that the monthly summaries, which are kept per client
through :data:`mrc.signals.client_changing`, count it like a wave given up by a counsellor.
:func:`lapse_overdue_followups` is the sweep (``mrc lapse-followups``, run daily); until it
has run, the worklist and the attempt page already treat such a wave as closed
(:func:`open_on`), so only the statistics wait for the sweep.

An attempt dated within the window still closes a lapsed wave (an import of attempts made
before the wave lapsed); an attempt dated after it does not.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, select, update

from mrc import signals
from mrc.audit import services as audit
from mrc.cases.models import FollowUp
from mrc.extensions import db
from mrc.settings import settings

# Statuses a wave may take an attempt in (if the attempt is dated within the window).
OPEN_STATUSES = ("pending", "lapsed")


def lapse_cutoff(today: date | None = None) -> date:
    """The earliest due date of a wave still open on ``today``: a pending wave due before
    it has lapsed."""
    return (today or date.today()) - timedelta(days=settings().followup_lapse_days)


def open_on(followup: FollowUp, when: date) -> bool:
    """Whether the wave could take an attempt made on ``when``: not closed (reached, given
    up, cancelled) and ``when`` not more than the lapse horizon after the due date."""
    return followup.status in OPEN_STATUSES and followup.due_date >= lapse_cutoff(when)


def lapse_overdue_followups(scope: Select[FollowUp] | None = None, *, today: date | None = None,
                            limit: int = 500) -> int:
    """Mark up to ``limit`` pending waves of ``scope`` (default: every MRC) that are past the
    lapse horizon as ``lapsed``; returns how many. Sends ``client_changing`` for each client
    first. Idempotent; the caller commits, and calls again until it returns 0."""
    query = scope if scope is not None else select(FollowUp)
    cutoff = lapse_cutoff(today)
    due = db.session.execute(
        query.with_only_columns(FollowUp.id, FollowUp.client_id)
        .where(FollowUp.status == "pending", FollowUp.due_date < cutoff)
        .order_by(FollowUp.client_id, FollowUp.id).limit(limit)).all()
    if not due:
        return 0
    for client_id in sorted({client_id for _id, client_id in due}):
        signals.client_changing.send(client_id)
    # Guarded by the status again: a wave closed meanwhile by an attempt stays closed.
    db.session.execute(update(FollowUp)
                       .where(FollowUp.id.in_([followup_id for followup_id, _c in due]),
                              FollowUp.status == "pending")
                       .values(status="lapsed")
                       .execution_options(synchronize_session="fetch"))
    db.session.flush()
    audit.record("update", "follow_up", None, detail=f"lapsed={len(due)}")
    return len(due)

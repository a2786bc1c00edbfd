"""Follow-ups: the waves scheduled from a client's baseline session and the contact
attempts that close them (the worklist of those due: :mod:`mrc.cases.worklist`; waves given
up past the horizon: :mod:`mrc.cases.lapse`).

Services add and flush; the caller commits. Changing a client's follow-ups sends
:data:`mrc.signals.client_changing` first, as every change of a client's records does.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from mrc import signals
from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.cases import awareness, vocab
from mrc.cases.lapse import lapse_cutoff, open_on
from mrc.cases.models import Client, CounsellingSession, FollowUp, FollowUpAttempt
from mrc.cases.rules import check_awareness
from mrc.cases.stamps import actor_id
from mrc.extensions import db
from mrc.settings import settings
from mrc.validation import ValidationError


def baseline_date(client: Client) -> date | None:
    """Date of the client's baseline (first) session; None before any session."""
    return db.session.scalar(
        select(CounsellingSession.date).where(CounsellingSession.client_id == client.id,
                                              CounsellingSession.is_baseline,
                                              CounsellingSession.live())
    )


def wave_offsets() -> tuple[int, ...]:
    """Days after the baseline of each follow-up wave, wave 1 first."""
    return settings().followup_waves_days


def schedule_followups(client: Client, baseline: date | None = None) -> list[FollowUp]:
    """Create (or move) the pending follow-up waves from the baseline. Idempotent."""
    baseline = baseline or baseline_date(client)
    if baseline is None or not client.followup_consent or client.erased_at is not None:
        return []
    existing = {f.wave: f for f in db.session.scalars(
        select(FollowUp).where(FollowUp.client_id == client.id))}
    result = []
    for wave, days in enumerate(wave_offsets(), start=1):
        due = baseline + timedelta(days=days)
        followup = existing.get(wave)
        if followup is None:
            followup = FollowUp(client_id=client.id, mrc_id=client.mrc_id, wave=wave,
                                due_date=due, status="pending")
            db.session.add(followup)
        elif followup.status in ("pending", "cancelled", "lapsed"):
            # Cancelled waves (consent withdrawn) reopen when consent is given again; a
            # lapsed wave whose baseline moved reopens if it is no longer past the horizon.
            if followup.status != "lapsed" or due >= lapse_cutoff():
                followup.status = "pending"
            followup.due_date = due
        result.append(followup)
    db.session.flush()
    return result


def cancel_pending_followups(client: Client) -> None:
    """Cancel the client's waves still pending (consent withdrawn, client erased)."""
    db.session.execute(update(FollowUp)
                       .where(FollowUp.client_id == client.id, FollowUp.status == "pending")
                       .values(status="cancelled"))


def attempt_rule_errors(followup: FollowUp, data: dict[str, Any], today: date
                        ) -> dict[str, str]:
    """Rules of an attempt's own fields (also when one is corrected): dated between the
    baseline and today, a known method, and one that reached the client carries the outcome."""
    errors: dict[str, str] = {}
    when = data.get("date")
    baseline = baseline_date(followup.client)
    if when is None or when > today:
        errors["date"] = _("The attempt date cannot be in the future.")
    elif baseline is not None and when < baseline:
        errors["date"] = _("A follow-up cannot be before the baseline session.")
    if data.get("method") not in vocab.ATTEMPT_METHOD:
        errors["method"] = _("Choose one of the listed values.")
    if data.get("reached"):
        if data.get("location_status") not in vocab.LOCATION_STATUS:
            errors["location_status"] = _("Choose one of the listed values.")
        if data.get("intention") not in vocab.INTENTION:
            errors["intention"] = _("Choose one of the listed values.")
        check_awareness(data, errors)
    return errors


def _attempt_errors(followup: FollowUp, data: dict[str, Any], today: date) -> dict[str, str]:
    """The rules of a new attempt: those of its fields, on a wave still open that day."""
    errors = attempt_rule_errors(followup, data, today)
    when = data.get("date")
    if when is not None and not open_on(followup, when):
        errors["status"] = _("This follow-up is already closed.")
    return errors


def _record_outcome(followup: FollowUp, data: dict[str, Any], when: date) -> None:
    """What the client said, on the wave (only when the attempt reached them)."""
    answers = data.get("awareness_answers") or None
    followup.status = "reached"
    followup.completed_on = when
    followup.location_status = data["location_status"]
    followup.intention = data["intention"]
    followup.awareness_version = awareness.CURRENT_VERSION if answers else None
    followup.awareness_answers = answers
    followup.awareness_score = awareness.score(answers) if answers else None
    followup.used_mrc_info = data.get("used_mrc_info")


def record_attempt(followup: FollowUp, data: dict[str, Any], user: User | None,
                   today: date | None = None) -> FollowUpAttempt:
    """Log a contact attempt; an attempt that reached the client must carry the outcome.
    One that did not may give the wave up (``give_up``: the client is unreachable)."""
    signals.client_changing.send(followup.client_id)
    errors = _attempt_errors(followup, data, today or date.today())
    if errors:
        raise ValidationError(errors)
    when = data["date"]
    reached = bool(data.get("reached"))
    attempt = FollowUpAttempt(followup_id=followup.id, date=when, method=data["method"],
                              reached=reached, counsellor_id=actor_id(user))
    db.session.add(attempt)
    if reached:
        _record_outcome(followup, data, when)
    elif data.get("give_up"):
        followup.status = "unreachable"
        followup.completed_on = when
    db.session.flush()
    if user is not None:
        audit.record("create", "follow_up_attempt", attempt.id, mrc_id=followup.mrc_id,
                     user=user, detail="reached" if reached else "not_reached")
    return attempt

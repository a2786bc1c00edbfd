"""Correcting mistakes: editing a session, a follow-up attempt or a client's coarse fields,
and deleting a session entered in error (soft: kept, but counted nowhere).

Every correction takes a reason from a coded list (:data:`REASONS`; never free text, which
could carry personal data) and writes an audit event with the reason and the before/after
values of the coarse fields, compactly ("reason=typing_error;sex:male>female"). Notes and
phone numbers are never written there: only "notes changed" / "phone changed".

Services add and flush; the caller commits. Each sends :data:`mrc.signals.client_changing`
before it changes anything, so the summary tables follow at commit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from mrc import signals
from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.cases import awareness, vocab
from mrc.cases.clients import CLIENT_EDITABLE, update_client
from mrc.cases.encryption import decrypt_notes
from mrc.cases.followups import (
    attempt_rule_errors,
    cancel_pending_followups,
    schedule_followups,
)
from mrc.cases.lapse import lapse_cutoff
from mrc.cases.models import Client, CounsellingSession, FollowUp, FollowUpAttempt
from mrc.cases.rules import validate_client, validate_session
from mrc.cases.stamps import actor_id, now
from mrc.extensions import db
from mrc.keys import keyring
from mrc.validation import ValidationError

REASONS = {
    "typing_error": _l("Typing error"),
    "wrong_client": _l("Entered for the wrong client"),
    "wrong_date": _l("Wrong date"),
    "duplicate": _l("Entered twice"),
    "other": _l("Another mistake"),
}

MAX_DETAIL = 255  # audit_event.detail
Change = tuple[str, Any, Any]


# --- the audit detail ----------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def audit_detail(reason: str, changes: list[Change], flags: tuple[str, ...] = ()) -> str:
    """``reason=…;field:before>after;…;flag`` within the audit column; when too long, the
    longest pairs shrink to ``field changed`` until it fits."""
    pairs = {name: f"{name}:{_text(old)}>{_text(new)}" for name, old, new in changes}

    def joined() -> str:
        return ";".join([f"reason={reason}", *pairs.values(), *flags])

    while len(joined()) > MAX_DETAIL:
        name = max(pairs, key=lambda n: len(pairs[n]) - len(n))
        if pairs[name] == f"{name} changed":
            break
        pairs[name] = f"{name} changed"
    return joined()[:MAX_DETAIL]


def _check_reason(reason: str | None, errors: dict[str, str]) -> None:
    if reason not in REASONS:
        errors["reason"] = _("Choose the reason for the correction.")


def _refuse_erased(client: Client) -> None:
    if client.erased_at is not None:
        raise ValidationError({"client": _("This client was erased and cannot be changed.")})


def _apply(record: Any, values: dict[str, Any]) -> list[Change]:
    """Set the values that differ; the (field, before, after) of each."""
    changes = []
    for name, new in values.items():
        old = getattr(record, name)
        if old != new:
            changes.append((name, old, new))
            setattr(record, name, new)
    return changes


# --- the baseline --------------------------------------------------------------------------

def _first_live(client_id: int) -> CounsellingSession | None:
    return db.session.scalars(
        select(CounsellingSession)
        .where(CounsellingSession.client_id == client_id, CounsellingSession.live())
        .order_by(CounsellingSession.date, CounsellingSession.id).limit(1)).first()


def rebase(client: Client) -> None:
    """Make the earliest remaining session the baseline; pending waves move with its date,
    and are cancelled when no session remains."""
    db.session.flush()
    first = _first_live(client.id)
    for s in db.session.scalars(select(CounsellingSession)
                                .where(CounsellingSession.client_id == client.id)):
        s.is_baseline = first is not None and s.id == first.id
    db.session.flush()
    if first is None:
        cancel_pending_followups(client)
    else:
        schedule_followups(client, baseline=first.date)
    db.session.expire(client, ["sessions", "followups"])


def _first_attempt(client_id: int) -> date | None:
    return db.session.scalar(select(func.min(FollowUpAttempt.date))
                             .join(FollowUp, FollowUp.id == FollowUpAttempt.followup_id)
                             .where(FollowUp.client_id == client_id))


def _new_baseline(session: CounsellingSession, when: date) -> date:
    """The baseline date once ``session`` is dated ``when``."""
    others = db.session.scalar(select(func.min(CounsellingSession.date)).where(
        CounsellingSession.client_id == session.client_id, CounsellingSession.live(),
        CounsellingSession.id != session.id))
    return when if others is None else min(when, others)


# --- sessions ------------------------------------------------------------------------------

def _session_errors(session: CounsellingSession, data: dict[str, Any],
                    reason: str | None) -> dict[str, str]:
    errors = validate_session(data, None)
    _check_reason(reason, errors)
    when = data.get("date")
    if when is not None and "date" not in errors:
        first_attempt = _first_attempt(session.client_id)
        if when < session.client.registered_on:
            errors["date"] = _("The session date cannot be before the client was registered.")
        elif first_attempt is not None and first_attempt < _new_baseline(session, when):
            errors["date"] = _("A follow-up attempt is dated before this date: the first "
                               "session cannot come after a follow-up.")
    return errors


def _session_values(data: dict[str, Any], session: CounsellingSession) -> dict[str, Any]:
    answers = data.get("awareness_answers") or None
    # Unchanged answers keep the questionnaire version they were asked in.
    version = (session.awareness_version if answers == session.awareness_answers
               else awareness.CURRENT_VERSION)
    values = {
        "date": data["date"], "channel": data["channel"], "language": data["language"],
        "topics": vocab.to_mask(data.get("topics") or [], vocab.TOPICS),
        "destination": (data.get("destination") or "").upper() or None,
        "intention": data["intention"],
        "awareness_answers": answers,
        "awareness_version": version,
        "awareness_score": awareness.score(answers, version) if answers else None,
        "referrals": vocab.to_mask(data.get("referrals") or [], vocab.REFERRALS),
        "duration_minutes": data.get("duration_minutes"),
        **vocab.context_values(data),
    }
    if all(values[name] == getattr(session, name) for name in vocab.CONTEXT_FIELDS):
        # Unchanged answers keep the version of the questions they were given in.
        values["context_version"] = session.context_version
    return values


def _live_session(session: CounsellingSession) -> None:
    _refuse_erased(session.client)
    if session.deleted_at is not None:
        raise ValidationError({"session": _("This session was deleted.")})


def edit_session(session: CounsellingSession, data: dict[str, Any], reason: str | None,
                 user: User | None) -> list[str]:
    """Correct every field of a session (leaflets given are not changed here). A new date
    may make another session the baseline; the waves move with it. Returns the changed
    field names."""
    signals.client_changing.send(session.client_id)
    _live_session(session)
    errors = _session_errors(session, data, reason)
    if errors:
        raise ValidationError(errors)
    changes = _apply(session, _session_values(data, session))
    flags: tuple[str, ...] = ()
    notes = (data.get("notes") or "").strip()
    if notes != (decrypt_notes(session) or ""):
        session.notes_enc = keyring().cipher.encrypt(notes) if notes else None
        flags = ("notes changed",)
    if any(name == "date" for name, _old, _new in changes):
        rebase(session.client)
    db.session.flush()
    changed = [name for name, _old, _new in changes if name != "awareness_version"]
    changed += ["notes"] if flags else []
    if changed and user is not None:
        shown = [c for c in changes if c[0] not in ("awareness_version", "awareness_answers")]
        audit.record("update", "session", session.id, mrc_id=session.mrc_id, user=user,
                     detail=audit_detail(str(reason), shown, flags))
    return changed


def delete_session(session: CounsellingSession, reason: str | None, user: User | None) -> None:
    """Delete a session entered in error: kept, marked deleted, left out of every output.
    The next earliest session becomes the baseline (waves move); with none left, pending
    waves are cancelled."""
    signals.client_changing.send(session.client_id)
    _live_session(session)
    errors: dict[str, str] = {}
    _check_reason(reason, errors)
    if errors:
        raise ValidationError(errors)
    was_baseline = session.is_baseline
    session.deleted_at = now()
    session.deleted_by_id = actor_id(user)
    session.deleted_reason = reason
    session.is_baseline = False
    rebase(session.client)
    audit.record("update", "session", session.id, mrc_id=session.mrc_id, user=user,
                 detail=f"deleted;reason={reason}" + (";baseline" if was_baseline else ""))


# --- follow-up attempts ---------------------------------------------------------------------

def _attempt_errors(attempt: FollowUpAttempt, data: dict[str, Any], reason: str | None,
                    today: date) -> dict[str, str]:
    """A corrected attempt follows the rules of a new one (on its wave, whatever its status
    now), and only one attempt of a wave can have reached the client."""
    errors: dict[str, str] = {}
    _check_reason(reason, errors)
    errors.update(attempt_rule_errors(attempt.followup, data, today))
    if data.get("reached") and any(a.reached and a.id != attempt.id
                                   for a in attempt.followup.attempts):
        errors["reached"] = _("Another attempt of this follow-up already reached the client.")
    return errors


def _outcome_values(data: dict[str, Any], reached: bool, when: date) -> dict[str, Any]:
    answers = (data.get("awareness_answers") or None) if reached else None
    return {
        "completed_on": when if reached else None,
        "location_status": data.get("location_status") if reached else None,
        "intention": data.get("intention") if reached else None,
        "awareness_version": awareness.CURRENT_VERSION if answers else None,
        "awareness_answers": answers,
        "awareness_score": awareness.score(answers) if answers else None,
        "used_mrc_info": data.get("used_mrc_info") if reached else None,
    }


def _wave_values(attempt: FollowUpAttempt, data: dict[str, Any], was_reached: bool
                 ) -> dict[str, Any]:
    """The wave after the correction of one of its attempts: completed by the attempt that
    reached the client (with its outcome), reopened when that one turns out not to have."""
    followup = attempt.followup
    if attempt.reached:
        return {"status": "reached", **_outcome_values(data, True, attempt.date)}
    if was_reached:
        status = "pending" if followup.client.followup_consent else "cancelled"
        if status == "pending" and followup.due_date < lapse_cutoff():
            status = "lapsed"  # reopened past the horizon: as the daily sweep would leave it
        return {"status": status, **_outcome_values(data, False, attempt.date)}
    if followup.status == "unreachable":  # given up: on the day of the last attempt
        return {"completed_on": max(a.date for a in followup.attempts)}
    return {}


def edit_attempt(attempt: FollowUpAttempt, data: dict[str, Any], reason: str | None,
                 user: User | None, today: date | None = None) -> list[str]:
    """Correct an attempt (date, method, reached) and the outcome on its wave. Switching
    reached to not reached reopens the wave; the other way round completes it."""
    followup = attempt.followup
    signals.client_changing.send(followup.client_id)
    _refuse_erased(followup.client)
    errors = _attempt_errors(attempt, data, reason, today or date.today())
    if errors:
        raise ValidationError(errors)
    was_reached = attempt.reached
    changes = _apply(attempt, {"date": data["date"], "method": data["method"],
                               "reached": bool(data.get("reached"))})
    changes += _apply(followup, _wave_values(attempt, data, was_reached))
    db.session.flush()
    shown = [c for c in changes if c[0] not in ("awareness_version", "awareness_answers")]
    if changes and user is not None:
        audit.record("update", "follow_up_attempt", attempt.id, mrc_id=followup.mrc_id,
                     user=user, detail=audit_detail(str(reason), shown))
    return [name for name, _old, _new in changes]


# --- clients -------------------------------------------------------------------------------

def correct_client(client: Client, data: dict[str, Any], reason: str | None,
                   user: User | None) -> list[str]:
    """:func:`~mrc.cases.clients.update_client` with a reason, audited with the before and
    after of each coarse field (the phone only as "phone changed")."""
    errors: dict[str, str] = {}
    _check_reason(reason, errors)
    if errors:  # shown with the other mistakes of the form, nothing changed
        merged = {f: data.get(f, getattr(client, f)) for f in CLIENT_EDITABLE}
        raise ValidationError({**validate_client({**merged,
                                                  "registered_on": client.registered_on}),
                               **errors})
    before = {f: getattr(client, f) for f in CLIENT_EDITABLE}
    changed = update_client(client, data, None)
    if changed and user is not None:
        changes = [(f, before[f], getattr(client, f)) for f in CLIENT_EDITABLE if f in changed]
        flags = ("phone changed",) if "phone" in changed else ()
        audit.record("update", "client", client.id, mrc_id=client.mrc_id, user=user,
                     detail=audit_detail(str(reason), changes, flags))
    return changed

"""Counselling sessions: logging one, and the client's first session as the baseline.

Services add and flush; the caller commits. Logging a session sends
:data:`mrc.signals.client_changing` first, as every change of a client's records does, and
:data:`mrc.signals.session_logged` once the session is saved.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import update

from mrc import signals
from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.cases import awareness, vocab
from mrc.cases.followups import baseline_date, schedule_followups
from mrc.cases.models import Client, CounsellingSession
from mrc.cases.rules import validate_session
from mrc.cases.stamps import actor_id, now
from mrc.extensions import db
from mrc.keys import keyring
from mrc.leaflets import services as stock
from mrc.validation import ValidationError


def _session_errors(client: Client, data: dict[str, Any], baseline: date | None) -> dict[str, str]:
    errors = validate_session(data, baseline)
    when = data.get("date")
    if when is not None and when < client.registered_on and "date" not in errors:
        errors["date"] = _("The session date cannot be before the client was registered.")
    leaflets = data.get("leaflets") or []
    if leaflets and "leaflets" not in errors:
        try:  # checked before anything changes: a refused hand-out leaves no trace
            stock.check_hand_out(client.mrc_id, leaflets)
        except stock.StockError as exc:
            errors["leaflets"] = str(exc)
    return errors


def _new_session(client: Client, data: dict[str, Any], user: User | None,
                 is_baseline: bool) -> CounsellingSession:
    answers = data.get("awareness_answers") or None
    notes = (data.get("notes") or "").strip()
    return CounsellingSession(
        client_id=client.id,
        mrc_id=client.mrc_id,
        counsellor_id=actor_id(user) if data.get("counsellor_id") is None else data["counsellor_id"],
        date=data.get("date"),
        channel=data["channel"],
        language=data["language"],
        topics=vocab.to_mask(data.get("topics") or [], vocab.TOPICS),
        destination=(data.get("destination") or "").upper() or None,
        intention=data["intention"],
        **vocab.context_values(data),
        awareness_version=awareness.CURRENT_VERSION,
        awareness_answers=answers,
        awareness_score=awareness.score(answers) if answers else None,
        referrals=vocab.to_mask(data.get("referrals") or [], vocab.REFERRALS),
        duration_minutes=data.get("duration_minutes"),
        notes_enc=keyring().cipher.encrypt(notes) if notes else None,
        is_baseline=is_baseline,
        external_id=data.get("external_id"),
        created_at=now(),
    )


def log_session(client: Client, data: dict[str, Any], user: User | None) -> CounsellingSession:
    """Record a counselling session. The client's first session is the baseline, and
    logging it schedules the follow-up waves (if the client consented). Leaflets given
    (``leaflets``: hand-outs) are taken from the MRC's stock; ValidationError if any
    rule is broken, in which case nothing is written."""
    signals.client_changing.send(client.id)
    if client.erased_at is not None:
        raise ValidationError({"client": _("This client was erased and cannot be changed.")})
    baseline = baseline_date(client)
    errors = _session_errors(client, data, baseline)
    if errors:
        raise ValidationError(errors)
    when = data.get("date")
    is_baseline = baseline is None or bool(when and when < baseline)
    if baseline is not None and is_baseline:
        # An earlier session entered late becomes the baseline; waves move with it.
        db.session.execute(update(CounsellingSession)
                           .where(CounsellingSession.client_id == client.id)
                           .values(is_baseline=False))
    record = _new_session(client, data, user, is_baseline)
    db.session.add(record)
    db.session.flush()
    if is_baseline:
        schedule_followups(client, baseline=when)
    leaflets = data.get("leaflets") or []
    if leaflets:
        stock.hand_out(client.mrc_id, leaflets, kind="session", on_date=record.date,
                       session_id=record.id, user=user)
    if user is not None:
        audit.record("create", "session", record.id, mrc_id=client.mrc_id, user=user)
    signals.session_logged.send(record)
    return record

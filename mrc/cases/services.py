"""The counsellor's work: registering clients, logging sessions, following up, erasing.

Services add and flush; the caller (request, CLI command, job) commits once. Every service
that touches a record takes the acting user for the audit trail (None for system work
such as imports, which audit in bulk).

Input dictionaries hold already-typed values (forms and importers parse text); each
service re-validates the domain rules in ``validate_*`` so no path can store a bad record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pycountry
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update

from mrc.aggregates import summaries
from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.cases import awareness, vocab
from mrc.cases.models import Client, CounsellingSession, FollowUp, FollowUpAttempt
from mrc.extensions import db
from mrc.keys import keyring
from mrc.leaflets import services as stock
from mrc.org.models import MRC, Country
from mrc.privacy.codes import InvalidCode, generate_code, normalise_code
from mrc.privacy.phones import InvalidPhone, normalise_phone
from mrc.validation import ValidationError

MAX_NOTES_LENGTH = 4000
OLDEST_BIRTH_YEAR = 1900
MAX_DURATION_MINUTES = 600


def _now() -> datetime:
    return datetime.now(UTC)


def _actor_id(user: User | None) -> int | None:
    return user.id if user is not None and getattr(user, "is_authenticated", False) else None


def is_country(code: str | None) -> bool:
    return bool(code) and pycountry.countries.get(alpha_2=str(code).upper()) is not None


def client_mrc(client: Client) -> MRC:
    return db.session.get_one(MRC, client.mrc_id)


def mrc_country_code(mrc: MRC) -> str:
    return str(db.session.scalar(select(Country.code).where(Country.id == mrc.country_id)))


# --- validation -------------------------------------------------------------------------

def validate_client(data: dict[str, Any], today: date | None = None) -> dict[str, str]:
    """Domain rules for client fields; returns field → message for every broken rule."""
    today = today or date.today()
    errors: dict[str, str] = {}
    for field, options in (("sex", vocab.SEX), ("migrant_status", vocab.MIGRANT_STATUS),
                           ("education", vocab.EDUCATION), ("employment", vocab.EMPLOYMENT)):
        if data.get(field) not in options:
            errors[field] = _("Choose one of the listed values.")
    year = data.get("birth_year")
    if year is not None and not (OLDEST_BIRTH_YEAR <= year <= today.year):
        errors["birth_year"] = _("Enter a birth year between %(low)s and %(high)s.",
                                 low=OLDEST_BIRTH_YEAR, high=today.year)
    nationality = data.get("nationality")
    if nationality and not is_country(nationality):
        errors["nationality"] = _("Unknown country code.")
    province = data.get("province")
    if province and pycountry.subdivisions.get(code=province) is None:
        errors["province"] = _("Unknown province code.")
    registered = data.get("registered_on")
    if registered is None or registered > today:
        errors["registered_on"] = _("The registration date cannot be in the future.")
    consent_date = data.get("consent_date")
    if data.get("followup_consent"):
        if consent_date is None:
            errors["consent_date"] = _("Enter the date consent to follow-up was given.")
        elif consent_date > today:
            errors["consent_date"] = _("The consent date cannot be in the future.")
    return errors


def _check_awareness(data: dict[str, Any], errors: dict[str, str]) -> None:
    """Awareness answers, when given, answer every question of the set."""
    answers = data.get("awareness_answers")
    if answers:
        try:
            awareness.score(answers)
        except ValueError:
            errors["awareness_answers"] = _("Answer every awareness question.")


def validate_session(data: dict[str, Any], baseline: date | None,
                     today: date | None = None) -> dict[str, str]:
    today = today or date.today()
    errors: dict[str, str] = {}
    when = data.get("date")
    if when is None or when > today:
        errors["date"] = _("The session date cannot be in the future.")
    if data.get("channel") not in vocab.CHANNEL:
        errors["channel"] = _("Choose one of the listed values.")
    if data.get("language") not in vocab.SESSION_LANGUAGE:
        errors["language"] = _("Choose one of the listed values.")
    if data.get("intention") not in vocab.INTENTION:
        errors["intention"] = _("Choose one of the listed values.")
    topic_codes = vocab.codes(vocab.TOPICS)
    if any(t not in topic_codes for t in data.get("topics") or []):
        errors["topics"] = _("Unknown topic.")
    referral_codes = vocab.codes(vocab.REFERRALS)
    if any(r not in referral_codes for r in data.get("referrals") or []):
        errors["referrals"] = _("Unknown referral.")
    destination = data.get("destination")
    if destination and not is_country(destination):
        errors["destination"] = _("Unknown country code.")
    duration = data.get("duration_minutes")
    if duration is not None and not (1 <= duration <= MAX_DURATION_MINUTES):
        errors["duration_minutes"] = _("Enter a duration between 1 and %(max)s minutes.",
                                       max=MAX_DURATION_MINUTES)
    _check_awareness(data, errors)
    notes = data.get("notes") or ""
    if len(notes) > MAX_NOTES_LENGTH:
        errors["notes"] = _("Notes are limited to %(max)s characters.", max=MAX_NOTES_LENGTH)
    return errors


# --- clients ----------------------------------------------------------------------------

def _phone_fields(phone: str | None, mrc: MRC) -> tuple[str | None, str | None]:
    """(ciphertext, blind index) of a typed phone number; ValidationError if malformed."""
    if not phone or not phone.strip():
        return None, None
    try:
        e164 = normalise_phone(phone, mrc_country_code(mrc))
    except InvalidPhone as exc:
        raise ValidationError({"phone": _("This is not a valid phone number.")}) from exc
    ring = keyring()
    return ring.cipher.encrypt(e164), ring.phone_index(e164)


def _unique_code() -> str:
    while True:
        code = generate_code()
        if db.session.scalar(select(func.count()).where(Client.code == code)) == 0:
            return code


def register_client(mrc: MRC, data: dict[str, Any], user: User | None) -> Client:
    """Create a client with a new random code. Raises ValidationError."""
    errors = validate_client(data)
    try:
        phone_enc, phone_index = _phone_fields(data.get("phone"), mrc)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    consent = bool(data.get("followup_consent"))
    client = Client(
        code=_unique_code(),
        mrc_id=mrc.id,
        sex=data["sex"],
        birth_year=data.get("birth_year"),
        province=data.get("province") or None,
        nationality=(data.get("nationality") or "").upper() or None,
        migrant_status=data["migrant_status"],
        education=data["education"],
        employment=data["employment"],
        phone_enc=phone_enc,
        phone_index=phone_index,
        followup_consent=consent,
        consent_date=data.get("consent_date") if consent else None,
        registered_on=data["registered_on"],
        external_id=data.get("external_id"),
        created_at=_now(),
        created_by_id=_actor_id(user),
    )
    db.session.add(client)
    db.session.flush()
    if user is not None:
        audit.record("create", "client", client.id, mrc_id=mrc.id, user=user)
    return client


CLIENT_EDITABLE = ("sex", "birth_year", "province", "nationality", "migrant_status",
                   "education", "employment", "followup_consent", "consent_date")


def update_client(client: Client, data: dict[str, Any], user: User | None) -> list[str]:
    """Change a client's coarse fields (and phone if ``phone`` is in data). Returns the names
    of changed fields, which is all the audit trail keeps."""
    summaries.client_changing(client.id)
    if client.erased_at is not None:
        raise ValidationError({"client": _("This client was erased and cannot be changed.")})
    merged = {f: getattr(client, f) for f in CLIENT_EDITABLE}
    merged["registered_on"] = client.registered_on
    merged.update({k: v for k, v in data.items() if k in CLIENT_EDITABLE})
    errors = validate_client(merged)
    # The phone is checked before anything changes, so a bad number leaves the client as it was.
    phone_fields: tuple[str | None, str | None] | None = None
    if "phone" in data:
        try:
            phone_fields = _phone_fields(data["phone"], client_mrc(client))
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    changed = [f for f in CLIENT_EDITABLE if merged[f] != getattr(client, f)]
    for f in changed:
        setattr(client, f, merged[f])
    if not client.followup_consent:
        client.consent_date = None
        _cancel_pending_followups(client)
    elif "followup_consent" in changed:
        schedule_followups(client)
    if phone_fields is not None:
        enc, index = phone_fields
        if index != client.phone_index:
            client.phone_enc, client.phone_index = enc, index
            changed.append("phone")
    db.session.flush()
    if changed and user is not None:
        audit.record("update", "client", client.id, mrc_id=client.mrc_id, user=user,
                     detail="fields=" + ",".join(changed))
    return changed


def find_by_code(mrc_scope: Select[Client], typed: str) -> Client | None:
    """The client with this code in the given scoped query; InvalidCode if malformed."""
    code = normalise_code(typed)
    return db.session.scalars(mrc_scope.where(Client.code == code)).first()


def find_by_phone(mrc_scope: Select[Client], typed: str, mrc: MRC) -> list[Client]:
    """Clients with this phone number (via the blind index, under every configured key)."""
    try:
        e164 = normalise_phone(typed, mrc_country_code(mrc))
    except InvalidPhone as exc:
        raise ValidationError({"phone": _("This is not a valid phone number.")}) from exc
    indexes = keyring().phone_index_candidates(e164)
    return list(db.session.scalars(mrc_scope.where(Client.phone_index.in_(indexes))))


def decrypt_phone(client: Client) -> str | None:
    return keyring().cipher.decrypt(client.phone_enc) if client.phone_enc else None


def decrypt_notes(session: CounsellingSession) -> str | None:
    return keyring().cipher.decrypt(session.notes_enc) if session.notes_enc else None


# --- sessions and follow-ups ------------------------------------------------------------

def baseline_date(client: Client) -> date | None:
    return db.session.scalar(
        select(CounsellingSession.date).where(CounsellingSession.client_id == client.id,
                                              CounsellingSession.is_baseline)
    )


def log_session(client: Client, data: dict[str, Any], user: User | None) -> CounsellingSession:
    """Record a counselling session. The client's first session is the baseline, and
    logging it schedules the follow-up waves (if the client consented)."""
    summaries.client_changing(client.id)
    if client.erased_at is not None:
        raise ValidationError({"client": _("This client was erased and cannot be changed.")})
    baseline = baseline_date(client)
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
    if errors:
        raise ValidationError(errors)
    answers = data.get("awareness_answers") or None
    notes = (data.get("notes") or "").strip()
    is_baseline = baseline is None or bool(when and when < baseline)
    if baseline is not None and is_baseline:
        # An earlier session entered late becomes the baseline; waves move with it.
        db.session.execute(update(CounsellingSession)
                           .where(CounsellingSession.client_id == client.id)
                           .values(is_baseline=False))
    record = CounsellingSession(
        client_id=client.id,
        mrc_id=client.mrc_id,
        counsellor_id=_actor_id(user) if data.get("counsellor_id") is None else data["counsellor_id"],
        date=when,
        channel=data["channel"],
        language=data["language"],
        topics=vocab.to_mask(data.get("topics") or [], vocab.TOPICS),
        destination=(data.get("destination") or "").upper() or None,
        intention=data["intention"],
        awareness_version=awareness.CURRENT_VERSION,
        awareness_answers=answers,
        awareness_score=awareness.score(answers) if answers else None,
        referrals=vocab.to_mask(data.get("referrals") or [], vocab.REFERRALS),
        duration_minutes=data.get("duration_minutes"),
        notes_enc=keyring().cipher.encrypt(notes) if notes else None,
        is_baseline=is_baseline,
        external_id=data.get("external_id"),
        created_at=_now(),
    )
    db.session.add(record)
    db.session.flush()
    if is_baseline:
        schedule_followups(client, baseline=when)
    if leaflets:
        stock.hand_out(client.mrc_id, leaflets, kind="session", on_date=record.date,
                       session_id=record.id, user=user)
    if user is not None:
        audit.record("create", "session", record.id, mrc_id=client.mrc_id, user=user)
    return record


def wave_offsets() -> tuple[int, ...]:
    offsets: tuple[int, ...] = current_app.config["MRC_FOLLOWUP_WAVES_DAYS"]
    return offsets


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
        elif followup.status in ("pending", "cancelled"):
            # Cancelled waves (consent withdrawn) reopen when consent is given again.
            followup.status = "pending"
            followup.due_date = due
        result.append(followup)
    db.session.flush()
    return result


def _cancel_pending_followups(client: Client) -> None:
    db.session.execute(update(FollowUp)
                       .where(FollowUp.client_id == client.id, FollowUp.status == "pending")
                       .values(status="cancelled"))


@dataclass
class WorklistRow:
    followup_id: int
    client_id: int
    client_code: str
    wave: int
    due_date: date
    attempts: int
    last_attempt: date | None


def due_followups(scope: Select[FollowUp], *, horizon_days: int = 14,
                  page: int = 1, per_page: int = 50,
                  today: date | None = None) -> tuple[list[WorklistRow], int]:
    """Pending waves due within ``horizon_days`` (overdue first, oldest first), only for
    clients who consented and were not erased. Returns (rows of the page, total rows)."""
    today = today or date.today()
    # Attempts are counted only for the rows of the page (correlated subqueries on the
    # followup_id index): grouping the whole attempts table made this page slower as the
    # database grew (260 ms instead of 1 ms at 300,000 clients, see benchmarks/).
    n_attempts = (select(func.count()).select_from(FollowUpAttempt)
                  .where(FollowUpAttempt.followup_id == FollowUp.id)
                  .correlate(FollowUp).scalar_subquery())
    last_attempt = (select(func.max(FollowUpAttempt.date))
                    .where(FollowUpAttempt.followup_id == FollowUp.id)
                    .correlate(FollowUp).scalar_subquery())
    base = (scope.join(Client, Client.id == FollowUp.client_id)
            .where(FollowUp.status == "pending",
                   FollowUp.due_date <= today + timedelta(days=horizon_days),
                   Client.followup_consent.is_(True),
                   Client.erased_at.is_(None)))
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows_query = (base.with_only_columns(FollowUp.id, Client.id, Client.code, FollowUp.wave,
                                         FollowUp.due_date, n_attempts, last_attempt)
                  .order_by(FollowUp.due_date, FollowUp.id)
                  .limit(per_page).offset((page - 1) * per_page))
    rows = [WorklistRow(*row) for row in db.session.execute(rows_query)]
    return rows, total


def record_attempt(followup: FollowUp, data: dict[str, Any], user: User | None,
                   today: date | None = None) -> FollowUpAttempt:
    """Log a contact attempt; an attempt that reached the client must carry the outcome."""
    summaries.client_changing(followup.client_id)
    today = today or date.today()
    client = followup.client
    errors: dict[str, str] = {}
    when = data.get("date")
    baseline = baseline_date(client)
    if when is None or when > today:
        errors["date"] = _("The attempt date cannot be in the future.")
    elif baseline is not None and when < baseline:
        errors["date"] = _("A follow-up cannot be before the baseline session.")
    if data.get("method") not in vocab.ATTEMPT_METHOD:
        errors["method"] = _("Choose one of the listed values.")
    if followup.status != "pending":
        errors["status"] = _("This follow-up is already closed.")
    reached = bool(data.get("reached"))
    if reached:
        if data.get("location_status") not in vocab.LOCATION_STATUS:
            errors["location_status"] = _("Choose one of the listed values.")
        if data.get("intention") not in vocab.INTENTION:
            errors["intention"] = _("Choose one of the listed values.")
        _check_awareness(data, errors)
    if errors:
        raise ValidationError(errors)
    attempt = FollowUpAttempt(followup_id=followup.id, date=when, method=data["method"],
                              reached=reached, counsellor_id=_actor_id(user))
    db.session.add(attempt)
    if reached:
        answers = data.get("awareness_answers") or None
        followup.status = "reached"
        followup.completed_on = when
        followup.location_status = data["location_status"]
        followup.intention = data["intention"]
        followup.awareness_version = awareness.CURRENT_VERSION if answers else None
        followup.awareness_answers = answers
        followup.awareness_score = awareness.score(answers) if answers else None
        followup.used_mrc_info = data.get("used_mrc_info")
    elif data.get("give_up"):
        followup.status = "unreachable"
        followup.completed_on = when
    db.session.flush()
    if user is not None:
        audit.record("create", "follow_up_attempt", attempt.id, mrc_id=followup.mrc_id,
                     user=user, detail="reached" if reached else "not_reached")
    return attempt


# --- erasure ----------------------------------------------------------------------------

def erase_client(client: Client, user: User | None) -> None:
    """Erase a client on request: the phone number, every note and the client code go (so
    the printed card no longer links to anything); coarse statistical fields, sessions and
    completed follow-ups stay, so aggregates remain consistent. Pending waves are cancelled.
    """
    summaries.client_changing(client.id)
    client.phone_enc = None
    client.phone_index = None
    client.code = None
    client.external_id = None
    client.followup_consent = False
    client.consent_date = None
    client.erased_at = _now()
    db.session.execute(update(CounsellingSession)
                       .where(CounsellingSession.client_id == client.id)
                       .values(notes_enc=None, external_id=None))
    db.session.execute(update(FollowUp).where(FollowUp.client_id == client.id)
                       .values(external_id=None))
    _cancel_pending_followups(client)
    db.session.flush()
    audit.record("erase", "client", client.id, mrc_id=client.mrc_id, user=user)


# --- key rotation -----------------------------------------------------------------------

def rotate_keys(batch_size: int = 1000) -> dict[str, int]:
    """Re-encrypt phone numbers and notes under the primary key and recompute blind
    indexes. Safe to run twice; the caller commits."""
    ring = keyring()
    counts = {"phones": 0, "notes": 0}
    last_id = 0
    while True:
        clients = list(db.session.scalars(
            select(Client).where(Client.phone_enc.is_not(None), Client.id > last_id)
            .order_by(Client.id).limit(batch_size)))
        if not clients:
            break
        for c in clients:
            e164 = ring.cipher.decrypt(str(c.phone_enc))
            c.phone_enc = ring.cipher.encrypt(e164)
            c.phone_index = ring.phone_index(e164)
            counts["phones"] += 1
        last_id = clients[-1].id
        db.session.flush()
    last_id = 0
    while True:
        sessions = list(db.session.scalars(
            select(CounsellingSession).where(CounsellingSession.notes_enc.is_not(None),
                                             CounsellingSession.id > last_id)
            .order_by(CounsellingSession.id).limit(batch_size)))
        if not sessions:
            break
        for s in sessions:
            s.notes_enc = ring.cipher.rotate(str(s.notes_enc))
            counts["notes"] += 1
        last_id = sessions[-1].id
        db.session.flush()
    audit.record("rotate_keys", "keys", None,
                 detail=f"phones={counts['phones']},notes={counts['notes']}")
    return counts


def client_timeline(client: Client) -> list[tuple[date, str, Any]]:
    """Sessions and follow-up waves of a client in date order, for the client page."""
    items: list[tuple[date, str, Any]] = [(s.date, "session", s) for s in client.sessions]
    items += [(f.completed_on or f.due_date, "followup", f) for f in client.followups]
    return sorted(items, key=lambda item: (item[0], item[1]))


__all__ = [
    "InvalidCode", "ValidationError", "baseline_date", "client_timeline", "decrypt_notes",
    "decrypt_phone", "due_followups", "erase_client", "find_by_code", "find_by_phone",
    "log_session", "record_attempt", "register_client", "rotate_keys", "schedule_followups",
    "update_client",
]

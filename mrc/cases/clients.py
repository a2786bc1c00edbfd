"""Clients: registering one, changing their details, finding them, erasing them on request.

Services add and flush; the caller commits. Every service that changes a client's records
sends :data:`mrc.signals.client_changing` before it changes anything.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update

from mrc import signals
from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.cases.followups import cancel_pending_followups, schedule_followups
from mrc.cases.models import Client, CounsellingSession, FollowUp
from mrc.cases.rules import validate_client
from mrc.cases.stamps import actor_id, now
from mrc.extensions import db
from mrc.keys import keyring
from mrc.org.models import MRC, Country
from mrc.privacy.codes import generate_code, normalise_code
from mrc.privacy.phones import InvalidPhone, normalise_phone
from mrc.validation import ValidationError

CLIENT_EDITABLE = ("sex", "birth_year", "province", "nationality", "migrant_status",
                   "education", "employment", "followup_consent", "consent_date")

PhoneFields = tuple[str | None, str | None]  # (ciphertext, blind index)


def client_mrc(client: Client) -> MRC:
    """The MRC the client is registered at."""
    return db.session.get_one(MRC, client.mrc_id)


def mrc_country_code(mrc: MRC) -> str:
    """The ISO code of the MRC's country: how phone numbers typed there are read."""
    return str(db.session.scalar(select(Country.code).where(Country.id == mrc.country_id)))


def _phone_fields(phone: str | None, mrc: MRC) -> PhoneFields:
    """(ciphertext, blind index) of a typed phone number; ValidationError if malformed."""
    if not phone or not phone.strip():
        return None, None
    try:
        e164 = normalise_phone(phone, mrc_country_code(mrc))
    except InvalidPhone as exc:
        raise ValidationError({"phone": _("This is not a valid phone number.")}) from exc
    ring = keyring()
    return ring.cipher.encrypt(e164), ring.phone_index(e164)


def _checked_phone(phone: str | None, mrc: MRC, errors: dict[str, str]) -> PhoneFields | None:
    """The phone fields, or None with the error added to ``errors``."""
    try:
        return _phone_fields(phone, mrc)
    except ValidationError as exc:
        errors.update(exc.errors)
        return None


def _unique_code() -> str:
    while True:
        code = generate_code()
        if db.session.scalar(select(func.count()).where(Client.code == code)) == 0:
            return code


def register_client(mrc: MRC, data: dict[str, Any], user: User | None, *,
                    code: str | None = None) -> Client:
    """Create a client with a new random code (or ``code``, a canonical code the caller
    has checked is free: one reserved for a capture device). Raises ValidationError."""
    errors = validate_client(data)
    phone_enc, phone_index = _checked_phone(data.get("phone"), mrc, errors) or (None, None)
    if errors:
        raise ValidationError(errors)
    consent = bool(data.get("followup_consent"))
    client = Client(
        code=code or _unique_code(),
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
        created_at=now(),
        created_by_id=actor_id(user),
    )
    db.session.add(client)
    db.session.flush()
    if user is not None:
        audit.record("create", "client", client.id, mrc_id=mrc.id, user=user)
    return client


def _follow_consent(client: Client, changed: list[str]) -> None:
    """Withdrawn consent cancels the pending waves; consent given (again) schedules them."""
    if not client.followup_consent:
        client.consent_date = None
        cancel_pending_followups(client)
    elif "followup_consent" in changed:
        schedule_followups(client)


def update_client(client: Client, data: dict[str, Any], user: User | None) -> list[str]:
    """Change a client's coarse fields (and phone if ``phone`` is in data). Returns the names
    of changed fields, which is all the audit trail keeps."""
    signals.client_changing.send(client.id)
    if client.erased_at is not None:
        raise ValidationError({"client": _("This client was erased and cannot be changed.")})
    merged = {f: getattr(client, f) for f in CLIENT_EDITABLE}
    merged["registered_on"] = client.registered_on
    merged.update({k: v for k, v in data.items() if k in CLIENT_EDITABLE})
    errors = validate_client(merged)
    # The phone is checked before anything changes, so a bad number leaves the client as it was.
    phone = _checked_phone(data["phone"], client_mrc(client), errors) if "phone" in data else None
    if errors:
        raise ValidationError(errors)
    changed = [f for f in CLIENT_EDITABLE if merged[f] != getattr(client, f)]
    for f in changed:
        setattr(client, f, merged[f])
    _follow_consent(client, changed)
    if phone is not None and phone[1] != client.phone_index:
        client.phone_enc, client.phone_index = phone
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


def erase_client(client: Client, user: User | None) -> None:
    """Erase a client on request: the phone number, every note and the client code go (so
    the printed card no longer links to anything); coarse statistical fields, sessions and
    completed follow-ups stay, so aggregates remain consistent. Pending waves are cancelled.
    """
    signals.client_changing.send(client.id)
    client.phone_enc = None
    client.phone_index = None
    client.code = None
    client.external_id = None
    client.followup_consent = False
    client.consent_date = None
    client.erased_at = now()
    db.session.execute(update(CounsellingSession)
                       .where(CounsellingSession.client_id == client.id)
                       .values(notes_enc=None, external_id=None))
    db.session.execute(update(FollowUp).where(FollowUp.client_id == client.id)
                       .values(external_id=None))
    cancel_pending_followups(client)
    db.session.flush()
    audit.record("erase", "client", client.id, mrc_id=client.mrc_id, user=user)


def client_timeline(client: Client) -> list[tuple[date, str, Any]]:
    """Sessions and follow-up waves of a client in date order, for the client page."""
    items: list[tuple[date, str, Any]] = [(s.date, "session", s) for s in client.sessions]
    items += [(f.completed_on or f.due_date, "followup", f) for f in client.followups]
    return sorted(items, key=lambda item: (item[0], item[1]))

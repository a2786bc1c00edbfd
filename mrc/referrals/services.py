"""Referring a client to a facility, following the referral, and what the facility may see.

Every referral records the client's consent (its date, and whether the phone number is
shared); without it there is no referral. What a partner reads of a referral is
:func:`shared`: the reference, the client code and the service needed, the phone only if the
client agreed, and nothing of the client once consent is withdrawn or the client erased.
Every change is audited; the audit detail holds codes of vocabularies, never a person's data.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.cases.encryption import decrypt_phone
from mrc.cases.models import Client, CounsellingSession
from mrc.extensions import db
from mrc.org.models import MRC
from mrc.privacy.codes import ALPHABET, format_code
from mrc.referrals import vocab
from mrc.referrals.models import Facility, Referral
from mrc.validation import ValidationError

REFERENCE_LENGTH = 8


def new_reference() -> str:
    """A random reference such as ``R-4K7Q-M2XD``: printed on the slip, in no way derived
    from the client."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"R-{body[:4]}-{body[4:]}"


def service_codes(mask: int) -> list[str]:
    return [code for bit, (code, _label) in enumerate(vocab.SERVICES) if mask >> bit & 1]


def services_mask(codes: list[str]) -> int:
    positions = {code: bit for bit, (code, _label) in enumerate(vocab.SERVICES)}
    return sum(1 << positions[c] for c in set(codes) if c in positions)


def facilities_offering(service: str | None = None) -> list[Facility]:
    """Active facilities of the directory (offering ``service``), by country and name."""
    query = select(Facility).where(Facility.active.is_(True))
    facilities = list(db.session.scalars(query.order_by(Facility.country, Facility.name)))
    if service:
        return [f for f in facilities if service in service_codes(f.services)]
    return facilities


def _now() -> datetime:
    return datetime.now(UTC)


def _refer_errors(client: Client, facility: Facility | None, data: dict[str, Any],
                  supported: tuple[str, ...]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if client.erased_at is not None:
        errors["facility"] = _("This client was erased and cannot be referred.")
    if facility is None or not facility.active:
        errors["facility"] = _("Choose a facility of the directory.")
    elif data.get("service") not in service_codes(facility.services):
        errors["service"] = _("This facility does not offer this service. Choose one it "
                              "offers, or another facility.")
    if not data.get("consent"):
        errors["consent"] = _("Without the client's consent nothing can be shared: ask "
                              "the client, and tick the box only if they agree.")
    consent_on = data.get("consent_on")
    if not isinstance(consent_on, date) or consent_on > date.today():
        errors["consent_on"] = _("The date of consent cannot be in the future.")
    elif consent_on < client.registered_on:
        errors["consent_on"] = _("The date of consent cannot be before the client was "
                                 "registered.")
    if data.get("share_phone") and not client.phone_enc:
        errors["share_phone"] = _("This client has no phone number on record.")
    if data.get("language") not in supported:
        errors["language"] = _("Choose a language of the list.")
    return errors


def refer(client: Client, session: CounsellingSession | None, data: dict[str, Any],
          user: User, supported: tuple[str, ...]) -> Referral:
    """A referral of ``client`` (from ``session``, if given) to ``data["facility_id"]``.

    ``data``: facility_id, service, consent (must be true), consent_on, share_phone,
    language (of the slip; one of ``supported``). Raises ValidationError."""
    facility = db.session.get(Facility, data.get("facility_id") or 0)
    errors = _refer_errors(client, facility, data, supported)
    if errors:
        raise ValidationError(errors)
    assert facility is not None  # noqa: S101 - checked by _refer_errors
    today = date.today()
    referral = Referral(
        reference=new_reference(), mrc_id=client.mrc_id, client_id=client.id,
        session_id=session.id if session is not None else None, facility_id=facility.id,
        service=data["service"], consent_on=data["consent_on"],
        share_phone=bool(data.get("share_phone")), language=data["language"], status="sent",
        sent_on=today, created_by_id=user.id, created_at=_now())
    db.session.add(referral)
    db.session.flush()
    audit.record("create", "referral", referral.id, mrc_id=referral.mrc_id, user=user,
                 detail=f"facility={facility.id},service={referral.service},"
                        f"phone={'yes' if referral.share_phone else 'no'}")
    return referral


def _status_errors(referral: Referral, status: str | None, on: date | None,
                   outcome: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if referral.withdrawn_at is not None:
        errors["status"] = _("The client withdrew consent: this referral can no longer be "
                             "changed.")
    elif status not in vocab.NEXT_STATUS[referral.status]:
        errors["status"] = _("This step cannot follow the referral's current status.")
    if on is None or on > date.today():
        errors["on"] = _("The date cannot be in the future.")
    elif on < referral.sent_on:
        errors["on"] = _("The date cannot be before the referral was sent.")
    if status == "closed" and outcome not in vocab.OUTCOME:
        errors["outcome"] = _("Say how the referral ended.")
    return errors


def set_status(referral: Referral, status: str | None, on: date | None, outcome: str | None,
               user: User) -> Referral:
    """Move ``referral`` to ``status`` on the date ``on`` (a closing ``outcome`` with
    "closed"), by the MRC or by the partner facility. Raises ValidationError."""
    errors = _status_errors(referral, status, on, outcome)
    if errors:
        raise ValidationError(errors)
    assert status is not None and on is not None  # noqa: S101 - checked above
    referral.status = status
    if status in ("accepted", "declined"):
        referral.answered_on = on
    elif status == "service_given":
        referral.service_on = on
    else:
        referral.closed_on, referral.outcome = on, outcome
    referral.updated_at = _now()
    audit.record("update", "referral", referral.id, mrc_id=referral.mrc_id, user=user,
                 detail=f"status={status}" + (f",outcome={outcome}" if outcome else ""))
    return referral


def withdraw_consent(referral: Referral, user: User) -> bool:
    """The client withdrew consent: from now on the facility sees nothing of the client.
    False when it was already withdrawn (nothing changes)."""
    if referral.withdrawn_at is not None:
        return False
    referral.withdrawn_at = referral.updated_at = _now()
    audit.record("withdraw", "referral", referral.id, mrc_id=referral.mrc_id, user=user,
                 detail="consent")
    return True


@dataclass(frozen=True)
class Shared:
    """What the facility may read of a referral."""

    reference: str
    service: str
    language: str
    status: str
    sent_on: date
    answered_on: date | None
    service_on: date | None
    closed_on: date | None
    outcome: str | None
    withdrawn: bool
    client_code: str | None  # formatted; None once consent is withdrawn or the client erased
    phone: str | None  # only if the client agreed to share it
    mrc_name: str
    mrc_code: str


def shared(referral: Referral) -> Shared:
    client = db.session.get_one(Client, referral.client_id)
    mrc = db.session.get_one(MRC, referral.mrc_id)
    open_to_share = referral.withdrawn_at is None and client.code is not None
    phone = decrypt_phone(client) if open_to_share and referral.share_phone else None
    return Shared(
        reference=referral.reference, service=referral.service, language=referral.language,
        status=referral.status, sent_on=referral.sent_on, answered_on=referral.answered_on,
        service_on=referral.service_on, closed_on=referral.closed_on,
        outcome=referral.outcome, withdrawn=referral.withdrawn_at is not None,
        client_code=format_code(client.code) if open_to_share and client.code else None,
        phone=phone, mrc_name=mrc.name, mrc_code=mrc.code)


def newest_first(query: Select[Any], status: str = "") -> Select[Any]:
    if status in vocab.STATUS:
        query = query.where(Referral.status == status)
    return query.order_by(Referral.sent_on.desc(), Referral.id.desc())


def count(query: Select[Any]) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def normalise_reference(typed: str) -> str:
    """A reference as typed or scanned (any case, spaces, with or without dashes) in its
    printed form ``R-XXXX-XXXX``; confusable letters read as the alphabet does (O→0, I/L→1)."""
    body = "".join(ch for ch in typed.upper() if ch.isalnum())
    body = body.removeprefix("R").translate(str.maketrans("OIL", "011"))
    return f"R-{body[:4]}-{body[4:]}" if len(body) == REFERENCE_LENGTH else typed.strip()

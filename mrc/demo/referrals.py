"""Demo referrals: a small directory of destination-country facilities and referrals from
about one session in forty whose destination has a facility, at every stage of their life.

Deterministic for a seed, but for the references (random, as every reference is). The
facilities are invented for the demo (their e-mail addresses are at example.org, their phone
numbers are placeholders); the referrals go through the ORM in one batch (a few thousand even in the 300,000-client demo), not through
``mrc.referrals.services.refer``, which audits one by one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from mrc.cases.models import Client, CounsellingSession
from mrc.extensions import db
from mrc.referrals import vocab
from mrc.referrals.forms import SLIP_LANGUAGE
from mrc.referrals.models import Facility, Referral
from mrc.referrals.services import new_reference, services_mask

# external_id, name, kind, country, city, languages, services
FACILITIES = (
    ("demo-sa-ryd-1", "Community Welfare Wing, Riyadh", "labour_attache", "SA", "Riyadh",
     "ar ur en", ("information", "contract_check", "labour_dispute", "documents",
                  "repatriation")),
    ("demo-sa-jed-1", "Workers' Legal Help Desk, Jeddah", "legal_aid", "SA", "Jeddah",
     "ar bn en", ("legal_aid", "labour_dispute")),
    ("demo-ae-dxb-1", "Migrant Workers' Welfare Desk, Dubai", "embassy_welfare", "AE", "Dubai",
     "ar ur bn en", ("information", "documents", "welfare", "repatriation")),
    ("demo-ae-auh-1", "Safe House for Women Workers, Abu Dhabi", "shelter", "AE", "Abu Dhabi",
     "ar en", ("shelter", "health", "psychosocial")),
    ("demo-qa-doh-1", "Gulf Migrant Resource Centre, Doha", "destination_mrc", "QA", "Doha",
     "ar ur bn fa en", ("information", "contract_check", "labour_dispute", "psychosocial")),
    ("demo-kw-kwi-1", "Domestic Workers' Support Office, Kuwait City", "ngo", "KW",
     "Kuwait City", "ar en", ("welfare", "shelter", "legal_aid")),
    ("demo-om-mct-1", "Labour Complaints Office, Muscat", "government_office", "OM", "Muscat",
     "ar en", ("labour_dispute", "information")),
    ("demo-my-kul-1", "Migrant Advice Centre, Kuala Lumpur", "ngo", "MY", "Kuala Lumpur",
     "bn en", ("information", "legal_aid", "documents")),
    ("demo-tr-ist-1", "Refugee and Migrant Counselling Point, Istanbul", "ngo", "TR",
     "Istanbul", "fa ps ar en", ("information", "legal_aid", "health", "psychosocial")),
)
ONE_SESSION_IN = 40  # sessions sampled for a referral (by id), of those with a facility
SHARE_PHONE = 0.3  # of the clients with a phone, how many agree to share it


@dataclass
class ReferralDemoResult:
    facilities: int = 0
    referrals: int = 0


def ensure_demo_facilities() -> dict[str, Facility]:
    """The demo directory (facilities already there, by ``external_id``, are kept)."""
    existing = {str(f.external_id): f for f in db.session.scalars(
        select(Facility).where(Facility.external_id.like("demo-%")))}
    now = datetime.now(UTC)
    for external_id, name, kind, country, city, languages, services in FACILITIES:
        if external_id in existing:
            continue
        slug = external_id.removeprefix("demo-")
        existing[external_id] = facility = Facility(
            external_id=external_id, name=name, kind=kind, country=country, city=city,
            languages=languages, services=services_mask(list(services)),
            phone="+000 0000 0000", email=f"{slug}@example.org", website="",
            address=f"{city} (demo address)", verified_on=now.date(), active=True,
            created_at=now)
        db.session.add(facility)
    db.session.flush()
    return existing


def load_referral_demo(seed: int, today: date) -> ReferralDemoResult:
    """Referrals from the demo's sessions (call after the clients are loaded). The caller
    commits."""
    rng = random.Random(seed * 6151 + 29)
    facilities = ensure_demo_facilities()
    by_country: dict[str, list[Facility]] = {}
    for facility in facilities.values():
        by_country.setdefault(facility.country, []).append(facility)
    s = CounsellingSession
    rows = db.session.execute(
        select(s.id, s.client_id, s.mrc_id, s.date, s.destination, s.language,
               Client.phone_enc.is_not(None), Client.registered_on)
        .join(Client, Client.id == s.client_id)
        .where(s.id % ONE_SESSION_IN == seed % ONE_SESSION_IN, s.deleted_at.is_(None),
               Client.erased_at.is_(None), s.destination.in_(list(by_country)))
        .order_by(s.id))
    now = datetime.now(UTC)
    referrals = [_referral(rng, row, by_country, today, now) for row in rows]
    db.session.add_all(referrals)
    db.session.flush()
    return ReferralDemoResult(facilities=len(facilities), referrals=len(referrals))


def _referral(rng: random.Random, row: Any, by_country: dict[str, list[Facility]],
              today: date, now: datetime) -> Referral:
    session_id, client_id, mrc_id, on, destination, language, has_phone, registered = row
    facility = rng.choice(by_country[destination])
    offered = [code for bit, (code, _label) in enumerate(vocab.SERVICES)
               if facility.services >> bit & 1]
    referral = Referral(
        reference=new_reference(), mrc_id=mrc_id, client_id=client_id, session_id=session_id,
        facility_id=facility.id, service=rng.choice(offered), consent_on=max(on, registered),
        share_phone=bool(has_phone) and rng.random() < SHARE_PHONE,
        language=SLIP_LANGUAGE.get(language, "en"), status="sent", sent_on=on,
        created_at=now)
    _advance(rng, referral, today)
    return referral


def _advance(rng: random.Random, referral: Referral, today: date) -> None:
    """Move an older referral on: most are answered within weeks, most accepted ones get
    the service, and most of those are closed."""
    age = (today - referral.sent_on).days

    def after(start: date, most: int) -> date | None:
        day = start + timedelta(days=rng.randint(1, most))
        return day if day <= today else None

    answered = after(referral.sent_on, 21) if age > 3 and rng.random() < 0.85 else None
    if answered is None:
        return
    referral.answered_on = answered
    referral.status = "accepted" if rng.random() < 0.8 else "declined"
    if referral.status == "accepted" and rng.random() < 0.75:
        referral.service_on = after(answered, 45)
        if referral.service_on is not None:
            referral.status = "service_given"
    last = referral.service_on or answered
    if rng.random() < 0.6:
        closed = after(last, 30)
        if closed is not None:
            referral.status, referral.closed_on = "closed", closed
            referral.outcome = rng.choice(list(vocab.OUTCOME)) if referral.service_on \
                else rng.choice(("not_resolved", "client_not_seen", "referred_on"))

"""Fixtures for referrals (a plugin of tests/conftest.py, other features use them too): a
facility of the directory and referrals of a client."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from mrc.extensions import db
from mrc.referrals import services
from mrc.referrals.models import Facility, Referral


@pytest.fixture
def make_facility(app: Any) -> Callable[..., Facility]:
    counter = {"n": 0}

    def factory(**kw: Any) -> Facility:
        counter["n"] += 1
        values: dict[str, Any] = {
            "name": f"Welfare Desk {counter['n']}", "kind": "embassy_welfare", "country": "SA",
            "city": "Riyadh", "languages": "ar en ur",
            "services": services.services_mask(["information", "labour_dispute", "documents"]),
            "phone": "+966 11 000 0000", "email": "desk@example.org", "website": "",
            "address": "", "verified_on": date.today(), "active": True,
            "created_at": datetime.now(UTC)}
        values.update(kw)
        facility = Facility(**values)
        db.session.add(facility)
        db.session.flush()
        return facility

    return factory


@pytest.fixture
def make_referral(make_facility: Callable[..., Facility], make_client: Callable[..., Any],
                  make_user: Callable[..., Any]) -> Callable[..., Referral]:
    """A referral of a new client of ``mrc`` (default PK-ISB) to ``facility`` (default: a new
    one), consented today; ``share_phone`` shares the client's phone."""

    counter = {"n": 0}

    def factory(mrc: str = "PK-ISB", facility: Facility | None = None, *,
                share_phone: bool = False, service: str = "labour_dispute") -> Referral:
        counter["n"] += 1
        # A Pakistani mobile number for PK clients (others have none: phones are checked
        # against the MRC's country).
        phone = f"0300 12345{counter['n']:02d}" if mrc.startswith("PK") else None
        client = make_client(mrc, sessions=1, phone=phone)
        user = make_user("counsellor", mrc)
        target = facility or make_facility()
        return services.refer(client, None, {
            "facility_id": target.id, "service": service, "consent": True,
            "consent_on": date.today(), "share_phone": share_phone, "language": "ur"},
            user, ("en", "ur", "ar"))

    return factory

"""Referring, following and withdrawing: the rules of mrc.referrals.services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from mrc.audit.models import AuditEvent
from mrc.extensions import db
from mrc.referrals import services
from mrc.referrals.models import Facility, Referral
from mrc.validation import ValidationError

LOCALES = ("en", "ur", "ar")


def refer_data(facility: Facility, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"facility_id": facility.id, "service": "labour_dispute",
                            "consent": True, "consent_on": date.today(), "share_phone": False,
                            "language": "ur"}
    data.update(overrides)
    return data


def test_a_referral_records_consent_and_is_audited_without_personal_data(
        make_client: Any, make_user: Any, make_facility: Callable[..., Facility]) -> None:
    client = make_client("PK-ISB", phone="0300 7654321")
    facility = make_facility()
    referral = services.refer(client, None, refer_data(facility, share_phone=True),
                              make_user("counsellor"), LOCALES)
    assert referral.status == "sent" and referral.sent_on == date.today()
    assert referral.share_phone and referral.consent_on == date.today()
    assert referral.reference.startswith("R-") and str(client.code) not in referral.reference
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "referral")).one()
    assert event.detail == f"facility={facility.id},service=labour_dispute,phone=yes"
    assert str(client.code) not in event.detail


@pytest.mark.parametrize(("overrides", "field"), [
    ({"consent": False}, "consent"),
    ({"service": "shelter"}, "service"),  # the facility does not offer it
    ({"consent_on": date.today() + timedelta(days=1)}, "consent_on"),
    ({"consent_on": date.today() - timedelta(days=1000)}, "consent_on"),
    ({"language": "xx"}, "language"),
    ({"share_phone": True}, "share_phone"),  # the client has no phone
    ({"facility_id": 0}, "facility"),
])
def test_a_referral_is_refused_with_a_reason(make_client: Any, make_user: Any,
                                             make_facility: Callable[..., Facility],
                                             overrides: dict[str, Any], field: str) -> None:
    client = make_client("PK-ISB")
    with pytest.raises(ValidationError) as caught:
        services.refer(client, None, refer_data(make_facility(), **overrides),
                       make_user("counsellor"), LOCALES)
    assert field in caught.value.errors
    assert db.session.scalar(select(Referral.id)) is None


def test_an_inactive_facility_takes_no_referral(make_client: Any, make_user: Any,
                                                make_facility: Callable[..., Facility]) -> None:
    with pytest.raises(ValidationError) as caught:
        services.refer(make_client("PK-ISB"), None, refer_data(make_facility(active=False)),
                       make_user("counsellor"), LOCALES)
    assert "facility" in caught.value.errors


def test_status_follows_its_steps_with_dates_and_outcome(
        make_referral: Callable[..., Referral], make_user: Any) -> None:
    referral = make_referral()
    user = make_user("counsellor")
    with pytest.raises(ValidationError) as caught:
        services.set_status(referral, "service_given", date.today(), None, user)
    assert "status" in caught.value.errors  # not before it was accepted
    services.set_status(referral, "accepted", date.today(), None, user)
    services.set_status(referral, "service_given", date.today(), None, user)
    with pytest.raises(ValidationError) as caught:
        services.set_status(referral, "closed", date.today(), None, user)
    assert "outcome" in caught.value.errors
    services.set_status(referral, "closed", date.today(), "resolved", user)
    assert (referral.answered_on, referral.service_on, referral.closed_on) == (date.today(),) * 3
    assert referral.outcome == "resolved"
    with pytest.raises(ValidationError):
        services.set_status(referral, "accepted", date.today(), None, user)


def test_a_status_date_is_neither_future_nor_before_sending(
        make_referral: Callable[..., Referral], make_user: Any) -> None:
    referral = make_referral()
    for day in (date.today() + timedelta(days=1), referral.sent_on - timedelta(days=1), None):
        with pytest.raises(ValidationError) as caught:
            services.set_status(referral, "accepted", day, None, make_user("counsellor"))
        assert "on" in caught.value.errors


def test_the_partner_sees_code_and_service_and_the_phone_only_if_agreed(
        make_referral: Callable[..., Referral]) -> None:
    without = services.shared(make_referral())
    assert without.client_code is not None and without.phone is None
    with_phone = services.shared(make_referral(share_phone=True))
    assert with_phone.phone is not None and with_phone.phone.startswith("+92")


def test_withdrawal_stops_sharing_is_audited_and_freezes_the_referral(
        make_referral: Callable[..., Referral], make_user: Any) -> None:
    referral = make_referral(share_phone=True)
    user = make_user("counsellor")
    assert services.withdraw_consent(referral, user)
    assert not services.withdraw_consent(referral, user)  # once
    seen = services.shared(referral)
    assert seen.withdrawn and seen.client_code is None and seen.phone is None
    actions = db.session.scalars(select(AuditEvent.action)
                                 .where(AuditEvent.entity == "referral")).all()
    assert actions.count("withdraw") == 1
    with pytest.raises(ValidationError):
        services.set_status(referral, "accepted", date.today(), None, user)


def test_an_erased_client_is_no_longer_shared(make_referral: Callable[..., Referral]) -> None:
    from mrc.cases import services as cases
    from mrc.cases.models import Client

    referral = make_referral(share_phone=True)
    cases.erase_client(db.session.get_one(Client, referral.client_id), None)
    seen = services.shared(referral)
    assert seen.client_code is None and seen.phone is None

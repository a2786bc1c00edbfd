"""The referral pages in the browser's place: refer from a session, follow a referral,
withdraw consent, and the partner's view of what the client agreed to share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from mrc.audit.models import AuditEvent
from mrc.auth.services import create_user
from mrc.cases.models import CounsellingSession
from mrc.extensions import db
from mrc.privacy.codes import format_code
from mrc.referrals.models import Facility, Referral
from tests.conftest import TEST_PASSWORD


def make_partner(facility: Facility) -> Any:
    return create_user(f"partner{facility.id}", TEST_PASSWORD, "partner", facility_id=facility.id)


def first_session(client_record: Any) -> CounsellingSession:
    return db.session.scalars(select(CounsellingSession)
                              .where(CounsellingSession.client_id == client_record.id)).first()


def test_a_counsellor_refers_from_a_session_and_sees_the_referral(
        make_client: Any, make_user: Any, login: Callable[[Any], Any],
        make_facility: Callable[..., Facility]) -> None:
    record = make_client("PK-ISB", phone="0300 1234567")
    facility = make_facility(name="Pakistan Community Welfare Attaché")
    session = first_session(record)
    browser = login(make_user("counsellor", "PK-ISB"))
    page = browser.get(f"/cases/clients/{record.id}").get_data(as_text=True)
    assert f"/referrals/sessions/{session.id}/new" in page
    form = browser.get(f"/referrals/sessions/{session.id}/new").get_data(as_text=True)
    assert "Pakistan Community Welfare Attaché" in form and 'lang="ur"' in form
    response = browser.post(f"/referrals/sessions/{session.id}/new", data={
        "facility": str(facility.id), "service": "labour_dispute", "consent": "y",
        "consent_on": date.today().isoformat(), "language": "ur"})
    assert response.status_code == 302
    referral = db.session.scalars(select(Referral)).one()
    assert referral.session_id == session.id and not referral.share_phone
    assert response.headers["Location"].endswith(f"/referrals/{referral.id}")
    detail = browser.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert referral.reference in detail and "Client code and service needed" in detail
    listing = browser.get("/referrals/").get_data(as_text=True)
    assert referral.reference in listing and format_code(record.code) in listing
    assert referral.reference in browser.get(f"/referrals/clients/{record.id}").get_data(
        as_text=True)


def test_without_consent_nothing_is_sent_and_the_form_says_why(
        make_client: Any, make_user: Any, login: Callable[[Any], Any],
        make_facility: Callable[..., Facility]) -> None:
    record = make_client("PK-ISB")
    facility = make_facility()
    browser = login(make_user("counsellor", "PK-ISB"))
    response = browser.post(f"/referrals/sessions/{first_session(record).id}/new", data={
        "facility": str(facility.id), "service": "labour_dispute",
        "consent_on": date.today().isoformat(), "language": "ur"})
    assert response.status_code == 400
    assert "Without the client&#39;s consent nothing can be shared" in response.get_data(
        as_text=True)
    assert db.session.scalars(select(Referral)).first() is None


def test_another_mrcs_session_and_referral_are_not_found(
        make_referral: Callable[..., Referral], make_client: Any, make_user: Any,
        login: Callable[[Any], Any]) -> None:
    other = make_referral("AF-KBL")
    other_session = first_session(make_client("AF-KBL"))
    browser = login(make_user("counsellor", "PK-ISB"))
    assert browser.get(f"/referrals/{other.id}").status_code == 404
    assert browser.get(f"/referrals/sessions/{other_session.id}/new").status_code == 404
    assert browser.post(f"/referrals/{other.id}/withdraw", data={"confirm": "y"}).status_code \
        == 404
    assert other.reference not in browser.get("/referrals/").get_data(as_text=True)


def test_the_mrc_moves_a_referral_on_and_a_bad_step_is_refused(
        make_referral: Callable[..., Referral], make_user: Any,
        login: Callable[[Any], Any]) -> None:
    referral = make_referral()
    browser = login(make_user("counsellor", "PK-ISB"))
    today = date.today().isoformat()
    bad = browser.post(f"/referrals/{referral.id}/status",
                       data={"status": "service_given", "on": today})
    assert bad.status_code == 400 and referral.status == "sent"
    ok = browser.post(f"/referrals/{referral.id}/status", data={"status": "accepted", "on": today})
    assert ok.status_code == 302
    db.session.refresh(referral)
    assert referral.status == "accepted" and referral.answered_on == date.today()


def test_the_partner_sees_only_what_was_shared_and_consent_withdrawal_stops_it(
        make_referral: Callable[..., Referral], make_facility: Callable[..., Facility],
        make_user: Any, login: Callable[[Any], Any], client: Any) -> None:
    facility = make_facility()
    referral = make_referral(facility=facility, share_phone=False)
    with_phone = make_referral(facility=facility, share_phone=True)
    elsewhere = make_referral()
    partner = make_partner(facility)
    browser = login(partner)
    assert browser.get("/").headers["Location"].endswith("/referrals/received")
    listing = browser.get("/referrals/received").get_data(as_text=True)
    assert referral.reference in listing and with_phone.reference in listing
    assert elsewhere.reference not in listing
    one = browser.get(f"/referrals/received/{referral.id}").get_data(as_text=True)
    assert "+92300" not in one  # the phone was not shared
    assert "+923001234502" in browser.get(f"/referrals/received/{with_phone.id}").get_data(
        as_text=True)
    assert browser.get(f"/referrals/received/{elsewhere.id}").status_code == 404
    # Nothing of the MRC's side, nor any client record.
    assert browser.get(f"/referrals/{referral.id}").status_code == 403
    assert browser.get("/cases/clients").status_code in (403, 404)

    found = browser.post("/referrals/received", data={"reference": referral.reference.lower()
                                                      .replace("-", " ")})
    assert found.headers["Location"].endswith(f"/referrals/received/{referral.id}")
    missed = browser.post("/referrals/received", data={"reference": elsewhere.reference})
    assert missed.status_code == 400 and "No referral to your facility" in missed.get_data(
        as_text=True)

    browser.post("/logout")
    counsellor = login(make_user("counsellor", "PK-ISB"))
    assert counsellor.post(f"/referrals/{with_phone.id}/withdraw",
                           data={"confirm": "y"}).status_code == 302
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "withdraw")).one()
    counsellor.post("/logout")
    browser = login(partner)
    after = browser.get(f"/referrals/received/{with_phone.id}").get_data(as_text=True)
    assert "+92300" not in after and "Not shared: the client withdrew consent." in after


def test_the_partner_records_the_outcome(
        make_referral: Callable[..., Referral], make_facility: Callable[..., Facility],
        login: Callable[[Any], Any]) -> None:
    facility = make_facility()
    referral = make_referral(facility=facility)
    browser = login(make_partner(facility))
    today = date.today().isoformat()
    assert browser.post(f"/referrals/received/{referral.id}",
                        data={"status": "accepted", "on": today}).status_code == 302
    closing = browser.post(f"/referrals/received/{referral.id}",
                           data={"status": "closed", "on": today})
    assert closing.status_code == 400 and "Say how the referral ended." in closing.get_data(
        as_text=True)
    assert browser.post(f"/referrals/received/{referral.id}", data={
        "status": "service_given", "on": today}).status_code == 302
    assert browser.post(f"/referrals/received/{referral.id}", data={
        "status": "closed", "on": today, "outcome": "resolved"}).status_code == 302
    db.session.refresh(referral)
    assert (referral.status, referral.outcome) == ("closed", "resolved")

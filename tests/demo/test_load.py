"""``mrc demo`` against the database (SQLite and PostgreSQL): bulk load, determinism,
encryption, consistency with the services, ``--if-empty`` and the demo logins."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import phonenumbers
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from mrc.auth.models import User
from mrc.cases import services
from mrc.cases.models import Client, CounsellingSession, FollowUp, FollowUpAttempt
from mrc.demo.services import DEMO_PASSWORD, demo_logins, load_demo
from mrc.extensions import db
from mrc.keys import keyring
from mrc.org.models import MRC
from mrc.outreach.models import OutreachEvent
from mrc.scope import scoped
from mrc.settings import settings
from tests.demo.conftest import TODAY

CLIENTS = 200


def count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """The demo's content in plain text, with ids of MRCs and users replaced by their
    codes (those come from sequences, which PostgreSQL does not roll back)."""
    mrc = {m.id: m.code for m in db.session.scalars(select(MRC))}
    users = {u.id: u.username for u in db.session.scalars(select(User))}
    clients = [
        (c.id, c.code, mrc[c.mrc_id], c.sex, c.birth_year, c.province, c.nationality,
         c.migrant_status, c.education, c.employment, services.decrypt_phone(c),
         c.phone_index, c.followup_consent, c.consent_date, c.registered_on,
         c.created_at.replace(tzinfo=None), users[c.created_by_id or 0])
        for c in db.session.scalars(select(Client).order_by(Client.id))]
    sessions = [
        (s.id, s.client_id, mrc[s.mrc_id], users[s.counsellor_id or 0], s.date, s.channel,
         s.language, s.topics, s.destination, s.intention, s.awareness_answers,
         s.awareness_score, s.referrals, s.duration_minutes, services.decrypt_notes(s),
         s.is_baseline)
        for s in db.session.scalars(select(CounsellingSession).order_by(CounsellingSession.id))]
    followups = [
        (f.id, f.client_id, f.wave, f.due_date, f.status, f.completed_on, f.location_status,
         f.intention, f.awareness_answers, f.awareness_score, f.used_mrc_info)
        for f in db.session.scalars(select(FollowUp).order_by(FollowUp.id))]
    attempts = [(a.id, a.followup_id, a.date, a.method, a.reached, users[a.counsellor_id or 0])
                for a in db.session.scalars(select(FollowUpAttempt).order_by(FollowUpAttempt.id))]
    events = [(mrc[e.mrc_id], e.date, e.type, e.province, e.attendance_total, e.estimated_reach,
               e.topics) for e in db.session.scalars(select(OutreachEvent).order_by(
                   OutreachEvent.mrc_id, OutreachEvent.date, OutreachEvent.type,
                   OutreachEvent.attendance_total))]
    return {"clients": clients, "sessions": sessions, "followups": followups,
            "attempts": attempts, "events": events}


@pytest.fixture
def loaded(app: Flask) -> Any:
    result = load_demo(3, CLIENTS, today=TODAY)
    db.session.commit()
    return result


def test_load_writes_every_row_once(loaded: Any) -> None:
    assert (count(Client), count(CounsellingSession), count(FollowUp), count(FollowUpAttempt)) \
        == (CLIENTS, loaded.sessions, loaded.followups, loaded.attempts)
    assert 2.9 * CLIENTS <= loaded.sessions <= 3.8 * CLIENTS
    assert loaded.followups == 2 * count(select(Client).where(Client.followup_consent)
                                         .subquery())
    assert count(MRC) == 7
    codes = list(db.session.scalars(select(Client.code)))
    assert len(set(codes)) == CLIENTS
    assert all(code is not None and len(code) == 8 for code in codes)


def test_same_seed_gives_the_same_content(app: Flask) -> None:
    load_demo(9, 120, today=TODAY)
    first = snapshot()
    db.session.rollback()
    assert count(Client) == 0
    load_demo(9, 120, today=TODAY)
    second = snapshot()
    assert first == second
    assert len(first["clients"]) == 120 and first["attempts"]


def test_phones_are_encrypted_indexed_and_findable(loaded: Any) -> None:
    ring = keyring()
    with_phone = list(db.session.scalars(select(Client).where(Client.phone_enc.is_not(None))))
    assert 0.85 * CLIENTS <= len(with_phone) <= 0.99 * CLIENTS
    for client in with_phone:
        e164 = services.decrypt_phone(client)
        assert e164 is not None and e164.startswith("+")
        assert e164 not in str(client.phone_enc)
        assert client.phone_index == ring.phone_index(e164)
    # A counsellor types the number the local way and finds the client.
    sample = with_phone[:10]
    for client in sample:
        mrc = db.session.get_one(MRC, client.mrc_id)
        counsellor = user(f"counsellor-{mrc.code.lower()}")
        local = phonenumbers.format_number(phonenumbers.parse(str(services.decrypt_phone(client))),
                                           phonenumbers.PhoneNumberFormat.NATIONAL)
        found = services.find_by_phone(scoped(Client, counsellor), local, mrc)
        assert [c.id for c in found] == [client.id]
        assert services.find_by_code(scoped(Client, counsellor), str(client.code)) == client


def test_data_matches_what_the_services_would_store(loaded: Any) -> None:
    offsets = (90, 180)
    for client in db.session.scalars(select(Client).where(Client.followup_consent).limit(25)):
        baseline = services.baseline_date(client)
        assert baseline == client.registered_on
        before = [(f.wave, f.due_date, f.status) for f in client.followups]
        assert [(w, d) for w, d, _ in before] == [
            (i, baseline + timedelta(days=days)) for i, days in enumerate(offsets, start=1)]
        # Scheduling again (what the services do on consent changes) changes nothing.
        services.schedule_followups(client)
        db.session.refresh(client)
        assert [(f.wave, f.due_date, f.status) for f in client.followups] == before
    # Clients without consent have no waves.
    assert db.session.scalar(
        select(func.count()).select_from(FollowUp).join(Client, Client.id == FollowUp.client_id)
        .where(Client.followup_consent.is_(False))) == 0


def test_worklists_of_the_demo_counsellors(loaded: Any) -> None:
    horizon = TODAY + timedelta(days=14)
    tried = {fid: (n, last) for fid, n, last in db.session.execute(
        select(FollowUpAttempt.followup_id, func.count(), func.max(FollowUpAttempt.date))
        .group_by(FollowUpAttempt.followup_id))}
    shown = []
    for counsellor in db.session.scalars(select(User).where(User.username.like("counsellor-%"))):
        due = services.due_followups(scoped(FollowUp, counsellor), today=TODAY, per_page=500)
        rows = due.rows
        expected = db.session.scalar(select(func.count()).select_from(FollowUp).where(
            FollowUp.mrc_id == counsellor.mrc_id, FollowUp.status == "pending",
            FollowUp.due_date <= horizon))
        # Waves past the lapse horizon were stored lapsed by the load: none is left pending.
        assert not db.session.scalar(select(func.count()).select_from(FollowUp).where(
            FollowUp.status == "pending",
            FollowUp.due_date < TODAY - timedelta(days=settings().followup_lapse_days)))
        assert due.total == expected == len(rows) and not due.capped
        assert [r.due_date for r in rows] == sorted(r.due_date for r in rows)
        # Attempt counts and last dates per row, as the list shows them.
        assert [(r.attempts, r.last_attempt) for r in rows] == [
            tried.get(r.followup_id, (0, None)) for r in rows]
        shown += rows
    assert shown and any(r.attempts for r in shown) and any(not r.attempts for r in shown)


def test_a_new_client_after_the_demo_gets_a_fresh_id(loaded: Any, make_client: Any) -> None:
    # The explicit ids of the bulk load must not collide with the id sequences afterwards.
    record = make_client("PK-ISB", sessions=1)
    assert record.id > CLIENTS
    assert record.sessions[0].id > loaded.sessions


def test_loading_again_adds_more_clients_with_new_codes(loaded: Any) -> None:
    again = load_demo(3, 50, today=TODAY)
    assert again.clients == 50 and count(Client) == CLIENTS + 50
    codes = list(db.session.scalars(select(Client.code)))
    assert len(set(codes)) == CLIENTS + 50
    per_client = Counter(db.session.scalars(
        select(CounsellingSession.client_id).where(CounsellingSession.is_baseline)))
    assert len(per_client) == CLIENTS + 50 and set(per_client.values()) == {1}


def test_command_if_empty_is_idempotent_and_prints_logins(app: Flask) -> None:
    runner = app.test_cli_runner()
    args = ["mrc", "demo", "--seed", "2", "--clients", "60", "--today", TODAY.isoformat()]
    first = runner.invoke(args=[*args, "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "60 clients" in first.output
    sessions = count(CounsellingSession)
    second = runner.invoke(args=[*args, "--if-empty", "--print-logins"])
    assert second.exit_code == 0, second.output
    assert "no demo data loaded" in second.output
    assert (count(Client), count(CounsellingSession)) == (60, sessions)
    for login in demo_logins():
        assert login.username in second.output
    assert DEMO_PASSWORD in second.output
    assert count(User) == len(demo_logins())


def test_command_rejects_a_bad_day(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["mrc", "demo", "--clients", "5",
                                                "--today", "15/06/2026"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output
    assert count(Client) == 0


def test_demo_users_have_their_roles_and_scopes(loaded: Any) -> None:
    scopes = {u.username: (u.role, u.mrc, u.country, u.region)
              for u in db.session.scalars(select(User))}
    role, mrc, country, region = scopes["manager-pk-isb"]
    assert role == "manager" and mrc is not None and mrc.code == "PK-ISB"
    role, mrc, country, region = scopes["supervisor-pk"]
    assert role == "supervisor" and mrc is None and country is not None and country.code == "PK"
    role, mrc, country, region = scopes["supervisor-south-asia"]
    assert region is not None and region.code == "SOUTH_ASIA" and country is None
    assert scopes["evaluator"][1:] == (None, None, None)
    assert scopes["admin"][0] == "admin"
    assert sum(1 for name in scopes if name.startswith("counsellor-")) == 7


@pytest.mark.parametrize("username", ["counsellor-pk-isb", "manager-pk-isb", "supervisor-pk",
                                      "evaluator", "admin"])
def test_demo_users_can_log_in(loaded: Any, client: FlaskClient, username: str) -> None:
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/").status_code in (200, 302)


def test_demo_counsellor_sees_own_clients_only(loaded: Any, client: FlaskClient) -> None:
    counsellor = user("counsellor-pk-isb")
    own = db.session.scalars(select(Client).where(Client.mrc_id == counsellor.mrc_id)).first()
    other = db.session.scalars(select(Client).where(Client.mrc_id != counsellor.mrc_id)).first()
    assert own is not None and other is not None
    client.post("/login", data={"username": counsellor.username, "password": DEMO_PASSWORD})
    assert client.get(f"/cases/clients/{own.id}").status_code == 200
    assert client.get(f"/cases/clients/{other.id}").status_code == 404


def test_outreach_events_and_leaflet_stock(loaded: Any) -> None:
    from mrc.leaflets.models import Leaflet, StockEntry
    from mrc.outreach import vocab as outreach_vocab

    assert loaded.events == count(OutreachEvent) >= 7 * 3
    assert count(Leaflet) >= 8
    for event in db.session.scalars(select(OutreachEvent)):
        cells = sum(getattr(event, c) for c in outreach_vocab.ATTENDANCE_COLUMNS)
        assert cells == event.attendance_total
        if event.type in outreach_vocab.MEDIA_TYPES:
            assert event.estimated_reach and not event.attendance_total
        else:
            assert event.attendance_total > 0 and event.estimated_reach is None
    # The ledger never goes below zero for any MRC, leaflet and language.
    totals = db.session.execute(
        select(StockEntry.mrc_id, StockEntry.leaflet_code, StockEntry.language,
               func.sum(StockEntry.quantity))
        .group_by(StockEntry.mrc_id, StockEntry.leaflet_code, StockEntry.language)).all()
    assert totals and all(total >= 0 for *_, total in totals)
    assert count(select(StockEntry).where(StockEntry.kind == "outreach").subquery()) > 0


def test_demo_users_each_have_their_own_hash_and_salt(loaded: Any) -> None:
    from mrc.auth.services import verify_password

    hashes = [u.password_hash for u in db.session.scalars(select(User))]
    assert len(hashes) > 5
    assert len(set(hashes)) == len(hashes)  # no shared hash, no shared salt
    salts = {h.split("$")[-2] for h in hashes}
    assert len(salts) == len(hashes)
    assert all(verify_password(h, DEMO_PASSWORD) for h in hashes)


def test_the_demo_refers_clients_and_its_partner_sees_only_its_facility(
        loaded: Any, client: FlaskClient) -> None:
    from mrc.referrals.models import Facility, Referral
    from mrc.referrals.services import service_codes

    referrals = db.session.scalars(select(Referral)).all()
    assert loaded.referrals == len(referrals) > 0
    assert count(Facility) == 9
    statuses = Counter(r.status for r in referrals)
    assert statuses["sent"] < len(referrals)  # older ones moved on
    for r in referrals:
        owner = db.session.get_one(Client, r.client_id)
        assert r.mrc_id == owner.mrc_id and owner.registered_on <= r.consent_on <= TODAY
        assert r.sent_on <= (r.answered_on or r.sent_on) <= (r.service_on or TODAY)
        assert (r.status == "closed") == (r.outcome is not None)
        assert r.service in service_codes(r.facility.services)
        assert r.share_phone is False or owner.phone_enc is not None
    partner = user("partner-doha")
    assert partner.facility is not None and partner.facility.city == "Doha"
    assert client.post("/login", data={"username": "partner-doha",
                                       "password": DEMO_PASSWORD}).status_code == 302
    page = client.get("/referrals/received").get_data(as_text=True)
    doha = [r for r in referrals if r.facility_id == partner.facility_id]
    assert f"{len(doha)} referral" in page
    newest = sorted(doha, key=lambda r: (r.sent_on, r.id), reverse=True)[:50]  # page one
    assert all(r.reference in page for r in newest)
    others = [r for r in referrals if r.facility_id != partner.facility_id]
    assert not any(r.reference in page for r in others)

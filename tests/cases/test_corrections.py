"""Correcting mistakes: editing a session, an attempt or a client with a coded reason,
deleting a session entered in error. Each correction changes the record, audits the
before/after (never notes or phone numbers) and keeps the summary tables equal to a full
recompute; a deleted session disappears from the timeline, the impact data and the panels."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from mrc.aggregates import summaries
from mrc.audit.models import AuditEvent
from mrc.cases import services
from mrc.cases.corrections import MAX_DETAIL, audit_detail
from mrc.cases.models import CounsellingSession, FollowUp
from mrc.extensions import db
from mrc.impact.services import Period, client_observations
from mrc.org.models import MRC
from mrc.panels.query import load_raw
from tests.cases.conftest import error_at, register_data, session_data, text

TODAY = date.today()
START = TODAY - timedelta(days=120)  # wave 1 due 30 days ago: still open


def assert_consistent() -> None:
    summaries.apply_pending()
    stored = summaries.stored()
    for model, rows in summaries.recompute().items():
        assert stored[model] == rows, model.__tablename__


def edit_data(session: CounsellingSession, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "date": session.date, "channel": session.channel, "language": session.language,
        "topics": ["documents"], "destination": "SA", "intention": session.intention,
        "awareness_answers": None, "referrals": [], "duration_minutes": 30, "notes": "note"}
    data.update(changes)
    return data


def audits(entity: str, entity_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.entity == entity, AuditEvent.entity_id == entity_id,
        AuditEvent.action == "update").order_by(AuditEvent.id)))


def sessions_of(client) -> list[CounsellingSession]:
    return sorted(client.sessions, key=lambda s: s.date)


def wave_dues(client) -> list[tuple[str, date]]:
    db.session.expire_all()
    return [(f.status, f.due_date) for f in db.session.scalars(
        select(FollowUp).where(FollowUp.client_id == client.id).order_by(FollowUp.wave))]


def offsets() -> tuple[int, ...]:
    return services.wave_offsets()


# --- services --------------------------------------------------------------------------------

def test_editing_a_session_changes_it_audits_before_after_and_keeps_summaries(
        network, make_client, make_user):
    user = make_user("counsellor", "PK-ISB")
    client = make_client(sessions=2, baseline=START)
    assert_consistent()
    second = sessions_of(client)[1]
    changed = services.edit_session(second, edit_data(
        second, intention="irregular", channel="phone", notes="secret words"),
        "typing_error", user)
    assert set(changed) >= {"intention", "channel", "notes"}
    assert second.intention == "irregular" and second.channel == "phone"
    assert services.decrypt_notes(second) == "secret words"
    [detail] = audits("session", second.id)
    assert detail.startswith("reason=typing_error;")
    assert "intention:undecided>irregular" in detail and "channel:walk_in>phone" in detail
    assert "notes changed" in detail and "secret" not in detail
    assert_consistent()


def test_every_correction_needs_a_coded_reason(network, make_client):
    client = make_client(sessions=1, baseline=START)
    session = sessions_of(client)[0]
    for reason in (None, "", "the counsellor typed it wrong"):
        try:
            services.edit_session(session, edit_data(session, intention="regular"), reason, None)
        except services.ValidationError as exc:
            assert "reason" in exc.errors
        else:
            raise AssertionError("a correction without a coded reason was accepted")
    assert session.intention == "undecided"


def test_moving_the_baseline_date_makes_the_earlier_session_the_baseline(
        network, make_client):
    client = make_client(sessions=2, baseline=START,  # sessions on START and START + 7
                         registered_on=START - timedelta(days=30))
    first, second = sessions_of(client)
    services.edit_session(first, edit_data(first, date=START + timedelta(days=10)),
                          "wrong_date", None)
    assert second.is_baseline and not first.is_baseline
    assert services.baseline_date(client) == START + timedelta(days=7)
    assert wave_dues(client) == [("pending", START + timedelta(days=7 + d)) for d in offsets()]
    assert_consistent()
    # And back, earlier than both: the moved session is the baseline again.
    services.edit_session(first, edit_data(first, date=START - timedelta(days=3)),
                          "wrong_date", None)
    assert first.is_baseline and not second.is_baseline
    assert wave_dues(client) == [("pending", START - timedelta(days=3 - d)) for d in offsets()]
    assert_consistent()


def test_deleting_the_baseline_moves_it_and_the_last_session_cancels_the_waves(
        network, make_client, make_user):
    user = make_user("counsellor", "PK-ISB")
    client = make_client(sessions=2, baseline=START)
    assert_consistent()
    first, second = sessions_of(client)
    services.delete_session(first, "duplicate", user)
    assert first.deleted_at is not None and first.deleted_reason == "duplicate"
    assert first.deleted_by_id == user.id
    assert second.is_baseline and services.baseline_date(client) == second.date
    assert wave_dues(client) == [("pending", second.date + timedelta(days=d)) for d in offsets()]
    assert audits("session", first.id) == ["deleted;reason=duplicate;baseline"]
    assert [s.id for s in client.sessions] == [second.id]
    assert_consistent()
    services.delete_session(second, "wrong_client", user)
    assert services.baseline_date(client) is None
    assert {status for status, _due in wave_dues(client)} == {"cancelled"}
    assert_consistent()


def test_a_deleted_session_leaves_the_impact_data_and_the_panels(network, make_client):
    kept = make_client(sessions=1, baseline=START)
    gone = make_client(sessions=1, baseline=START)
    mrc_ids = select(MRC.id).where(MRC.code == "PK-ISB")

    def panel_clients() -> set[int]:
        raw = load_raw(db.session.connection(), [network["PK-ISB"].id],
                       START - timedelta(days=1), TODAY, [1, 2])
        return set(raw.persons["pid"])

    observations = client_observations(mrc_ids, Period())
    before = len(observations)
    assert {kept.id, gone.id} <= panel_clients()
    services.delete_session(sessions_of(gone)[0], "wrong_client", None)
    db.session.flush()
    assert len(client_observations(mrc_ids, Period())) == before - 1
    assert gone.id not in panel_clients() and kept.id in panel_clients()
    assert_consistent()


def test_correcting_an_attempt_switches_the_wave_between_reached_and_open(
        network, make_client, make_user):
    user = make_user("counsellor", "PK-ISB")
    client = make_client(sessions=1, baseline=START)
    wave = min(client.followups, key=lambda f: f.wave)
    attempt = services.record_attempt(wave, {"date": TODAY - timedelta(days=5),
                                             "method": "phone", "reached": False}, None)
    assert_consistent()
    outcome = {"date": TODAY - timedelta(days=4), "method": "sms", "reached": True,
               "location_status": "stayed", "intention": "regular", "used_mrc_info": True,
               "awareness_answers": None}
    services.edit_attempt(attempt, outcome, "typing_error", user)
    assert wave.status == "reached" and wave.completed_on == TODAY - timedelta(days=4)
    assert (wave.location_status, wave.intention, wave.used_mrc_info) == ("stayed", "regular",
                                                                          True)
    detail = audits("follow_up_attempt", attempt.id)[-1]
    assert "reached:0>1" in detail and "status:pending>reached" in detail
    assert "method:phone>sms" in detail and detail.startswith("reason=typing_error")
    assert_consistent()
    services.edit_attempt(attempt, {**outcome, "reached": False}, "wrong_client", user)
    assert wave.status == "pending" and wave.completed_on is None and wave.intention is None
    assert "status:reached>pending" in audits("follow_up_attempt", attempt.id)[-1]
    assert_consistent()


def test_a_client_correction_keeps_before_after_but_never_the_phone(
        network, make_client, make_user):
    user = make_user("counsellor", "PK-ISB")
    client = make_client(phone="0300 1234567")
    assert_consistent()
    changed = services.correct_client(client, {"sex": "male", "education": "tertiary",
                                               "phone": "0301 7654321"}, "typing_error", user)
    assert set(changed) == {"sex", "education", "phone"}
    [detail] = audits("client", client.id)
    assert detail == ("reason=typing_error;sex:female>male;education:secondary>tertiary;"
                      "phone changed")
    assert_consistent()


def test_the_audit_detail_always_fits_its_column() -> None:
    changes = [(f"field_{i}", "x" * 40, "y" * 40) for i in range(10)]
    detail = audit_detail("typing_error", changes, ("notes changed",))
    assert len(detail) <= MAX_DETAIL
    assert detail.startswith("reason=typing_error;") and "field_0" in detail


# --- pages ---------------------------------------------------------------------------------

def test_the_session_edit_page_shows_the_record_and_keeps_what_was_typed(
        counsellor, make_client):
    client = make_client(sessions=1, baseline=START)
    session = sessions_of(client)[0]
    db.session.commit()
    page = text(counsellor.get(f"/cases/sessions/{session.id}/edit"))
    assert f'value="{session.date.isoformat()}"' in page and "note" in page
    # No reason: refused, with what was typed kept.
    typed = session_data(date=START.isoformat(), intention="irregular", notes="typed again")
    response = counsellor.post(f"/cases/sessions/{session.id}/edit", data=typed)
    assert response.status_code == 400
    html = text(response)
    assert error_at(html, "reason", "Choose the reason for the correction.")
    assert 'checked id="intention-3" name="intention" required type="radio" value="irregular"' in html
    assert "typed again" in html
    db.session.refresh(session)
    assert session.intention == "undecided"
    response = counsellor.post(f"/cases/sessions/{session.id}/edit",
                               data={**typed, "reason": "typing_error"})
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.intention == "irregular"
    assert services.decrypt_notes(session) == "typed again"


def test_deleting_on_the_page_removes_the_session_from_the_timeline(counsellor, make_client):
    client = make_client(sessions=2, baseline=START)
    first, second = sessions_of(client)
    db.session.commit()
    page = text(counsellor.get(f"/cases/clients/{client.id}"))
    assert f"/cases/sessions/{first.id}/delete" in page
    response = counsellor.post(f"/cases/sessions/{first.id}/delete", data={})
    assert response.status_code == 400
    assert error_at(text(response), "reason", "Choose the reason for the correction.")
    response = counsellor.post(f"/cases/sessions/{first.id}/delete", data={"reason": "duplicate"})
    assert response.status_code == 302
    page = text(counsellor.get(f"/cases/clients/{client.id}"))
    assert f"/cases/sessions/{first.id}/" not in page
    assert f"/cases/sessions/{second.id}/edit" in page
    # A deleted session cannot be corrected or deleted again.
    assert counsellor.get(f"/cases/sessions/{first.id}/edit").status_code == 404
    assert counsellor.get(f"/cases/sessions/{first.id}/delete").status_code == 404


def test_the_attempt_edit_page_corrects_the_attempt(counsellor, make_client):
    client = make_client(sessions=1, baseline=START)
    wave = min(client.followups, key=lambda f: f.wave)
    attempt = services.record_attempt(wave, {"date": TODAY, "method": "phone",
                                             "reached": False}, None)
    db.session.commit()
    assert f"/cases/attempts/{attempt.id}/edit" in text(counsellor.get(
        f"/cases/clients/{client.id}"))
    typed = {"date": TODAY.isoformat(), "method": "phone", "reached": "yes",
             "reason": "typing_error"}
    response = counsellor.post(f"/cases/attempts/{attempt.id}/edit", data=typed)
    assert response.status_code == 400  # reached needs the outcome
    assert 'checked id="reached-0" name="reached" required type="radio" value="yes"' in text(response)
    response = counsellor.post(f"/cases/attempts/{attempt.id}/edit", data={
        **typed, "location_status": "stayed", "intention": "regular", "used_mrc_info": "no"})
    assert response.status_code == 302
    db.session.refresh(wave)
    assert wave.status == "reached" and wave.used_mrc_info is False


def test_the_client_edit_page_needs_a_reason(counsellor, make_client):
    client = make_client()
    db.session.commit()
    data = register_data(education="tertiary")
    data.pop("registered_on")
    response = counsellor.post(f"/cases/clients/{client.id}/edit", data=data)
    assert response.status_code == 400
    assert error_at(text(response), "reason", "Choose the reason for the correction.")
    db.session.refresh(client)
    assert client.education == "secondary"
    data["reason"] = "typing_error"
    assert counsellor.post(f"/cases/clients/{client.id}/edit", data=data).status_code == 302
    assert "education:secondary>tertiary" in audits("client", client.id)[-1]


def test_records_of_another_mrc_are_not_found(counsellor, make_client):
    other = make_client("PK-LHE", sessions=1, baseline=START)
    wave = min(other.followups, key=lambda f: f.wave)
    attempt = services.record_attempt(wave, {"date": TODAY, "method": "phone",
                                             "reached": False}, None)
    session = sessions_of(other)[0]
    db.session.commit()
    for url in (f"/cases/sessions/{session.id}/edit", f"/cases/sessions/{session.id}/delete",
                f"/cases/attempts/{attempt.id}/edit"):
        assert counsellor.get(url).status_code == 404
        assert counsellor.post(url, data={"reason": "duplicate"}).status_code == 404
    db.session.refresh(session)
    assert session.deleted_at is None

from __future__ import annotations

from datetime import date, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from mrc.audit.models import AuditEvent
from mrc.cases import awareness, services
from mrc.cases.models import FollowUpAttempt
from mrc.extensions import db
from mrc.privacy.codes import format_code
from tests.cases.conftest import error_at, text

TODAY = date.today()


def due_in(make_client, days, **kw):
    """A consenting client whose first wave (+90 days) is due in ``days`` days."""
    return make_client("PK-ISB", baseline=TODAY - timedelta(days=90 - days), **kw)


def attempts(followup) -> int:
    return int(db.session.scalar(select(func.count()).select_from(FollowUpAttempt)
                                 .where(FollowUpAttempt.followup_id == followup.id)) or 0)


def test_worklist_overdue_first_with_badge(counsellor, make_client):
    soon = due_in(make_client, 5)
    overdue = due_in(make_client, -10)
    today = due_in(make_client, 0)
    db.session.commit()
    html = text(counsellor.get("/cases/worklist"))
    positions = [html.index(format_code(c.code)) for c in (overdue, today, soon)]
    assert positions == sorted(positions)
    assert html.count('<span class="badge overdue">') == 1
    assert html.count('<tr class="overdue">') == 1
    assert "Wave 1 (+90 days)" in html
    assert "3 follow-ups to do." in html
    assert f"/cases/followups/{overdue.followups[0].id}/attempt" in html


def test_worklist_excludes_non_consenting_erased_other_mrc_and_closed(counsellor, make_client):
    shown = due_in(make_client, -3)
    never = due_in(make_client, -3, consent=False)
    withdrawn = due_in(make_client, -3)
    withdrawn.followup_consent = False  # pending waves left behind: the list still hides them
    erased = due_in(make_client, -3)
    services.erase_client(erased, None)
    elsewhere = make_client("PK-LHE", baseline=TODAY - timedelta(days=93))
    closed = due_in(make_client, -3)
    closed.followups[0].status = "reached"
    db.session.commit()
    html = text(counsellor.get("/cases/worklist"))
    assert format_code(shown.code) in html
    for record in (never, withdrawn, elsewhere, closed):
        assert format_code(record.code) not in html
    assert "1 follow-up to do." in html


def test_worklist_horizon_filter(counsellor, make_client):
    overdue = due_in(make_client, -1)
    in_ten = due_in(make_client, 10)
    in_twenty = due_in(make_client, 20)
    db.session.commit()

    def listed(query):
        html = text(counsellor.get("/cases/worklist" + query))
        return {c for c in (overdue, in_ten, in_twenty) if format_code(c.code) in html}

    assert listed("") == {overdue, in_ten}  # 14 days by default
    assert listed("?horizon=7") == {overdue}
    assert listed("?horizon=30") == {overdue, in_ten, in_twenty}
    assert listed("?horizon=overdue") == {overdue}
    assert listed("?horizon=9999") == {overdue, in_ten}


def test_worklist_paginates(counsellor, make_client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MRC_PAGE_SIZE", 2)
    records = [due_in(make_client, -i) for i in range(1, 6)]
    db.session.commit()
    first = text(counsellor.get("/cases/worklist"))
    assert "Page 1 of 3" in first and 'rel="next"' in first and 'rel="prev"' not in first
    assert "5 follow-ups to do." in first
    seen = []
    for page in (1, 2, 3):
        html = text(counsellor.get(f"/cases/worklist?page={page}"))
        on_page = [r for r in records if format_code(r.code) in html]
        seen += sorted(on_page, key=lambda r: html.index(format_code(r.code)))
    # Every row exactly once, oldest due date first.
    assert seen == list(reversed(records))
    last = text(counsellor.get("/cases/worklist?page=3"))
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert counsellor.get("/cases/worklist?page=abc").status_code == 200


def reached_data(**overrides):
    data = {"date": TODAY.isoformat(), "method": "phone", "reached": "yes",
            "location_status": "migrated_regular", "intention": "none", "used_mrc_info": "yes"}
    for question, answer in zip(awareness.questions(), "TFFTFTT?", strict=True):
        data[f"aw_{question.key}"] = answer
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_reached_attempt_closes_wave_with_outcome(counsellor, make_client):
    record = due_in(make_client, -2)
    db.session.commit()
    wave = record.followups[0]
    assert counsellor.get(f"/cases/followups/{wave.id}/attempt").status_code == 200
    response = counsellor.post(f"/cases/followups/{wave.id}/attempt", data=reached_data())
    assert response.status_code == 302 and response.headers["Location"].endswith("/cases/worklist")
    assert wave.status == "reached" and wave.completed_on == TODAY
    assert wave.location_status == "migrated_regular" and wave.intention == "none"
    assert wave.used_mrc_info is True
    assert wave.awareness_answers == "TFFTFTT?" and wave.awareness_score == 7
    assert attempts(wave) == 1
    assert db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.entity == "follow_up_attempt")).one() == "reached"
    assert format_code(record.code) not in text(counsellor.get("/cases/worklist"))
    page = text(counsellor.get(f"/cases/clients/{record.id}"))
    assert "Migrated regularly" in page and "7 / 8" in page
    # A closed wave takes no more attempts.
    assert counsellor.get(f"/cases/followups/{wave.id}/attempt").status_code == 302
    assert counsellor.post(f"/cases/followups/{wave.id}/attempt",
                           data=reached_data()).status_code == 302
    assert attempts(wave) == 1


def test_unreached_attempt_keeps_wave_on_the_list(counsellor, make_client):
    record = due_in(make_client, -2)
    db.session.commit()
    wave = record.followups[0]
    yesterday = TODAY - timedelta(days=1)
    response = counsellor.post(f"/cases/followups/{wave.id}/attempt", data={
        "date": yesterday.isoformat(), "method": "sms", "reached": "no",
        "location_status": "stayed"})  # outcome fields of an unreached attempt are ignored
    assert response.status_code == 302
    assert wave.status == "pending" and wave.location_status is None and attempts(wave) == 1
    html = text(counsellor.get("/cases/worklist"))
    row = html[html.index(format_code(record.code)):]
    row = row[:row.index("</tr>")]
    assert "<td>1</td>" in row
    assert f"<bdi>{format_date(yesterday, 'medium', locale='en')}</bdi>" in row


def test_giving_up_marks_wave_unreachable(counsellor, make_client):
    record = due_in(make_client, -2)
    db.session.commit()
    wave = record.followups[0]
    response = counsellor.post(f"/cases/followups/{wave.id}/attempt", data={
        "date": TODAY.isoformat(), "method": "phone", "reached": "no", "give_up": "y"})
    assert response.status_code == 302
    assert wave.status == "unreachable" and wave.completed_on == TODAY


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"location_status": None}, "location_status", "Choose one of the listed values."),
    ({"intention": None}, "intention", "Choose one of the listed values."),
    ({"reached": None}, "reached", "Choose one of the listed values."),
    ({"date": (TODAY + timedelta(days=1)).isoformat()}, "date",
     "The attempt date cannot be in the future."),
    ({"date": (TODAY - timedelta(days=200)).isoformat()}, "date",
     "A follow-up cannot be before the baseline session."),
    ({"date": "soon"}, "date", "This is not a date in an accepted form."),
    ({"method": "telepathy"}, "method", "Not a valid choice."),
])
def test_bad_attempt_rerenders_and_writes_nothing(counsellor, make_client, overrides, field,
                                                  message):
    record = due_in(make_client, -2)
    db.session.commit()
    wave = record.followups[0]
    response = counsellor.post(f"/cases/followups/{wave.id}/attempt",
                               data=reached_data(**overrides))
    assert response.status_code == 400
    assert error_at(text(response), field, message), text(response)
    assert attempts(wave) == 0 and wave.status == "pending"


def test_partly_answered_awareness_on_follow_up(counsellor, make_client):
    record = due_in(make_client, -2)
    db.session.commit()
    wave = record.followups[0]
    data = reached_data()
    del data[f"aw_{awareness.questions()[3].key}"]
    response = counsellor.post(f"/cases/followups/{wave.id}/attempt", data=data)
    assert response.status_code == 400
    assert "Answer every awareness question." in text(response)
    assert attempts(wave) == 0


def test_follow_up_of_another_mrc_is_404(counsellor, make_client):
    record = make_client("BD-DAC", baseline=TODAY - timedelta(days=95))
    db.session.commit()
    wave = record.followups[0]
    assert counsellor.get(f"/cases/followups/{wave.id}/attempt").status_code == 404
    assert counsellor.post(f"/cases/followups/{wave.id}/attempt",
                           data=reached_data()).status_code == 404
    assert attempts(wave) == 0

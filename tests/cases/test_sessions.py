from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from mrc.cases import awareness, services, vocab
from mrc.cases.forms import default_session_language
from mrc.cases.models import CounsellingSession
from mrc.extensions import db
from tests.cases.conftest import error_at, session_data, text


def session_count(record) -> int:
    return int(db.session.scalar(select(func.count()).select_from(CounsellingSession)
                                 .where(CounsellingSession.client_id == record.id)) or 0)


def url(record) -> str:
    return f"/cases/clients/{record.id}/sessions/new"


def test_form_is_keyboard_ready(counsellor, new_client):
    html = text(counsellor.get(url(new_client)))
    assert html.count("autofocus") == 1
    assert html.index("autofocus") < html.index('name="channel"')  # on the first field
    assert 'accesskey="s"' in html and 'type="submit"' in html
    assert f'value="{date.today().isoformat()}"' in html
    assert '<option selected value="walk_in">' in html
    assert '<option selected value="ur">' in html  # English UI in Pakistan: Urdu
    assert "cases.js" in html and "<script>" not in html  # no inline script (CSP)
    for question in awareness.questions():
        assert str(question.text) in html


def test_fast_path_only_required_fields(counsellor, new_client):
    response = counsellor.post(url(new_client), data=session_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/clients/{new_client.id}")
    stored = db.session.scalars(select(CounsellingSession)
                                .where(CounsellingSession.client_id == new_client.id)).one()
    assert stored.is_baseline and stored.date == date.today()
    assert stored.channel == "walk_in" and stored.intention == "undecided"
    assert stored.awareness_answers is None and stored.awareness_score is None
    assert stored.topics == 0 and stored.notes_enc is None and stored.destination is None
    assert len(new_client.followups) == 2  # baseline schedules the waves


def test_full_session_is_stored(counsellor, new_client):
    answers = "TFFTFTTT"
    data = session_data(channel="phone", language="ps", intention="regular",
                        destination="SA", duration_minutes="25",
                        notes="Worried about an agent's fee.\nSecond line.")
    data["topics"] = ["recruitment_fees", "documents"]
    data["referrals"] = ["legal_aid"]
    for question, answer in zip(awareness.questions(), answers, strict=True):
        data[f"aw_{question.key}"] = answer
    assert counsellor.post(url(new_client), data=data).status_code == 302
    stored = db.session.scalars(select(CounsellingSession)
                                .where(CounsellingSession.client_id == new_client.id)).one()
    assert vocab.from_mask(stored.topics, vocab.TOPICS) == ["recruitment_fees", "documents"]
    assert vocab.from_mask(stored.referrals, vocab.REFERRALS) == ["legal_aid"]
    assert stored.awareness_answers == answers
    assert stored.awareness_score == awareness.max_score()
    assert stored.destination == "SA" and stored.duration_minutes == 25
    assert services.decrypt_notes(stored) == "Worried about an agent's fee.\nSecond line."
    html = text(counsellor.get(f"/cases/clients/{new_client.id}"))
    assert "Worried about an agent&#39;s fee." in html
    assert "Recruitment fees" in html and "Legal aid" in html and "Saudi Arabia" in html
    assert "8 / 8" in html


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"notes": "x" * 4001}, "notes", "Notes are limited to 4000 characters."),
    ({"date": (date.today() - timedelta(days=20)).isoformat()}, "date",
     "The session date cannot be before the client was registered."),
    ({"date": (date.today() + timedelta(days=1)).isoformat()}, "date",
     "The session date cannot be in the future."),
    ({"date": "31/31/2024"}, "date", "This is not a date in an accepted form."),
    ({"duration_minutes": "half an hour"}, "duration_minutes", "Not a valid integer value."),
    ({"duration_minutes": "0"}, "duration_minutes", "Enter a duration between 1 and 600 minutes."),
    ({"intention": None}, "intention", "Choose one of the listed values."),
    ({"intention": "maybe"}, "intention", "Not a valid choice."),
    ({"channel": "pigeon"}, "channel", "Not a valid choice."),
])
def test_bad_input_rerenders_and_writes_nothing(counsellor, new_client, overrides, field,
                                                message):
    data = session_data(**overrides)
    data["topics"] = ["remittances"]
    response = counsellor.post(url(new_client), data=data)
    assert response.status_code == 400
    html = text(response)
    assert error_at(html, field, message), html
    assert session_count(new_client) == 0
    # What was typed is still there.
    assert '<input checked id="topics-6" name="topics" type="checkbox" value="remittances">' in html


def test_partly_answered_questionnaire_is_refused(counsellor, new_client):
    data = session_data()
    first = awareness.questions()[0]
    data[f"aw_{first.key}"] = "T"
    response = counsellor.post(url(new_client), data=data)
    assert response.status_code == 400
    html = text(response)
    assert "Answer every awareness question." in html
    assert "<details class=\"awareness\" open>" in html
    assert session_count(new_client) == 0


def test_later_session_is_not_baseline(counsellor, make_client):
    record = make_client("PK-ISB", sessions=1, baseline=date.today() - timedelta(days=50))
    db.session.commit()
    assert counsellor.post(url(record), data=session_data()).status_code == 302
    sessions = db.session.scalars(select(CounsellingSession).where(
        CounsellingSession.client_id == record.id).order_by(CounsellingSession.date)).all()
    assert [s.is_baseline for s in sessions] == [True, False]


def test_language_default_follows_the_interface(counsellor, new_client):
    html = text(counsellor.get(url(new_client) + "?lang=ps"))
    assert '<option selected value="ps">' in html


@given(st.text(max_size=6), st.text(max_size=3))
def test_default_session_language_is_always_offered(locale_code, country):
    assert default_session_language(locale_code, country) in vocab.SESSION_LANGUAGE


def test_default_session_language_examples():
    assert default_session_language("fa_AF", "PK") == "fa"
    assert default_session_language("en", "BD") == "bn"
    assert default_session_language("en", "IQ") == "ar"
    assert default_session_language("en", "GB") == "en"


def test_leaflets_given_in_a_session_leave_the_stock(network, make_user, login, make_client):
    from datetime import date as day

    from mrc.extensions import db as database
    from mrc.leaflets import services as stock
    from mrc.leaflets.models import Leaflet, StockEntry

    user = make_user("counsellor")
    database.session.add(Leaflet(code="L01-regular-pathways", topic="regular_pathways",
                                 languages="en,ur", version="1.0"))
    stock.receive(network["PK-ISB"].id, "L01-regular-pathways", "ur", 1, day.today(), user)
    record = make_client("PK-ISB", sessions=1)
    browser = login(user)
    form = {"date": day.today().isoformat(), "channel": "walk_in", "language": "ur",
            "intention": "regular", "leaflets": ["L01-regular-pathways"], "leaflet_language": "ur"}
    page = browser.get(f"/cases/clients/{record.id}/sessions/new").get_data(as_text=True)
    assert "L01-regular-pathways" in page
    assert browser.post(f"/cases/clients/{record.id}/sessions/new", data=form).status_code == 302
    entry = database.session.query(StockEntry).filter_by(kind="session").one()
    assert (entry.quantity, entry.language) == (-1, "ur")
    assert stock.current_stock(network["PK-ISB"].id, "L01-regular-pathways", "ur") == 0
    # None left: the next session is refused with a message and nothing is written.
    sessions_before = len(record.sessions)
    response = browser.post(f"/cases/clients/{record.id}/sessions/new", data=form)
    assert response.status_code == 400
    assert "Only 0" in response.get_data(as_text=True)
    database.session.expire_all()
    assert len(record.sessions) == sessions_before


def test_session_language_defaults_to_the_clients_last_session(counsellor, make_client):
    record = make_client("PK-ISB", sessions=2, baseline=date.today() - timedelta(days=30))
    older, latest = sorted(record.sessions, key=lambda s: s.date)
    older.language, latest.language = "ur", "ps"
    db.session.commit()
    # The interface is in Bengali, the MRC in Pakistan: neither guess says Pashto.
    html = text(counsellor.get(url(record) + "?lang=bn"))
    assert '<option selected value="ps">' in html


def test_session_language_without_sessions_follows_interface_and_country(counsellor,
                                                                         new_client):
    assert '<option selected value="fa">' in text(counsellor.get(url(new_client) + "?lang=fa_AF"))
    assert '<option selected value="ur">' in text(counsellor.get(url(new_client) + "?lang=en"))


def _stock_one_leaflet(network, user, language="ur", copies=2):
    from mrc.leaflets import services as stock
    from mrc.leaflets.models import Leaflet

    db.session.add(Leaflet(code="L01-regular-pathways", topic="regular_pathways",
                           languages="en,ur", version="1.0"))
    stock.receive(network["PK-ISB"].id, "L01-regular-pathways", language, copies,
                  date.today(), user)
    db.session.commit()


def test_leaflet_choices_show_titles_in_the_interface_language(network, make_user, login,
                                                               new_client):
    user = make_user("counsellor")
    _stock_one_leaflet(network, user)
    browser = login(user)
    english = text(browser.get(url(new_client) + "?lang=en"))
    assert "Going abroad to work: the regular way</label>" in english
    assert "L01-regular-pathways</label>" not in english
    urdu = text(browser.get(url(new_client) + "?lang=ur"))
    assert "کام کے لیے بیرون ملک جانا: قانونی راستہ</label>" in urdu


def test_leaflets_given_appear_on_the_client_timeline(network, make_user, login, new_client):
    user = make_user("counsellor")
    _stock_one_leaflet(network, user)
    browser = login(user)
    client_page = f"/cases/clients/{new_client.id}?lang=en"
    assert "Leaflets given" not in text(browser.get(client_page))
    response = browser.post(url(new_client), data=session_data(
        leaflets=["L01-regular-pathways"], leaflet_language="ur"))
    assert response.status_code == 302
    html = text(browser.get(client_page))
    timeline = html.split('<ol class="timeline">', 1)[1]
    assert "Leaflets given" in timeline
    assert "Going abroad to work: the regular way (اردو)" in timeline

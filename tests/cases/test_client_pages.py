from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mrc.audit.models import AuditEvent
from mrc.cases import services
from mrc.cases.models import Client, CounsellingSession, FollowUp
from mrc.extensions import db
from mrc.privacy.codes import format_code
from tests.cases.conftest import error_at, register_data, text


def record_pages(record):
    return [f"/cases/clients/{record.id}", f"/cases/clients/{record.id}/card",
            f"/cases/clients/{record.id}/edit", f"/cases/clients/{record.id}/sessions/new",
            f"/cases/followups/{record.followups[0].id}/attempt"]


def test_every_page_renders_for_a_counsellor(counsellor, make_client):
    record = make_client("PK-ISB", sessions=1, phone="03001234567")
    db.session.commit()
    for url in ["/cases/register", "/cases/find", "/cases/worklist", *record_pages(record)]:
        response = counsellor.get(url)
        assert response.status_code == 200, url
        assert "<html lang=" in text(response)


@pytest.mark.parametrize("mrc", ["PK-LHE", "AF-KBL"])
def test_records_of_another_mrc_are_404(counsellor, make_client, mrc):
    record = make_client(mrc, sessions=1)
    db.session.commit()
    for url in record_pages(record):
        assert counsellor.get(url).status_code == 404, url
        assert counsellor.post(url, data={}).status_code in (404, 405), url


@pytest.mark.parametrize("role", ["supervisor", "evaluator", "admin"])
def test_other_roles_are_refused(make_user, login, make_client, role):
    record = make_client("PK-ISB", sessions=1)
    http = login(make_user(role, country="PK" if role == "supervisor" else None))
    for url in ["/cases/register", "/cases/find", "/cases/worklist", *record_pages(record)]:
        assert http.get(url).status_code == 403, url


def test_pages_need_login(client, make_client):
    assert client.get("/cases/worklist").status_code == 302


def test_client_page_shows_record_and_audits_view(counsellor, make_client):
    record = make_client("PK-ISB", sessions=2, phone="0300 1234567", province="PK-PB",
                         nationality="AF")
    db.session.commit()
    html = text(counsellor.get(f"/cases/clients/{record.id}"))
    assert f'dir="ltr">{format_code(record.code)}</bdi>' in html
    assert "+923001234567" in html
    assert "Punjab" in html and "Afghanistan" in html
    assert html.count('class="session"') == 2 and "Baseline" in html
    assert "Regular migration pathways" in html and "Risks of irregular migration" in html
    assert "note" in html  # decrypted notes
    assert "Wave 1 (+90 days)" in html and "Wave 2 (+180 days)" in html
    assert "/sessions/new" in html and "/card" in html and "/edit" in html
    assert "/erase" not in html  # counsellors cannot erase
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "view", AuditEvent.entity == "client",
        AuditEvent.entity_id == record.id)).one()
    assert event.mrc_id == record.mrc_id and event.detail == ""


def test_card_has_code_and_qr_only(counsellor, make_client, network):
    record = make_client("PK-ISB", phone="0300 1234567")
    db.session.commit()
    html = text(counsellor.get(f"/cases/clients/{record.id}/card"))
    assert f'<p class="big-code" dir="ltr">{format_code(record.code)}</p>' in html
    assert 'src="data:image/svg+xml' in html
    assert network["PK-ISB"].name in html
    assert "1234567" not in html


def test_qr_code_holds_the_code(counsellor, make_client):
    import segno

    record = make_client("PK-ISB")
    db.session.commit()
    html = text(counsellor.get(f"/cases/clients/{record.id}/card"))
    expected = segno.make_qr(format_code(record.code), error="m").svg_data_uri(scale=6, border=2)
    assert expected in html


def test_edit_changes_fields_and_phone(counsellor, make_client):
    record = make_client("PK-ISB", phone="0300 1234567")
    db.session.commit()
    form = text(counsellor.get(f"/cases/clients/{record.id}/edit"))
    assert 'value="+923001234567"' in form
    data = register_data(education="tertiary", phone="0301 7654321", reason="typing_error")
    data.pop("registered_on")
    response = counsellor.post(f"/cases/clients/{record.id}/edit", data=data)
    assert response.status_code == 302
    assert record.education == "tertiary" and record.province == "PK-PB"
    assert services.decrypt_phone(record) == "+923017654321"
    detail = db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "update", AuditEvent.entity_id == record.id)).one()
    assert "education" in detail and "phone" in detail and "765" not in detail
    # Removing the phone number.
    data["phone"] = ""
    assert counsellor.post(f"/cases/clients/{record.id}/edit", data=data).status_code == 302
    assert record.phone_enc is None and record.phone_index is None


def test_edit_with_bad_phone_changes_nothing(counsellor, make_client):
    record = make_client("PK-ISB", phone="0300 1234567")
    db.session.commit()
    data = register_data(education="tertiary", phone="12", reason="typing_error")
    response = counsellor.post(f"/cases/clients/{record.id}/edit", data=data)
    assert response.status_code == 400
    assert error_at(text(response), "phone", "This is not a valid phone number.")
    db.session.refresh(record)
    assert record.education == "secondary"
    assert services.decrypt_phone(record) == "+923001234567"


def test_withdrawing_and_giving_consent_again_reopens_waves(counsellor, make_client):
    record = make_client("PK-ISB")
    db.session.commit()
    data = register_data(followup_consent=None, reason="other")
    data.pop("registered_on")
    counsellor.post(f"/cases/clients/{record.id}/edit", data=data)
    assert {f.status for f in record.followups} == {"cancelled"}
    counsellor.post(f"/cases/clients/{record.id}/edit", data=register_data(reason="other"))
    db.session.expire_all()
    assert {f.status for f in record.followups} == {"pending"}


def test_counsellor_cannot_erase(counsellor, make_client):
    record = make_client("PK-ISB")
    db.session.commit()
    assert counsellor.get(f"/cases/clients/{record.id}/erase").status_code == 403
    assert counsellor.post(f"/cases/clients/{record.id}/erase",
                           data={"confirm": "y"}).status_code == 403
    assert record.code is not None


def test_manager_erases_client(manager, make_client):
    record = make_client("PK-ISB", sessions=3, phone="0300 1234567",
                         baseline=date.today() - timedelta(days=30))
    db.session.commit()
    code = record.code
    page = text(manager.get(f"/cases/clients/{record.id}"))
    assert f"/cases/clients/{record.id}/erase" in page
    assert manager.get(f"/cases/clients/{record.id}/erase").status_code == 200
    # Without the confirmation box nothing happens.
    assert manager.post(f"/cases/clients/{record.id}/erase", data={}).status_code == 400
    assert record.code == code
    response = manager.post(f"/cases/clients/{record.id}/erase", data={"confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    erased = db.session.get(Client, record.id)
    assert erased.code is None and erased.phone_enc is None and erased.erased_at is not None
    sessions = db.session.scalars(select(CounsellingSession)
                                  .where(CounsellingSession.client_id == record.id)).all()
    assert len(sessions) == 3 and all(s.notes_enc is None for s in sessions)
    assert db.session.scalar(select(func.count()).select_from(FollowUp).where(
        FollowUp.client_id == record.id, FollowUp.status == "pending")) == 0
    html = text(manager.get(f"/cases/clients/{record.id}"))
    assert "Erased client" in html and format_code(code) not in html
    assert "/sessions/new" not in html
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "erase", AuditEvent.entity_id == record.id)).one()
    # Erased clients cannot be edited, get sessions or a card.
    for url in (f"/cases/clients/{record.id}/edit", f"/cases/clients/{record.id}/card",
                f"/cases/clients/{record.id}/sessions/new"):
        assert manager.get(url).status_code == 302


def test_manager_of_another_mrc_gets_404(make_user, login, make_client):
    record = make_client("PK-ISB")
    http = login(make_user("manager", "PK-LHE"))
    assert http.post(f"/cases/clients/{record.id}/erase", data={"confirm": "y"}).status_code == 404
    assert record.code is not None

"""Possible duplicates at registration: shown before a new client is created."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from mrc.cases.models import Client
from mrc.extensions import db
from mrc.privacy.codes import format_code
from tests.cases.conftest import register_data, text

TODAY = date.today()
PHONE = "0300 1234567"


def client_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Client)) or 0)


def test_same_phone_is_shown_before_creating(counsellor, make_client):
    existing = make_client(phone="+92 300 1234567", sex="male", birth_year=1970,
                           baseline=TODAY - timedelta(days=300))
    db.session.commit()
    before = client_count()
    response = counsellor.post("/cases/register", data=register_data(phone=PHONE))
    html = text(response)
    assert response.status_code == 200
    assert client_count() == before  # nothing created
    assert "This client may already be registered" in html
    assert f'href="/cases/clients/{existing.id}"' in html
    assert format_code(existing.code) in html
    assert 'name="register_anyway"' in html
    # Everything typed is still there, the phone number in the (POSTed) form only.
    assert 'value="0300 1234567"' in html and 'value="1995"' in html
    assert '<option selected value="PK-PB">' in html
    assert PHONE not in (response.headers.get("Location") or "")


def test_same_coarse_fields_same_day(counsellor, make_client):
    existing = make_client(baseline=TODAY, birth_year=1995, province="PK-PB",
                           nationality="PK")
    other_day = make_client(baseline=TODAY - timedelta(days=1), birth_year=1995,
                            province="PK-PB", nationality="PK")
    db.session.commit()
    html = text(counsellor.post("/cases/register", data=register_data()))
    assert f'href="/cases/clients/{existing.id}"' in html
    assert f'href="/cases/clients/{other_day.id}"' not in html


def test_different_details_register_straight_away(counsellor, make_client):
    make_client(baseline=TODAY, birth_year=1980, province="PK-PB", nationality="PK")
    make_client(phone="0300 7654321")
    db.session.commit()
    before = client_count()
    response = counsellor.post("/cases/register", data=register_data(phone=PHONE))
    assert response.status_code == 302
    assert client_count() == before + 1


def test_register_anyway_creates(counsellor, make_client):
    existing = make_client(phone=PHONE)
    db.session.commit()
    before = client_count()
    response = counsellor.post("/cases/register",
                               data=register_data(phone=PHONE, register_anyway="y"))
    assert response.status_code == 302
    assert client_count() == before + 1
    new = db.session.scalars(select(Client).order_by(Client.id.desc())).first()
    assert new.id != existing.id and new.phone_index == existing.phone_index


def test_other_mrc_and_erased_clients_are_not_offered(counsellor, make_client):
    from mrc.cases import services

    make_client("AF-KBL", phone="+92 300 1234567")
    erased = make_client(baseline=TODAY, birth_year=1995, province="PK-PB", nationality="PK")
    services.erase_client(erased, None)
    db.session.commit()
    response = counsellor.post("/cases/register", data=register_data(phone=PHONE))
    assert response.status_code == 302


def test_invalid_input_still_reports_errors_first(counsellor, make_client):
    make_client(phone=PHONE)
    db.session.commit()
    before = client_count()
    response = counsellor.post("/cases/register", data=register_data(phone=PHONE, sex=""))
    assert response.status_code == 400
    assert client_count() == before

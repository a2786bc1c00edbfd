from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mrc.audit.models import AuditEvent
from mrc.cases.models import Client
from mrc.extensions import db
from mrc.privacy.codes import format_code, is_valid
from tests.cases.conftest import error_at, register_data, text


def client_count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Client)) or 0)


def test_register_page_defaults(counsellor):
    html = text(counsellor.get("/cases/register"))
    assert 'name="registered_on"' in html and f'value="{date.today().isoformat()}"' in html
    # Nationality defaults to the MRC's country; provinces are Pakistan's.
    assert '<option selected value="PK">' in html
    assert 'value="PK-PB"' in html and 'value="AF-KAB"' not in html
    assert "name=" in html and 'name="name"' not in html  # no names, by design


def test_register_creates_client_and_flashes_code(counsellor, network):
    before = client_count()
    response = counsellor.post("/cases/register", data=register_data(phone="0300 1234567"))
    assert response.status_code == 302
    match = re.fullmatch(r"/cases/clients/(\d+)", response.headers["Location"].split("mrc.test")[-1])
    assert match, response.headers["Location"]
    record = db.session.get(Client, int(match.group(1)))
    assert client_count() == before + 1
    assert record.code and is_valid(record.code)
    assert record.mrc_id == network["PK-ISB"].id
    assert record.province == "PK-PB" and record.nationality == "PK"
    assert record.followup_consent and record.consent_date == date.today()
    assert record.phone_enc and "1234567" not in record.phone_enc
    page = text(counsellor.get(response.headers["Location"]))
    assert format_code(record.code) in page  # flashed and shown
    assert "Client registered" in page
    assert "+923001234567" in page  # decrypted on the client page only


def test_register_without_consent_ignores_consent_date(counsellor):
    response = counsellor.post("/cases/register",
                               data=register_data(followup_consent=None))
    assert response.status_code == 302
    record = db.session.scalars(select(Client).order_by(Client.id.desc())).first()
    assert not record.followup_consent and record.consent_date is None


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"birth_year": str(date.today().year + 1)}, "birth_year",
     f"Enter a birth year between 1900 and {date.today().year}."),
    ({"birth_year": "nineteen"}, "birth_year", "Not a valid integer value."),
    ({"province": "PK-XX"}, "province", "Not a valid choice."),
    ({"province": "AF-KAB"}, "province", "Not a valid choice."),  # another country's
    ({"phone": "12"}, "phone", "This is not a valid phone number."),
    ({"sex": ""}, "sex", "Choose one of the listed values."),
    ({"registered_on": "yesterday"}, "registered_on", "This is not a date in an accepted form."),
    ({"registered_on": (date.today() + timedelta(days=1)).isoformat()}, "registered_on",
     "The registration date cannot be in the future."),
    ({"consent_date": ""}, "consent_date", "Enter the date consent to follow-up was given."),
])
def test_register_bad_input_rerenders_with_error(counsellor, overrides, field, message):
    before = client_count()
    response = counsellor.post("/cases/register", data=register_data(**overrides))
    assert response.status_code == 400
    html = text(response)
    assert error_at(html, field, message), html
    assert client_count() == before
    # Nothing typed is lost.
    assert '<option selected value="secondary">' in html


def test_register_reports_several_errors_at_once(counsellor):
    response = counsellor.post("/cases/register", data=register_data(
        birth_year=str(date.today().year + 5), phone="12"))
    html = text(response)
    assert response.status_code == 400
    assert error_at(html, "birth_year", f"Enter a birth year between 1900 and {date.today().year}.")
    assert error_at(html, "phone", "This is not a valid phone number.")
    assert 'value="12"' in html


def test_phone_never_in_url_or_audit(counsellor):
    response = counsellor.post("/cases/register", data=register_data(phone="+92 300 7654321"))
    assert "7654321" not in response.headers["Location"]
    counsellor.get(response.headers["Location"])
    counsellor.post("/cases/find", data={"search": "phone", "phone": "03007654321"})
    details = db.session.scalars(select(AuditEvent.detail)).all()
    assert details and not any("7654321" in (d or "") for d in details)

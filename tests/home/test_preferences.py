"""Display preferences: Solar Hijri dates and native or Latin digits, shown and accepted."""

from datetime import date, timedelta

from mrc.cases.models import CounsellingSession
from mrc.extensions import db


def test_solar_calendar_display_and_entry(make_user, login, make_client):
    user = make_user("counsellor")
    browser = login(user)
    record = make_client("PK-ISB", sessions=1, baseline=date(2026, 8, 1))
    response = browser.post("/preferences?lang=fa_AF",
                            data={"calendar": "solar_hijri", "latin_digits": ""})
    assert response.status_code == 302
    assert db.session.get(type(user), user.id).calendar == "solar_hijri"
    page = browser.get(f"/cases/clients/{record.id}").get_data(as_text=True)
    # 1 August 2026 is 10 Asad 1405, written with Dari (Extended Arabic-Indic) digits.
    assert "۱۰ اسد ۱۴۰۵" in page
    form_page = browser.get(f"/cases/clients/{record.id}/sessions/new").get_data(as_text=True)
    assert "Solar Hijri" in form_page or "۱۴۰۵/" in form_page  # the hint, in Dari digits
    # The session form accepts the date as the display shows it, in Dari digits.
    typed = "۱۴۰۵/۰۵/۲۰"  # 20 Asad 1405 = 11 August 2026
    response = browser.post(f"/cases/clients/{record.id}/sessions/new", data={
        "date": typed, "channel": "walk_in", "language": "fa", "intention": "none"})
    assert response.status_code == 302
    dates = {s.date for s in db.session.query(CounsellingSession).filter_by(client_id=record.id)}
    assert date(2026, 8, 11) in dates


def test_latin_digits_and_both_calendars(make_user, login, make_client):
    browser = login(make_user("counsellor"))
    record = make_client("PK-ISB", sessions=1, baseline=date(2026, 8, 1))
    browser.post("/preferences?lang=fa_AF", data={"calendar": "both", "latin_digits": "y"})
    page = browser.get(f"/cases/clients/{record.id}").get_data(as_text=True)
    assert "10 اسد 1405 (" in page and "۱" not in page.split("<main", 1)[1]


def test_gregorian_default_uses_locale_digits(make_user, login, make_client):
    browser = login(make_user("counsellor"))
    record = make_client("PK-ISB", sessions=1, baseline=date.today() - timedelta(days=3))
    page = browser.get(f"/cases/clients/{record.id}?lang=bn").get_data(as_text=True)
    assert any(ch in page for ch in "০১২৩৪৫৬৭৮৯")  # Bengali digits in dates
    form_page = browser.get(f"/cases/clients/{record.id}/sessions/new").get_data(as_text=True)
    assert 'type="date"' not in form_page  # a text box in the locale's order, not the browser's
    today = date.today()
    assert f"{today.day:02d}/{today.month:02d}/" in form_page.translate(
        str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789"))

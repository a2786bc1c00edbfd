from datetime import date, timedelta

from mrc.extensions import db
from mrc.leaflets import services as stock
from mrc.leaflets.models import Leaflet
from mrc.outreach import services
from mrc.outreach.models import OutreachEvent


def form_data(**changes):
    data = {"date": (date.today() - timedelta(days=1)).isoformat(), "type": "job_fair",
            "province": "PK-IS", "att_female_18_34": "14", "att_male_18_34": "30",
            "attendance_total": "44", "topics": ["recruitment_fees", "labour_rights"],
            "partners": "Chamber of commerce"}
    data.update(changes)
    return data


def test_record_event_in_the_browser(network, make_user, login):
    browser = login(make_user("counsellor"))
    assert browser.get("/outreach/new").status_code == 200
    response = browser.post("/outreach/new", data=form_data())
    assert response.status_code == 302
    event = db.session.query(OutreachEvent).one()
    assert (event.attendance_total, event.mrc_id) == (44, network["PK-ISB"].id)
    listing = browser.get("/outreach/").get_data(as_text=True)
    assert f'id="event-{event.id}"' in listing


def test_totals_that_do_not_add_up_are_shown_and_nothing_is_saved(network, make_user, login):
    browser = login(make_user("counsellor"))
    response = browser.post("/outreach/new", data=form_data(attendance_total="50"))
    assert response.status_code == 400
    assert "does not match the sum" in response.get_data(as_text=True)
    assert db.session.query(OutreachEvent).count() == 0


def test_leaflet_rows_and_stock(network, make_user, login):
    user = make_user("counsellor")
    db.session.add(Leaflet(code="L03", topic="recruitment_fees", languages="en,ur", version="1"))
    stock.receive(network["PK-ISB"].id, "L03", "ur", 40, date.today(), user)
    browser = login(user)
    half = form_data(**{"leaflets-0-leaflet": "L03", "leaflets-0-language": "",
                        "leaflets-0-quantity": "5"})
    response = browser.post("/outreach/new", data=half)
    assert response.status_code == 400 and "on each line" in response.get_data(as_text=True)
    too_many = form_data(**{"leaflets-0-leaflet": "L03", "leaflets-0-language": "ur",
                            "leaflets-0-quantity": "41"})
    response = browser.post("/outreach/new", data=too_many)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Only 40" in body
    ok = form_data(**{"leaflets-0-leaflet": "L03", "leaflets-0-language": "ur",
                      "leaflets-0-quantity": "25"})
    assert browser.post("/outreach/new", data=ok).status_code == 302
    assert stock.current_stock(network["PK-ISB"].id, "L03", "ur") == 15


def test_events_of_another_mrc_are_invisible(network, make_user, login):
    other = services.record_event(network["IQ-EBL"], {
        "date": date.today(), "type": "community_session", "att_male_35_plus": 9}, None)
    mine = services.record_event(network["PK-ISB"], {
        "date": date.today(), "type": "community_session", "att_male_35_plus": 7}, None)
    browser = login(make_user("counsellor"))
    assert browser.get(f"/outreach/{other.id}/edit").status_code == 404
    assert browser.get(f"/outreach/{mine.id}/edit").status_code == 200
    listing = browser.get("/outreach/").get_data(as_text=True)
    assert f"event-{other.id}" not in listing and f"event-{mine.id}" in listing


def test_edit_and_filter(network, make_user, login):
    event = services.record_event(network["PK-ISB"], {
        "date": date.today() - timedelta(days=40), "type": "radio_tv", "estimated_reach": 1000}, None)
    browser = login(make_user("counsellor"))
    response = browser.post(f"/outreach/{event.id}/edit", data={
        "date": event.date.isoformat(), "type": "radio_tv", "estimated_reach": "2500",
        "topics": ["remittances"]})
    assert response.status_code == 302
    assert db.session.get(OutreachEvent, event.id).estimated_reach == 2500
    recent = browser.get(f"/outreach/?date_from={(date.today() - timedelta(days=7)).isoformat()}")
    assert f"event-{event.id}" not in recent.get_data(as_text=True)
    radio = browser.get("/outreach/?type=radio_tv")
    assert f"event-{event.id}" in radio.get_data(as_text=True)


def test_supervisors_cannot_open_outreach_records(network, make_user, login):
    browser = login(make_user("supervisor", None, country="PK"))
    assert browser.get("/outreach/").status_code == 403


def test_a_nameless_file_part_is_ignored(network, make_user, login):
    """A multipart part whose name parses to nothing (the fuzz test's '\\r' file) reaches the
    form as the key None; the form answers with its errors instead of failing."""
    import io

    browser = login(make_user("counsellor", "PK-ISB"))
    response = browser.post("/outreach/new", content_type="multipart/form-data",
                            data={"att_female_18_34": "", "\r": (io.BytesIO(b""), "bin")})
    assert response.status_code == 400

from datetime import date, timedelta

import pytest

from mrc.cases.services import ValidationError
from mrc.extensions import db
from mrc.leaflets import services as stock
from mrc.leaflets.models import Leaflet, StockEntry
from mrc.outreach import services
from mrc.outreach.models import OutreachEvent


def event_data(**changes):
    data = {"date": date.today() - timedelta(days=3), "type": "community_session",
            "province": "PK-IS", "att_female_18_34": 12, "att_male_18_34": 20,
            "att_female_under_18": 3, "topics": ["irregular_risks", "recruitment_fees"],
            "partners": "District office"}
    data.update(changes)
    return data


def test_record_event_with_leaflets(network, make_user):
    mrc, user = network["PK-ISB"], make_user("counsellor")
    db.session.add(Leaflet(code="L02", topic="irregular_risks", languages="ur", version="1"))
    stock.receive(mrc.id, "L02", "ur", 50, date.today(), user)
    event = services.record_event(mrc, event_data(attendance_total=35), user,
                                  leaflets=[stock.HandOut("L02", "ur", 30)])
    assert event.attendance_total == 35
    assert stock.current_stock(mrc.id, "L02", "ur") == 20
    assert db.session.query(StockEntry).filter_by(event_id=event.id).one().quantity == -30


@pytest.mark.parametrize(("changes", "field"), [
    ({"attendance_total": 99}, "attendance_total"),
    ({"date": date.today() + timedelta(days=1)}, "date"),
    ({"type": "party"}, "type"),
    ({"province": "XX-YY"}, "province"),
    ({"att_male_35_plus": -1}, "att_male_35_plus"),
    ({"type": "radio_tv"}, "estimated_reach"),
    ({"att_female_18_34": 0, "att_male_18_34": 0, "att_female_under_18": 0}, "attendance_total"),
    ({"topics": ["cooking"]}, "topics"),
    ({"partners": "x" * 301}, "partners"),
])
def test_invalid_events_are_refused(network, changes, field):
    with pytest.raises(ValidationError) as info:
        services.record_event(network["PK-ISB"], event_data(**changes), None)
    assert field in info.value.errors
    assert db.session.query(OutreachEvent).count() == 0


def test_leaflets_beyond_stock_write_nothing(network):
    mrc = network["PK-ISB"]
    db.session.add(Leaflet(code="L02", topic="irregular_risks", languages="ur", version="1"))
    with pytest.raises(ValidationError) as info:
        services.record_event(mrc, event_data(), None, leaflets=[stock.HandOut("L02", "ur", 5)])
    assert "leaflets" in info.value.errors
    assert db.session.query(OutreachEvent).count() == 0


def test_media_event_and_update(network, make_user):
    user = make_user("counsellor")
    event = services.record_event(network["PK-ISB"], event_data(
        type="radio_tv", estimated_reach=250_000, att_female_18_34=0, att_male_18_34=0,
        att_female_under_18=0), user)
    assert event.attendance_total == 0
    changed = services.update_event(event, {"estimated_reach": 300_000, "topics": ["remittances"]}, user)
    assert set(changed) == {"estimated_reach", "topics"}

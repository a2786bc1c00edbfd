"""The summary tables stay equal to a full recompute from the records as records change
through the services (and the dashboard numbers follow)."""

from datetime import date, timedelta

import pytest

from mrc.aggregates import summaries
from mrc.aggregates.models import NO_EARLIER, SessionMonth
from mrc.aggregates.periods import Period
from mrc.aggregates.services import indicator_tables
from mrc.cases import services as cases
from mrc.extensions import db
from mrc.leaflets import services as stock
from mrc.leaflets.models import Leaflet
from mrc.outreach import services as outreach


def assert_consistent():
    summaries.apply_pending()
    stored = summaries.stored()
    fresh = summaries.recompute()
    for model, rows in fresh.items():
        assert stored[model] == rows, model.__tablename__


def session_data(day, **changes):
    data = {"date": day, "channel": "phone", "language": "ur", "topics": ["documents"],
            "destination": "AE", "intention": "irregular", "awareness_answers": None,
            "referrals": [], "duration_minutes": 20, "notes": ""}
    data.update(changes)
    return data


def test_every_change_through_the_services_keeps_summaries_exact(network, make_client):
    today = date.today()
    a = make_client(sessions=3, baseline=today - timedelta(days=200),
                    registered_on=today - timedelta(days=300))
    b = make_client("PK-LHE", sessions=1, sex="male", birth_year=None,
                    baseline=today - timedelta(days=120))
    assert_consistent()
    # A session entered late, before the baseline: it becomes the baseline, waves move.
    cases.log_session(a, session_data(today - timedelta(days=260)), None)
    assert_consistent()
    cases.update_client(b, {"sex": "female", "migrant_status": "returnee"}, None)
    assert_consistent()
    wave = min(b.followups, key=lambda f: f.wave)
    cases.record_attempt(wave, {"date": today - timedelta(days=5), "method": "phone",
                                "reached": True, "location_status": "stayed",
                                "intention": "regular", "used_mrc_info": True}, None)
    assert_consistent()
    cases.update_client(a, {"followup_consent": False}, None)
    assert_consistent()
    cases.erase_client(b, None)
    assert_consistent()
    db.session.commit()  # the commit listener applies pending work too
    assert_consistent()


def test_outreach_and_leaflets_follow_their_records(network):
    mrc = network["PK-ISB"]
    db.session.add(Leaflet(code="L01", topic="documents", languages="ur", version="1"))
    stock.receive(mrc.id, "L01", "ur", 50, date.today() - timedelta(days=90), None)
    event = outreach.record_event(mrc, {"date": date.today() - timedelta(days=40),
                                        "type": "job_fair", "att_female_18_34": 12,
                                        "att_male_35_plus": 3},
                                  None, leaflets=[stock.HandOut("L01", "ur", 7)])
    assert_consistent()
    outreach.update_event(event, {"date": date.today() - timedelta(days=75),
                                  "att_male_35_plus": 8}, None)
    assert_consistent()
    rebuilt = summaries.rebuild()
    assert rebuilt["agg_outreach_month"] > 0 and rebuilt["agg_leaflet_month"] == 2
    assert_consistent()


@pytest.mark.usefixtures("suppression_method")
def test_new_and_returning_clients_count_each_person_once(network, make_client):
    first = date(2025, 1, 6)
    client = make_client(sessions=1, baseline=first, consent=False)
    for day in (date(2025, 2, 3), date(2025, 2, 10), date(2025, 4, 7)):
        cases.log_session(client, session_data(day), None)
    summaries.apply_pending()
    rows = db.session.query(SessionMonth).filter_by(dim="all").all()
    assert sum(r.sessions for r in rows) == 4
    year = Period(date(2025, 1, 1), date(2025, 12, 1), "year")
    spring = Period(date(2025, 2, 1), date(2025, 4, 1))
    ids = [network["PK-ISB"].id]

    def headline(period, key):
        table = next(t for t in indicator_tables(ids, period, "mrc", threshold=1)
                     if t.key == key)
        return table.cells[0][-1]

    assert headline(year, "clients") == 1 and headline(year, "new_clients") == 1
    assert headline(spring, "clients") == 1 and headline(spring, "returning_clients") == 1
    assert headline(spring, "new_clients") == 0
    assert date(2000, 1, 1) > NO_EARLIER


@pytest.mark.usefixtures("suppression_method")
def test_dashboard_numbers_change_when_a_record_changes(network, make_client):
    today = date.today()
    ids = [network["PK-ISB"].id]
    period = Period(today.replace(day=1), today.replace(day=1))
    for _ in range(6):
        make_client(sessions=1, baseline=today)

    def sessions_total():
        table = next(t for t in indicator_tables(ids, period, "mrc") if t.key == "sessions")
        return table.cells[0][-1]

    assert sessions_total() == 6
    extra = make_client(sessions=1, baseline=today)
    cases.log_session(extra, session_data(today), None)
    assert sessions_total() == 8

"""The capture services announce their changes through :mod:`mrc.signals`, at the moment
the signal's docstring promises, and ``create_app`` connects the summaries to them once."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from blinker import NamedSignal

from mrc import create_app, signals
from mrc.aggregates import deltas
from mrc.cases import services as cases
from mrc.cases.models import CounsellingSession
from mrc.extensions import db
from mrc.leaflets import services as stock
from mrc.leaflets.models import Leaflet
from mrc.outreach import services as outreach
from tests.conftest import make_config


@contextmanager
def heard(signal: NamedSignal, look: Callable[..., Any]) -> Iterator[list[Any]]:
    """What ``look(sender, **kw)`` saw at each send of ``signal`` inside the block."""
    seen: list[Any] = []

    def receiver(sender: Any, **kw: Any) -> None:
        seen.append(look(sender, **kw))

    with signal.connected_to(receiver):
        yield seen


def session_data(day: date) -> dict[str, Any]:
    return {"date": day, "channel": "phone", "language": "ur", "topics": ["documents"],
            "destination": "AE", "intention": "irregular", "awareness_answers": None,
            "referrals": [], "duration_minutes": 20, "notes": ""}


def sessions_of(client_id: int) -> int:
    return db.session.query(CounsellingSession).filter_by(client_id=client_id).count()


def test_case_services_send_client_changing_before_they_change(network, make_client):
    today = date.today()
    client = make_client(sessions=1, baseline=today - timedelta(days=120))
    with heard(signals.client_changing, lambda sender: (sender, sessions_of(sender))) as seen:
        cases.log_session(client, session_data(today - timedelta(days=3)), None)
    assert seen == [(client.id, 1)]  # sent while the client still had one session

    with heard(signals.client_changing, lambda sender: (sender, db.session.get(
            type(client), sender).sex)) as seen:
        cases.update_client(client, {"sex": "male"}, None)
    assert seen == [(client.id, "female")] and client.sex == "male"

    wave = min(client.followups, key=lambda f: f.wave)
    with heard(signals.client_changing, lambda sender: (sender, len(wave.attempts))) as seen:
        cases.record_attempt(wave, {"date": today - timedelta(days=1), "method": "phone",
                                    "reached": False, "location_status": None,
                                    "intention": None, "used_mrc_info": None}, None)
    assert seen == [(client.id, 0)]

    with heard(signals.client_changing, lambda sender: (sender, sessions_of(sender))) as seen:
        cases.erase_client(client, None)
    assert seen and seen[0] == (client.id, 2)


def test_outreach_sends_event_changed_with_the_event_before_its_change(network):
    mrc = network["PK-ISB"]
    first, later = date.today() - timedelta(days=40), date.today() - timedelta(days=75)
    with heard(signals.event_changed, lambda sender: (sender.id, sender.date)) as seen:
        event = outreach.record_event(mrc, {"date": first, "type": "job_fair",
                                            "att_female_18_34": 12}, None)
    assert seen == [(event.id, first)] and event.id is not None
    with heard(signals.event_changed, lambda sender: (sender.id, sender.date)) as seen:
        outreach.update_event(event, {"date": later}, None)
    assert seen == [(event.id, first)] and event.date == later


def test_hand_out_sends_leaflets_changed_with_mrc_and_day(network):
    mrc = network["PK-ISB"]
    db.session.add(Leaflet(code="L01", topic="documents", languages="ur", version="1"))
    stock.receive(mrc.id, "L01", "ur", 20, date.today() - timedelta(days=30), None)
    day = date.today() - timedelta(days=2)
    with heard(signals.leaflets_changed, lambda sender, on_date: (sender, on_date)) as seen:
        outreach.record_event(mrc, {"date": day, "type": "job_fair", "att_male_18_34": 4},
                              None, leaflets=[stock.HandOut("L01", "ur", 3)])
    assert seen == [(mrc.id, day)]
    assert stock.current_stock(mrc.id, "L01", "ur") == 17


def test_every_app_connects_the_summaries_exactly_once(database_url):
    receivers = {
        signals.client_changing: deltas.client_changing,
        signals.event_changed: deltas.event_changed,
        signals.leaflets_changed: deltas.leaflets_changed,
    }
    for _ in range(2):  # a second app in the same process adds nothing
        create_app(make_config(database_url))
        for signal, receiver in receivers.items():
            connected = [r for r in signal.receivers.values() if r is receiver]
            assert connected == [receiver], signal.name

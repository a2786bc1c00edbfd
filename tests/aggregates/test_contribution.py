"""The Python computation of a client's summary contribution equals the SQL builders (#16).

The per-client deltas of every save use :mod:`mrc.aggregates.contribution`; the rebuild and
the slices use the SQL builders of :mod:`mrc.aggregates.sources`. These tests keep the two
definitions one: for every client of a demo, and for records shaped the way the demo never
shapes them.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from mrc.aggregates import deltas
from mrc.aggregates.contribution import age_band
from mrc.aggregates.models import ClientMonth, OutcomeMonth, SessionMonth
from mrc.aggregates.sources import CASE_MODELS, OUTCOME_MEASURES
from mrc.cases import vocab
from mrc.cases.models import Client
from mrc.demo.services import load_demo
from mrc.extensions import db


def assert_same(client_ids):
    python = deltas.client_contribution(client_ids)
    sql = deltas.sql_contribution(client_ids)
    for model in CASE_MODELS:
        assert python[model] == sql[model], model.__tablename__
    return python


def test_every_demo_client_adds_what_the_sql_builders_say(app):
    load_demo(1, 120)
    db.session.flush()
    ids = list(db.session.scalars(select(Client.id).order_by(Client.id)))
    assert len(ids) >= 120
    for client_id in ids:  # one at a time, as a save computes it
        assert_same([client_id])
    together = assert_same(ids)  # and summed over many, as an import computes it
    # The demo exercises every table, so the comparison is not of empty results.
    assert all(together[m] for m in CASE_MODELS)
    assert any(key[2] == "topic" for key in together[SessionMonth])


def test_records_the_demo_never_makes_add_the_same(network, make_client):
    today = date.today()
    plain = make_client(sessions=3, baseline=today - timedelta(days=400), birth_year=None)
    # Sessions at two MRCs in one month, and a later session returning after a gap.
    moved = make_client(sessions=2, baseline=today - timedelta(days=300), birth_year=2010)
    moved.sessions[1].mrc_id = network["PK-LHE"].id
    moved.sessions[1].date = moved.sessions[0].date + timedelta(days=1)
    moved.sessions[0].awareness_score = 3
    # A deleted session (the baseline stays), no destination, a mask with every topic.
    edited = make_client("PK-LHE", sessions=3, baseline=today - timedelta(days=250),
                         birth_year=1960, sex="male", migrant_status="returnee")
    edited.sessions[2].deleted_at = datetime.now(UTC)
    edited.sessions[1].destination = None
    edited.sessions[1].topics = (1 << len(vocab.TOPICS)) - 1
    edited.sessions[0].intention = "irregular"
    waves = sorted(plain.followups, key=lambda f: f.wave)
    assert len(waves) == 2
    waves[0].status = "reached"
    waves[0].completed_on = today - timedelta(days=10)
    waves[0].intention = "regular"
    waves[0].used_mrc_info = False
    waves[0].awareness_score = 5
    waves[1].status = "cancelled"
    first, second = sorted(moved.followups, key=lambda f: f.wave)
    first.status = "reached"
    first.used_mrc_info = True
    first.awareness_score = 4
    first.completed_on = today - timedelta(days=3)
    second.status = "lapsed"
    third, fourth = sorted(edited.followups, key=lambda f: f.wave)
    third.status = "reached"  # reached with no completion date: due, but no outcome row
    fourth.status = "unreachable"
    db.session.flush()
    # A client with no sessions at all, and one whose only session was deleted.
    empty = make_client(sessions=0)
    gone = make_client(sessions=1)
    gone.sessions[0].deleted_at = datetime.now(UTC)
    db.session.flush()
    ids = [plain.id, moved.id, edited.id, empty.id, gone.id]
    for client_id in ids:
        assert_same([client_id])
    rows = assert_same(ids)
    overall = [v for k, v in rows[OutcomeMonth].items() if k[2] == "all"]

    def total(measure):
        return sum(v[OUTCOME_MEASURES.index(measure)] for v in overall)

    assert total("reached") == 3
    assert total("unreachable") == 2  # lapsed and unreachable
    assert total("followup_n") == 2  # follow-ups completed
    assert total("paired") == 1  # paired once (the other baseline has no score)
    assert ("age_band", "unknown") in {k[3:] for k in rows[ClientMonth]}


def test_age_band_matches_the_sql_bounds():
    on = date(2026, 3, 1)
    assert age_band(on, None) == "unknown"
    assert age_band(on, 2008) == "18_34"  # 18 in the registration year
    assert age_band(on, 2009) == "under_18"
    assert age_band(on, 1992) == "18_34"
    assert age_band(on, 1991) == "35_plus"

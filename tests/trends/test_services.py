"""Signals from the database (#12): weekly counts per MRC, country and region from live
sessions only, a rise found, and what is published of it (protected shares, no counts)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert

from mrc.aggregates import services as aggregates
from mrc.aggregates.hierarchy import org
from mrc.cases.models import CounsellingSession
from mrc.extensions import db
from mrc.trends import services, weekly
from mrc.trends.weekly import SeriesKey

WEEK = weekly.last_complete_week(date.today())  # the week scored
QUIET_WEEKS = 20


def add_sessions(client_id: int, mrc_id: int, day: date, routes: dict[str, int],
                 deleted: bool = False) -> None:
    rows = [{"client_id": client_id, "mrc_id": mrc_id, "date": day, "channel": "walk_in",
             "language": "ur", "intention": "undecided", "route": route, "topics": 0,
             "referrals": 0, "created_at": datetime.now(UTC),
             "deleted_at": datetime.now(UTC) if deleted else None}
            for route, count in routes.items() for _ in range(count)]
    db.session.execute(insert(CounsellingSession), rows)


@pytest.fixture
def rising_route(network, make_client):
    """At PK-ISB: 30 route answers a week, 3 of them "air_gulf"; 15 in the week scored
    (and 10 more that were deleted as entered in error)."""
    client = make_client("PK-ISB", sessions=0)
    mrc_id = network["PK-ISB"].id
    for k in range(1, QUIET_WEEKS + 1):
        add_sessions(client.id, mrc_id, WEEK - timedelta(weeks=k) + timedelta(days=k % 5),
                     {"air_direct": 27, "air_gulf": 3})
    add_sessions(client.id, mrc_id, WEEK + timedelta(days=2), {"air_direct": 15, "air_gulf": 15})
    add_sessions(client.id, mrc_id, WEEK + timedelta(days=3), {"air_gulf": 10}, deleted=True)
    db.session.flush()
    return [mrc_id]


def test_a_rise_signals_at_the_mrc_its_country_and_region(rising_route) -> None:
    evaluation = services.evaluate(org(rising_route), WEEK)
    found = {s.key: s for s in evaluation.signals}
    for kind, unit in (("mrc", "PK-ISB"), ("country", "PK"), ("region", "SOUTH_ASIA")):
        signal = found[SeriesKey(kind, unit, "route", "air_gulf")]
        assert signal.share == pytest.approx(0.5)  # the deleted sessions do not count
        assert signal.expected == pytest.approx(0.1, abs=0.01)
        assert signal.ratio == pytest.approx(5, rel=0.1) and signal.weeks_running == 1
        assert signal.week == WEEK and signal.z > 3
    assert not any(s.key.dimension == "intention" for s in evaluation.signals)  # all the same
    assert len(found) == 3


@pytest.mark.usefixtures("suppression_method")
def test_what_is_published_are_protected_shares(rising_route) -> None:
    evaluation = services.evaluate(org(rising_route), WEEK)
    shown = services.publish(evaluation, threshold=5)
    assert len(shown) == 3
    history = shown[0].history
    assert len(history) == services.SHOWN_WEEKS
    assert history[-1] == pytest.approx(0.5)
    assert all(h is None for h in history[:-1])  # 3 of 30: below the threshold, hidden
    data = services.as_dict(shown[0])
    assert set(data) == {"week", "unit_kind", "unit", "dimension", "value", "share",
                         "usual_share", "ratio", "weeks_running", "history"}
    # With a threshold above the week's 15, the week itself is hidden: nothing is shown.
    assert services.publish(evaluation, threshold=16) == []


@pytest.mark.usefixtures("suppression_method")
def test_the_command_prints_the_published_signals(app, rising_route) -> None:
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mrc", "signals", "run", "--scope", "PK-ISB",
                                 "--week", WEEK.isoformat(), "--format", "json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert {(s["unit_kind"], s["value"]) for s in printed} == {
        ("mrc", "air_gulf"), ("country", "air_gulf"), ("region", "air_gulf")}
    assert "series scored" in result.stderr
    text = runner.invoke(args=["mrc", "signals", "run", "--scope", "PK-ISB",
                               "--week", WEEK.isoformat()])
    assert f"{WEEK.isoformat()}  mrc:PK-ISB  route=air_gulf  4.9x its usual share (10% -> 50%)" \
        in text.stdout.splitlines()[0]


def test_with_the_cell_key_method_shares_come_from_perturbed_counts(app, monkeypatch,
                                                                    rising_route) -> None:
    """Nothing hidden, no true small count used: every week's share is a published value
    over a published total, each from its own sessions' record keys, so the same week has
    the same share in every request (and the signal's share is the published one)."""
    monkeypatch.setitem(app.config, "MRC_DISCLOSURE_METHOD", "cellkey")
    evaluation = services.evaluate(org(rising_route), WEEK)
    shown = services.publish(evaluation, threshold=5)
    assert len(shown) == 3
    series = evaluation.series
    row = series.keys.index(shown[0].key)
    cols = slice(-services.SHOWN_WEEKS, None)
    values = aggregates.perturbed(series.x[row, cols].tolist(),
                                  series.x_key[row, cols].tolist(), 5)
    totals = aggregates.perturbed(series.n[row, cols].tolist(),
                                  series.n_key[row, cols].tolist(), 5)
    assert shown[0].history == tuple(v / t for v, t in zip(values, totals, strict=True))
    assert shown[0].share == shown[0].history[-1]
    assert all(v == 0 or v >= 5 for v in values)  # 3 a week is never published as 3
    assert any(h != pytest.approx(0.1) for h in shown[0].history[:-1])  # perturbed
    assert shown == services.publish(services.evaluate(org(rising_route), WEEK), threshold=5)
    # The MRC is the only one in its country and region: the same sessions, the same keys,
    # hence the same published shares at all three levels.
    assert len({s.history for s in shown}) == 1

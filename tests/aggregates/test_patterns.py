"""The pattern store (mrc.aggregates.patterns): a save keeps the trend table's pattern
(checked, not solved again), Redis shares patterns between workers, and production without
Redis never reuses a previous version's pattern."""

from datetime import date

import pytest

from mrc.aggregates import patterns, periods, services
from mrc.cases import services as cases
from mrc.extensions import db
from mrc.privacy import suppression
from mrc.privacy.suppression_audit import assert_safe
from mrc.privacy.tables import Table


def session(make_client, intention):
    client = make_client("PK-ISB", sessions=0, baseline=date.today().replace(day=1))
    cases.log_session(client, {
        "date": date.today(), "channel": "walk_in", "language": "ur", "topics": [],
        "destination": "SA", "intention": intention, "awareness_answers": None,
        "referrals": [], "duration_minutes": 30, "notes": ""}, user=None)
    db.session.flush()


@pytest.fixture
def mips(monkeypatch):
    """Counts the exact MIP's runs, and audits every table ``protect`` publishes."""
    runs = []
    real_mip, real_protect = suppression.mip_pattern, services.protect

    def counted(problem):
        runs.append(problem)
        return real_mip(problem)

    def audited(table: Table, threshold: int, lineage: str = ""):
        result = real_protect(table, threshold, lineage)
        assert_safe(table, result.suppressed, threshold)
        return result

    monkeypatch.setattr(suppression, "mip_pattern", counted)
    monkeypatch.setattr(services, "protect", audited)
    patterns.clear_local()
    return runs


def intention_trend(network):
    period = periods.month(date.today().year, date.today().month)
    tables = services.trend_tables([network["PK-ISB"].id], period)
    return next(t for t in tables if t.key == "trend_intention")


def planted(make_client):
    for intention, n in (("undecided", 8), ("irregular", 2), ("regular", 7), ("none", 6)):
        for _ in range(n):
            session(make_client, intention)


@pytest.mark.usefixtures("suppression_method")
def test_a_save_keeps_the_pattern_and_does_not_solve_again(network, make_client, mips):
    planted(make_client)
    before = intention_trend(network)
    assert mips, "the small trend table is solved exactly the first time"
    assert any(any(r) for r in before.suppressed)
    solved = len(mips)
    session(make_client, "undecided")  # 8 -> 9: the small cells stay as they were
    after = intention_trend(network)
    assert len(mips) == solved  # checked against the new numbers, not solved again
    assert after.suppressed == before.suppressed
    assert after.cells != before.cells
    session(make_client, "irregular")  # 2 -> 3: still small, still the same cells
    assert intention_trend(network).suppressed == before.suppressed
    assert len(mips) == solved
    for _ in range(3):
        session(make_client, "irregular")  # 3 -> 6: the sensitive cells change
    fresh = intention_trend(network)
    assert not any(any(r) for r in fresh.suppressed)


@pytest.mark.usefixtures("suppression_method")
def test_production_without_redis_solves_each_version_afresh(app, network, make_client, mips,
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "MRC_ENV", "production")
    planted(make_client)
    intention_trend(network)
    solved = len(mips)
    session(make_client, "undecided")
    intention_trend(network)
    assert len(mips) > solved


@pytest.mark.usefixtures("suppression_method")
def test_redis_shares_patterns_between_workers(app, network, make_client, mips, redis_url,
                                               monkeypatch):
    from redis import Redis

    Redis.from_url(redis_url).flushall()
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "MRC_ENV", "production")
    planted(make_client)
    first = intention_trend(network)
    solved = len(mips)
    patterns.clear_local()  # another worker: nothing in its memory
    assert intention_trend(network) == first
    assert len(mips) == solved
    patterns.clear_local()
    session(make_client, "undecided")  # with Redis, production reuses the previous version
    assert intention_trend(network).suppressed == first.suppressed
    assert len(mips) == solved
    keys = Redis.from_url(redis_url).keys(patterns.REDIS_PREFIX + "*")
    assert keys and all(len(k) == len(patterns.REDIS_PREFIX) + 65 for k in keys)


def test_a_redis_that_does_not_answer_falls_back_to_memory(app, network, make_client, mips,
                                                           monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    planted(make_client)
    first = intention_trend(network)
    assert intention_trend(network) == first


@pytest.mark.usefixtures("suppression_method")
def test_production_with_redis_away_solves_each_version_afresh(app, network, make_client,
                                                              mips, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.config, "MRC_ENV", "production")
    planted(make_client)
    intention_trend(network)
    solved = len(mips)
    session(make_client, "undecided")  # this worker's memory would offer a previous pattern
    intention_trend(network)
    assert len(mips) > solved

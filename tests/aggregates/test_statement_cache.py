"""The summary statements stay within what psycopg caches once converted (#16), and a
session save runs none of the large ones."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event

from mrc.database import PSYCOPG_CACHED_STATEMENT
from mrc.extensions import db
from mrc.outreach import services as outreach

Statements = list[tuple[str, int]]


@contextmanager
def captured() -> Iterator[Statements]:
    statements: Statements = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, len(parameters or ())))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)


def longest(statements: Statements) -> int:
    return max(len(s.encode()) for s, _ in statements)


def record_event(network) -> None:
    outreach.record_event(network["PK-ISB"], {
        "date": date.today() - timedelta(days=10), "type": "job_fair",
        "att_female_18_34": 12, "att_male_35_plus": 3}, None)
    db.session.commit()


def test_summary_statements_fit_the_driver_cache(network):
    with captured() as statements:
        for _ in range(2):
            record_event(network)
    # The long SELECTs of the outreach slice ran (else this measures nothing) and fit.
    assert longest(statements) > 4_096
    assert longest(statements) <= PSYCOPG_CACHED_STATEMENT["MAX_CACHED_STATEMENT_LENGTH"]
    if db.engine.dialect.driver == "psycopg":
        from psycopg import _queries

        most_parameters = max(n for _, n in statements)
        assert most_parameters <= PSYCOPG_CACHED_STATEMENT["MAX_CACHED_STATEMENT_PARAMS"]

        assert longest(statements) <= _queries.MAX_CACHED_STATEMENT_LENGTH
        assert most_parameters <= _queries.MAX_CACHED_STATEMENT_PARAMS
        # The second event's statements were the first's: converted once, then cached.
        assert _queries._query2pg.cache_info().hits > 0


def test_a_session_save_runs_only_small_statements(make_client):
    make_client(sessions=1)
    db.session.commit()
    with captured() as statements:
        make_client(sessions=2)
        db.session.commit()
    # The client's contribution is read with three small SELECTs, not the summary unions
    # (6.8, 13.0 and 27.5 KB each, twice per save before #16). The longest left is the
    # outcome upsert, 25 measures with their key sums (#11): 2.5 KB (SQLite), 3.2 KB (PG).
    assert len(statements) > 5
    assert longest(statements) < 4_096, max(statements, key=lambda s: len(s[0]))[0][:200]


def test_a_later_session_locks_the_client_in_its_read_and_deletes_no_summary_row(make_client):
    from mrc.cases import services

    record = make_client(sessions=1)
    db.session.commit()
    with captured() as statements:
        services.log_session(record, {
            "date": date.today(), "channel": "phone", "language": "ur",
            "topics": ["regular_pathways"], "destination": "AE", "intention": "regular",
            "awareness_answers": None, "referrals": [], "duration_minutes": 20, "notes": ""},
            user=None)
        db.session.commit()
    texts = [" ".join(s.split()) for s, _ in statements]
    # Only counts going up: no summary row can have become all zero, so none is looked for.
    assert not [s for s in texts if s.startswith("DELETE FROM agg_")]
    assert [s for s in texts if s.startswith("INSERT INTO agg_session_month")]
    snapshots = [s for s in texts if s.startswith("SELECT client.id, client.sex")]
    assert len(snapshots) == 2  # before the change and at commit
    if db.engine.dialect.name == "postgresql":  # the first is the client's lock
        assert snapshots[0].endswith("FOR UPDATE OF client")
    assert not [s for s in texts if s.startswith("SELECT client.id FROM client WHERE")]


def test_a_deleted_session_still_removes_the_rows_it_empties(make_client):
    from sqlalchemy import func, select

    from mrc.aggregates import summaries
    from mrc.aggregates.models import SessionMonth
    from mrc.cases import corrections
    from mrc.cases.models import CounsellingSession

    record = make_client(sessions=2, baseline=date(2024, 3, 25))  # then 2024-04-01
    db.session.commit()
    april = select(func.count()).select_from(SessionMonth).where(
        SessionMonth.month == date(2024, 4, 1))
    assert db.session.scalar(april)
    later = db.session.scalars(select(CounsellingSession).where(
        CounsellingSession.client_id == record.id,
        CounsellingSession.date == date(2024, 4, 1))).one()
    corrections.delete_session(later, reason="duplicate", user=None)
    db.session.commit()
    assert db.session.scalar(april) == 0
    assert summaries.stored() == summaries.recompute()

"""The summary-delta statements stay within what psycopg caches once converted (#16)."""

from __future__ import annotations

from sqlalchemy import event

from mrc.database import PSYCOPG_CACHED_STATEMENT
from mrc.extensions import db


def test_summary_statements_fit_the_driver_cache(make_client):
    statements: list[tuple[str, int]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, len(parameters or ())))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        for _ in range(2):
            make_client(sessions=2)
            db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    longest = max(len(s.encode()) for s, _ in statements)
    # The long SELECTs of the summary deltas ran (else this measures nothing) and fit.
    assert longest > 4_096
    assert longest <= PSYCOPG_CACHED_STATEMENT["MAX_CACHED_STATEMENT_LENGTH"]
    if db.engine.dialect.driver == "psycopg":
        from psycopg import _queries

        most_parameters = max(n for _, n in statements)
        assert most_parameters <= PSYCOPG_CACHED_STATEMENT["MAX_CACHED_STATEMENT_PARAMS"]

        assert longest <= _queries.MAX_CACHED_STATEMENT_LENGTH
        assert most_parameters <= _queries.MAX_CACHED_STATEMENT_PARAMS
        # The second client's statements were the first's: converted once, then cached.
        assert _queries._query2pg.cache_info().hits > 0

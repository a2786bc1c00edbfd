"""Engine set-up that differs between SQLite and PostgreSQL.

SQLite (the embedded default) allows one writer at a time. So that a request writing while
another one (a long import) writes waits its turn instead of failing with "database is
locked", a SQLite file is opened in WAL mode (readers never wait for the writer), with a
busy timeout (a writer waits up to :data:`BUSY_TIMEOUT_MS` for the lock), and writers
begin their transaction ``IMMEDIATE`` (:func:`begin_writing`): they take the write lock
when they begin, the one moment SQLite waits for it. A deferred transaction that reads and
then writes (almost every request: the user is loaded first) fails at once instead, when
another connection holds the lock or has committed since its first read.

Writers are the requests that may change something (POST and the other unsafe methods)
and the import's chunks. Other transactions (pages, jobs, plain connections) begin
deferred, so that a long reader never keeps writers waiting. Long writers commit in chunks
and call :func:`let_others_write` between them.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine

# How long a SQLite transaction waits for another one's write lock before "database is
# locked": well above one chunk of an import, below the server's request timeout.
BUSY_TIMEOUT_MS = 30_000
# How long a long writer pauses between its chunks: more than SQLite's longest sleep
# between two tries of a waiting writer (100 ms), so a waiting writer gets the lock.
WRITER_PAUSE_S = 0.15
# Execution option of a connection whose transaction begins IMMEDIATE (on a SQLite file).
IMMEDIATE = "mrc_sqlite_immediate"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# psycopg 3 rewrites a statement's ``%(name)s`` placeholders with a regular expression and
# keeps the result (an LRU of 128) only for statements up to 4,096 bytes and 50 parameters
# (``psycopg._queries``). The summary-delta SELECTs (mrc/aggregates/deltas.py) are 7 to
# 28 KB with up to 82 parameters and run twice per save, so every save re-parsed ~95 KB of
# SQL (#16). They come from fixed builders: caching them costs a few statements' memory.
PSYCOPG_CACHED_STATEMENT = {"MAX_CACHED_STATEMENT_LENGTH": 65_536,
                            "MAX_CACHED_STATEMENT_PARAMS": 256}


def is_sqlite_file(url: URL) -> bool:
    """Whether ``url`` names a SQLite database in a file (not in memory)."""
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    return database not in ("", ":memory:") and "mode=memory" not in database \
        and url.query.get("mode") != "memory"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy manage transactions (so SAVEPOINT works) and enforce foreign keys.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_file_connect(dbapi_connection: Any, record: Any) -> None:
    _sqlite_connect(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL loses no consistency, only the last commits on a power cut.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def _sqlite_file_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get(IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _cache_long_statements() -> None:
    """Raise psycopg's bounds for caching a converted statement (see above). A private
    setting of psycopg: when a version no longer has it, nothing changes."""
    try:
        from psycopg import _queries
    except ImportError:
        return
    for name, value in PSYCOPG_CACHED_STATEMENT.items():
        if isinstance(getattr(_queries, name, None), int):
            setattr(_queries, name, max(getattr(_queries, name), value))


def configure_engine(engine: Engine) -> None:
    if engine.dialect.driver == "psycopg":
        _cache_long_statements()
    if engine.dialect.name != "sqlite":
        return
    on_file = is_sqlite_file(engine.url)
    connect = _sqlite_file_connect if on_file else _sqlite_connect
    begin = _sqlite_file_begin if on_file else _sqlite_begin
    if not event.contains(engine, "connect", connect):
        event.listen(engine, "connect", connect)
        event.listen(engine, "begin", begin)


def begin_writing() -> None:
    """Begin the session's transaction as one that will write: on a SQLite file it waits
    for the write lock now (``BEGIN IMMEDIATE``). Nothing when a transaction is already
    under way (it goes on as it began) and nothing special elsewhere."""
    from mrc.extensions import db

    session = db.session()
    if not session.in_transaction():
        session.connection(execution_options={IMMEDIATE: True})


def let_others_write(engine: Engine) -> None:
    """Between two chunks of a long writer, just after a commit: on a SQLite file, pause
    so that a transaction waiting for the write lock takes it (SQLite has no queue: the
    writer would otherwise take the lock back before a waiting one tries again). Elsewhere
    nothing: PostgreSQL locks rows, not the database."""
    if is_sqlite_file(engine.url):
        time.sleep(WRITER_PAUSE_S)


def _requests_that_write_begin_writing() -> None:
    if request.method not in SAFE_METHODS:
        begin_writing()


def release_connections() -> None:
    """Close this process's session and pooled connections: before forking workers (a
    connection shared across a fork is corrupted by whichever process uses it first), and
    when a worker process ends."""
    from mrc.extensions import db

    db.session.remove()
    db.engine.dispose()


def init_app(app: Flask) -> None:
    from mrc.extensions import db

    with app.app_context():
        configure_engine(db.engine)
    app.before_request(_requests_that_write_begin_writing)

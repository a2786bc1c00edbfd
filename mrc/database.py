"""Engine set-up that differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy manage transactions (so SAVEPOINT works) and enforce foreign keys.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_connect):
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)


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

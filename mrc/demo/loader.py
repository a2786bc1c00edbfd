"""Bulk writing of generated rows: COPY on PostgreSQL, chunked ``executemany`` on SQLite.

Rows go through the session's own connection, so they are part of the caller's
transaction (the CLI command commits once; a failure leaves nothing behind). Phone
numbers are encrypted and blind-indexed, and notes encrypted, on the way in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import sql
from sqlalchemy import func, select, text

from mrc.cases.models import Client, CounsellingSession, FollowUp, FollowUpAttempt
from mrc.demo.generator import Chunk, FirstIds, Table
from mrc.extensions import db
from mrc.keys import keyring
from mrc.privacy.cellkey import new_record_keys

MODELS: tuple[Any, ...] = (Client, CounsellingSession, FollowUp, FollowUpAttempt)
TABLES = tuple(m.__tablename__ for m in MODELS)
SQLITE_BATCH = 5000
_NULL = "\\N"
# Generated timestamp columns ("YYYY-MM-DD HH:MM:SS", UTC).
TIMESTAMPS = frozenset({"created_at", "updated_at"})


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _driver_connection() -> Any:
    return db.session.connection().connection.driver_connection


def next_ids() -> FirstIds:
    """The first free id of each case table."""
    def first(model: Any) -> int:
        return int(db.session.scalar(select(func.coalesce(func.max(model.id), 0) + 1)) or 1)

    return FirstIds(client=first(Client), session=first(CounsellingSession),
                    followup=first(FollowUp), attempt=first(FollowUpAttempt))


def lock_tables() -> None:
    """On PostgreSQL, keep other writers out of the case tables until commit, so the ids
    read by ``next_ids`` stay free."""
    if _dialect() == "postgresql":
        db.session.execute(text(f"LOCK TABLE {', '.join(TABLES)} IN SHARE ROW EXCLUSIVE MODE"))


def fix_sequences(models: Sequence[Any] = MODELS) -> None:
    """Move PostgreSQL id sequences past the explicitly assigned ids (never backwards)."""
    if _dialect() != "postgresql":
        return
    for model in models:
        highest = db.session.scalar(select(func.max(model.id))) or 1
        db.session.execute(
            text("SELECT setval(seq, GREATEST(:highest, COALESCE(pg_sequence_last_value(seq), 1)))"
                 " FROM (SELECT pg_get_serial_sequence(:table, 'id')::regclass AS seq) AS s"),
            {"highest": highest, "table": model.__tablename__})


def analyze() -> None:
    """Refresh planner statistics after a bulk load (PostgreSQL and SQLite)."""
    if _dialect() == "postgresql":
        for table in TABLES:
            db.session.execute(text(f"ANALYZE {table}"))
    else:
        db.session.execute(text("ANALYZE"))


def with_record_keys(table: Table) -> Table:
    """``table`` with a fresh record key per row (disclosure control,
    :mod:`mrc.privacy.cellkey`)."""
    return Table((*table.columns, "record_key"),
                 {**table.data, "record_key": new_record_keys(len(table))})


def _encrypted(chunk: Chunk) -> tuple[Table, Table]:
    """Client and session tables with phones and notes replaced by ciphertext/index, last
    changed when created, and a fresh record key per row (disclosure control, :mod:`mrc.privacy.cellkey`)."""
    ring = keyring()
    encrypt = ring.cipher.encrypt
    phones = chunk.clients.data["phone"]
    clients = Table(
        tuple(c for c in chunk.clients.columns if c != "phone")
        + ("phone_enc", "phone_index", "updated_at"),
        {**chunk.clients.data, "updated_at": chunk.clients.data["created_at"],
         "phone_enc": [encrypt(p) if p else None for p in phones],
         "phone_index": [ring.phone_index(p) if p else None for p in phones]},
    )
    sessions = Table(
        tuple(c for c in chunk.sessions.columns if c != "notes") + ("notes_enc", "updated_at"),
        {**chunk.sessions.data, "updated_at": chunk.sessions.data["created_at"],
         "notes_enc": [encrypt(n) if n else None for n in chunk.sessions.data["notes"]]},
    )
    return with_record_keys(clients), with_record_keys(sessions)


def write_chunk(chunk: Chunk) -> None:
    """Insert one chunk (clients first, so foreign keys hold at every statement)."""
    clients, sessions = _encrypted(chunk)
    for name, table in (("client", clients), ("counselling_session", sessions),
                        ("follow_up", chunk.followups),
                        ("follow_up_attempt", chunk.attempts)):
        if len(table):
            _write(name, table)


def write_tables(*tables: tuple[str, Table]) -> None:
    """Insert whole tables in the order given (parents first); no encryption involved."""
    for name, table in tables:
        if len(table):
            _write(name, table)


def _write(name: str, table: Table) -> None:
    if _dialect() == "postgresql":
        _copy(name, table)
    else:
        _insert_many(name, table)


def _text_column(values: Sequence[Any], timestamp: bool) -> list[str]:
    """COPY text format of one column. Generated values never hold tabs, newlines or
    backslashes (codes, vocabulary, ISO dates, base64 ciphertext, hex), so no escaping."""
    if timestamp:
        return [_NULL if v is None else v + "+00" for v in values]
    return [_NULL if v is None else ("t" if v else "f") if v is True or v is False else str(v)
            for v in values]


def _copy(name: str, table: Table) -> None:
    columns = table.columns
    text_columns = [_text_column(table.data[c], c in TIMESTAMPS) for c in columns]
    payload = "".join(line + "\n" for line in map("\t".join, zip(*text_columns, strict=True)))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, columns)))
    with _driver_connection().cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(payload.encode("utf-8"))


def _insert_many(name: str, table: Table) -> None:
    columns = table.columns
    # SQLAlchemy stores SQLite datetimes as text with microseconds.
    data = {**table.data}
    for column in TIMESTAMPS & set(data):
        data[column] = [v + ".000000" for v in data[column]]
    # Table and column names are the fixed tuples of this module and the generator.
    statement = (f"INSERT INTO {name} ({', '.join(columns)}) "  # noqa: S608
                 f"VALUES ({', '.join('?' for _ in columns)})")
    rows = list(zip(*(data[c] for c in columns), strict=True))
    connection = _driver_connection()
    for start in range(0, len(rows), SQLITE_BATCH):
        connection.executemany(statement, rows[start:start + SQLITE_BATCH])

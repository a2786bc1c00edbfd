"""Recording audit events (callers pass ids and codes of actions, never personal data),
and browsing and exporting them for administrators."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVarTuple

from flask_login import current_user
from sqlalchemy import Row, Select, false, func, select

from mrc.audit.models import AuditEvent
from mrc.auth.models import User
from mrc.extensions import db
from mrc.org.models import MRC
from mrc.spreadsheets import CsvWriter

Ts = TypeVarTuple("Ts")

ACTIONS = ("create", "update", "view", "export", "import", "erase", "login", "logout",
           "login_failed", "rotate_keys", "withdraw", "revoke", "conflict")


def record(
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    mrc_id: int | None = None,
    detail: str = "",
    user: Any = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (committed with the change itself)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    actor = user if user is not None else current_user
    user_id = actor.id if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        at=datetime.now(UTC),
        user_id=user_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        mrc_id=mrc_id,
        detail=detail[:255],
    )
    db.session.add(event)
    return event


# --- Browsing and exporting the log (administrators) --------------------------------------

@dataclass(frozen=True)
class EventFilter:
    """Filters of the audit log; ``None`` means no restriction. Dates are UTC days."""

    user_id: int | None = None
    action: str | None = None
    entity: str | None = None
    mrc_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    up_to_id: int | None = None  # freezes an export at the events that existed when it began
    match_nothing: bool = False  # e.g. a username that does not exist

    def used(self) -> list[str]:
        """Names of the filters in use (for the export's audit detail; no values)."""
        return [name for name in ("user_id", "action", "entity", "mrc_id", "date_from",
                                  "date_to") if getattr(self, name) is not None]


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _filtered(query: Select[*Ts], filters: EventFilter) -> Select[*Ts]:
    if filters.match_nothing:
        query = query.where(false())
    if filters.user_id is not None:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.entity:
        query = query.where(AuditEvent.entity == filters.entity)
    if filters.mrc_id is not None:
        query = query.where(AuditEvent.mrc_id == filters.mrc_id)
    if filters.date_from is not None:
        query = query.where(AuditEvent.at >= _day_start(filters.date_from))
    if filters.date_to is not None:
        query = query.where(AuditEvent.at < _day_start(filters.date_to + timedelta(days=1)))
    if filters.up_to_id is not None:
        query = query.where(AuditEvent.id <= filters.up_to_id)
    return query


def event_query(filters: EventFilter) -> Select[AuditEvent, str | None, str | None]:
    """Events matching ``filters`` with the username and MRC code, newest first."""
    query = (select(AuditEvent, User.username, MRC.code)
             .outerjoin(User, User.id == AuditEvent.user_id)
             .outerjoin(MRC, MRC.id == AuditEvent.mrc_id))
    return _filtered(query, filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def count_events(filters: EventFilter) -> int:
    query = _filtered(select(func.count(AuditEvent.id)).select_from(AuditEvent), filters)
    return int(db.session.scalar(query) or 0)


def event_page(filters: EventFilter, page: int, per_page: int
               ) -> tuple[list[Row[AuditEvent, str | None, str | None]], int, int, int]:
    """(rows, page, pages, total); an out-of-range page is clamped, never an error."""
    total = count_events(filters)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = list(db.session.execute(event_query(filters).limit(per_page)
                                   .offset((page - 1) * per_page)).all())
    return rows, page, pages, total


def entities() -> list[str]:
    """The kinds of record that occur in the log, for the filter."""
    return [str(e) for e in db.session.scalars(
        select(AuditEvent.entity).distinct().order_by(AuditEvent.entity))]


def last_event_id() -> int:
    return int(db.session.scalar(select(func.max(AuditEvent.id))) or 0)


CSV_COLUMNS = ("time_utc", "user", "action", "entity", "entity_id", "mrc", "detail")


def csv_lines(filters: EventFilter, batch: int = 1000) -> Iterator[str]:
    """The filtered events as CSV text (header first), produced in batches; text cells
    that a spreadsheet would run as formulas are neutralised (:mod:`mrc.spreadsheets`)."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    result = db.session.execute(event_query(filters).execution_options(yield_per=batch))
    for n, (event, username, mrc_code) in enumerate(result, start=1):
        at = event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC)
        writer.writerow([at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), username,
                         event.action, event.entity, event.entity_id, mrc_code,
                         event.detail])
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()

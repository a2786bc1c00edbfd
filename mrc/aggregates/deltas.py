"""Keeping the summary tables right as records change, in the transaction that changes them.

* Per-client deltas: a client's contribution to the case summaries (sessions, distinct
  clients, baselines, follow-ups) depends only on that client's own records. On
  :data:`mrc.signals.client_changing` (sent before the change) :func:`client_changing`
  snapshots the contribution once per transaction (and, on PostgreSQL, locks the client row
  so concurrent changes to one client are serialised); at commit the contribution after the
  change is computed and the difference added to the summary rows (upsert). The contribution
  is computed in Python from the client's records (:mod:`mrc.aggregates.contribution`),
  tested equal to the SQL builders (:func:`sql_contribution`).
* Slices: outreach events and leaflet hand-outs are few per MRC and month, so
  :func:`event_changed` and :func:`leaflets_changed` mark the (MRC, month) slice, recomputed
  from the records at commit (under a per-slice advisory lock on PostgreSQL, so the last
  writer to commit sees every committed record).

Pending work lives in ``session.info`` and is applied by a ``before_commit`` listener, or
earlier by :func:`apply_pending` (readers call it so they see their own transaction's
changes). A rollback of the whole transaction forgets it. :func:`install` connects the
signals and the listeners; ``mrc.aggregates.init_app`` calls it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, event, insert, select, text
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.expression import ColumnElement, Select

from mrc import signals
from mrc.aggregates.contribution import contribution
from mrc.aggregates.models import (
    ClientMonth,
    LeafletMonth,
    OutcomeMonth,
    OutreachMonth,
    SessionMonth,
)
from mrc.aggregates.sources import (
    CASE_MODELS,
    MEASURES,
    Rows,
    as_date,
    client_source,
    key_columns,
    leaflet_source,
    nonzero,
    outcome_source,
    outreach_source,
    rows_select,
    session_or_app,
    session_source,
    to_dict,
)
from mrc.cases.models import Client, CounsellingSession
from mrc.leaflets.models import StockEntry
from mrc.outreach.models import OutreachEvent

PENDING_KEY = "mrc_aggregates_pending"
CLIENT_CHUNK = 500  # client ids per query: keeps the expanding IN list within every driver's limit
UPSERT_CHUNK = 500

Contribution = dict[type[Any], Rows]


def fill(session: Session, model: type[Any], source: Select[Any],
         where: Sequence[ColumnElement[bool]] = ()) -> None:
    """Insert the rows of ``source`` into ``model`` (the rows ``where`` selects must be gone),
    then drop the all-zero ones, which a summary table never keeps."""
    columns = [*key_columns(model), *MEASURES[model]]
    sub = source.subquery("src")
    session.execute(insert(model).from_select(columns, select(*[sub.c[c] for c in columns])))
    session.execute(delete(model).where(*where, ~nonzero(model)))


# --- per-client deltas -----------------------------------------------------------------


@lru_cache(maxsize=1)
def _contribution_selects() -> tuple[tuple[type[Any], Select[Any]], ...]:
    """The per-client queries, built once with the client ids as an expanding parameter
    (building these unions costs more than running them for one client)."""
    ids: Any = bindparam("client_ids", expanding=True)
    return (
        (SessionMonth, rows_select(SessionMonth,
                                   session_source((CounsellingSession.client_id.in_(ids),)))),
        (ClientMonth, rows_select(ClientMonth,
                                  client_source((CounsellingSession.client_id.in_(ids),)))),
        (OutcomeMonth, rows_select(OutcomeMonth, outcome_source((Client.id.in_(ids),)))),
    )


def client_contribution(client_ids: Sequence[int], session: Session | None = None) -> Contribution:
    """What these clients' records add to the case summary tables, computed in Python from
    their records (:mod:`mrc.aggregates.contribution`, equal to :func:`sql_contribution`)."""
    return contribution(session_or_app(session), client_ids, CLIENT_CHUNK)


def _merge(into: Rows, rows: Rows) -> None:
    for key, measures in rows.items():
        old = into.get(key)
        into[key] = measures if old is None else tuple(
            a + b for a, b in zip(old, measures, strict=True))


def sql_contribution(client_ids: Sequence[int], session: Session | None = None) -> Contribution:
    """The same as :func:`client_contribution`, from the SQL builders that define the rows
    (the reference the Python computation is tested against)."""
    session = session_or_app(session)
    result: Contribution = {m: {} for m in CASE_MODELS}
    for start in range(0, len(client_ids), CLIENT_CHUNK):
        ids = list(client_ids[start:start + CLIENT_CHUNK])
        for model, query in _contribution_selects():
            _merge(result[model], to_dict(model, session.execute(query, {"client_ids": ids})))
    return result


@dataclass
class Pending:
    """Work to do at commit: client snapshots and (family, MRC, month) slices."""

    before: dict[int, Contribution] = field(default_factory=dict)
    slices: set[tuple[str, int, date]] = field(default_factory=set)
    events: set[int] = field(default_factory=set)


def _pending(session: Session) -> Pending:
    pending = session.info.get(PENDING_KEY)
    if pending is None:
        pending = session.info[PENDING_KEY] = Pending()
    return pending


def discard_pending(session: Session) -> None:
    """Forget this transaction's pending work (a rebuild covers it)."""
    session.info.pop(PENDING_KEY, None)


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def client_changing(client_id: int, session: Session | None = None) -> None:
    """Before a client's records (client, sessions, follow-ups) change: snapshot the
    client's contribution, once per transaction. Receiver of :data:`signals.client_changing`."""
    session = session_or_app(session)
    pending = _pending(session)
    if client_id in pending.before:
        return
    # On PostgreSQL the client's row is locked by the read (SQLite serialises writers).
    lock = session.get_bind().dialect.name == "postgresql"
    pending.before[client_id] = contribution(session, [client_id], CLIENT_CHUNK, lock=lock)


def event_changed(event_record: OutreachEvent, session: Session | None = None) -> None:
    """An outreach event is created or changed (before or after the change): the event's
    month (then and at commit) is recomputed. Receiver of :data:`signals.event_changed`."""
    pending = _pending(session_or_app(session))
    pending.slices.add(("outreach", event_record.mrc_id, _first_of_month(event_record.date)))
    if event_record.id is not None:
        pending.events.add(event_record.id)


def leaflets_changed(mrc_id: int, on_date: date, session: Session | None = None) -> None:
    """Leaflets are handed out (stock entries of kind session or outreach): that month of
    the MRC is recomputed. Receiver of :data:`signals.leaflets_changed`."""
    _pending(session_or_app(session)).slices.add(("leaflets", mrc_id, _first_of_month(on_date)))


def _upsert(session: Session, model: type[Any], deltas: Rows) -> None:
    keys = key_columns(model)
    measures = MEASURES[model]
    rows = [dict(zip((*keys, *measures), (*key, *values), strict=True))
            for key, values in deltas.items()]
    dialect = session.get_bind().dialect.name
    stmt_factory = pg_dialect.insert if dialect == "postgresql" else sqlite_dialect.insert
    table = model.__table__
    for start in range(0, len(rows), UPSERT_CHUNK):
        stmt = stmt_factory(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=keys,
            set_={m: table.c[m] + stmt.excluded[m] for m in measures})
        session.execute(stmt, rows[start:start + UPSERT_CHUNK])
    if all(v >= 0 for values in deltas.values() for v in values):
        return  # nothing went down: no row can have become all zero (counts never go below 0)
    mrcs = {key[0] for key in deltas}
    months = {key[1] for key in deltas}
    session.execute(delete(model).where(model.mrc_id.in_(mrcs), model.month.in_(months),
                                        ~nonzero(model)))


def _add_into(acc: dict[tuple[Any, ...], list[int]], rows: Rows, sign: int) -> None:
    for key, values in rows.items():
        cells = acc.setdefault(key, [0] * len(values))
        for i, v in enumerate(values):
            cells[i] += sign * v


def _apply_clients(session: Session, before: dict[int, Contribution]) -> None:
    after = client_contribution(sorted(before), session)
    for model in CASE_MODELS:
        deltas: dict[tuple[Any, ...], list[int]] = {}
        for snapshot in before.values():
            _add_into(deltas, snapshot[model], -1)
        _add_into(deltas, after[model], +1)
        changed = {k: tuple(v) for k, v in deltas.items() if any(v)}
        if changed:
            _upsert(session, model, changed)


# --- slices ----------------------------------------------------------------------------


def _lock_slice(session: Session, family: str, mrc_id: int, month: date) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite serialises writers
    digest = hashlib.blake2b(f"agg:{family}:{mrc_id}:{month}".encode(), digest_size=8).digest()
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                    {"key": int.from_bytes(digest, "big", signed=True)})


def _slice_source(family: str, mrc_id: int, month: date) -> tuple[type[Any], Select[Any]]:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    if family == "outreach":
        return OutreachMonth, outreach_source((OutreachEvent.mrc_id == mrc_id,
                                               OutreachEvent.date >= month,
                                               OutreachEvent.date < following))
    return LeafletMonth, leaflet_source((StockEntry.mrc_id == mrc_id, StockEntry.on_date >= month,
                                         StockEntry.on_date < following))


def _apply_slices(session: Session, pending: Pending) -> None:
    slices = set(pending.slices)
    if pending.events:
        # The changed events' months as they are now (the months before were marked when
        # the signal was sent).
        for mrc_id, day in session.execute(select(OutreachEvent.mrc_id, OutreachEvent.date)
                                           .where(OutreachEvent.id.in_(pending.events))):
            slices.add(("outreach", mrc_id, _first_of_month(as_date(day))))
    for family, mrc_id, month in sorted(slices):
        _lock_slice(session, family, mrc_id, month)
        model, source = _slice_source(family, mrc_id, month)
        where = (model.mrc_id == mrc_id, model.month == month)
        session.execute(delete(model).where(*where))
        fill(session, model, source, where)


def apply_pending(session: Session | None = None) -> None:
    """Bring the summary tables up to date with this transaction's changes now."""
    session = session_or_app(session)
    pending: Pending | None = session.info.pop(PENDING_KEY, None)
    if pending is None:
        return
    if pending.before:
        _apply_clients(session, pending.before)
    if pending.slices or pending.events:
        _apply_slices(session, pending)


# --- wiring ----------------------------------------------------------------------------


def _before_commit(session: Session) -> None:
    if session.info.get(PENDING_KEY) is not None:
        apply_pending(session)


def _after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        discard_pending(session)


_SESSION_HOOKS = (("before_commit", _before_commit), ("after_soft_rollback", _after_rollback))


def install() -> None:
    """Connect the receivers to the capture signals and the commit hooks to every ORM
    session. Idempotent: tests build many applications in one process, and a hook
    registered twice would apply the pending work twice."""
    # blinker keys receivers by identity, so connecting the same function again is a no-op;
    # weak=False because the receivers must live as long as the process, whoever imported them.
    signals.client_changing.connect(client_changing, weak=False)
    signals.event_changed.connect(event_changed, weak=False)
    signals.leaflets_changed.connect(leaflets_changed, weak=False)
    for name, hook in _SESSION_HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)

"""Keeping the monthly summary tables (:mod:`mrc.aggregates.models`) equal to the records.

One set of SQL builders (``_session_source``, ``_client_source``…) says what each summary
row is; it serves three purposes, so the summaries cannot drift from the definition:

* :func:`rebuild` -- set-based ``INSERT … SELECT`` over every record (``mrc aggregates
  --rebuild``, the end of the demo bulk load);
* per-client deltas -- a client's contribution to the case summaries (sessions, distinct
  clients, baselines, follow-ups) depends only on that client's own records. A service that
  changes a client's records first calls :func:`client_changing`, which snapshots the
  contribution *before* the change (and, on PostgreSQL, locks the client row so concurrent
  changes to one client are serialised); when the transaction commits, the contribution
  *after* is computed and the difference added to the summary rows (upsert), in the same
  transaction;
* slices -- outreach events and leaflet hand-outs are few per MRC and month, so
  :func:`event_changed` and :func:`leaflets_changed` mark the (MRC, month) slice, which is
  recomputed from the records at commit (under a per-slice advisory lock on PostgreSQL, so
  the last writer to commit sees every committed record).

Pending work lives in ``session.info`` and is applied by a ``before_commit`` listener, or
earlier by :func:`apply_pending` (readers call it so they see their own transaction's
changes). A rollback of the whole transaction forgets it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    event,
    extract,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, SessionTransaction, aliased
from sqlalchemy.sql.expression import ColumnElement, FunctionElement, Select

from mrc.aggregates.models import (
    NO_EARLIER,
    ClientMonth,
    LeafletMonth,
    OutcomeMonth,
    OutreachMonth,
    SessionMonth,
)
from mrc.cases import vocab
from mrc.cases.models import Client, CounsellingSession, FollowUp
from mrc.extensions import db
from mrc.leaflets.models import StockEntry
from mrc.outreach import vocab as outreach_vocab
from mrc.outreach.models import OutreachEvent

PENDING_KEY = "mrc_aggregates_pending"
CLIENT_CHUNK = 500

SESSION_DIMS = ("channel", "sex", "age_band", "migrant_status", "intention", "destination")
CLIENT_DIMS = ("sex", "age_band", "migrant_status")
AGE_BAND_CODES = ("under_18", "18_34", "35_plus", "unknown")

SESSION_MEASURES = ("sessions", "new_clients")
CLIENT_MEASURES = ("clients",)
OUTCOME_MEASURES = ("baseline_n", "baseline_irregular", "baseline_regular", "due", "reached",
                    "unreachable", "followup_n", "followup_irregular", "followup_regular",
                    "info_answered", "info_used", "paired", "score_change_sum")
OUTREACH_MEASURES = ("events", "attendance", "reach")
LEAFLET_MEASURES = ("quantity",)

MEASURES: dict[type[Any], tuple[str, ...]] = {
    SessionMonth: SESSION_MEASURES, ClientMonth: CLIENT_MEASURES, OutcomeMonth: OUTCOME_MEASURES,
    OutreachMonth: OUTREACH_MEASURES, LeafletMonth: LEAFLET_MEASURES,
}
CASE_MODELS = (SessionMonth, ClientMonth, OutcomeMonth)
ALL_MODELS = (*CASE_MODELS, OutreachMonth, LeafletMonth)


# --- SQL building blocks ---------------------------------------------------------------


class month_start(FunctionElement[date]):  # noqa: N801 - reads as a SQL function
    """First day of the month of a date, as a date (PostgreSQL and SQLite)."""

    type = Date()
    inherit_cache = True


@compiles(month_start)
def _month_start_default(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


def _text(value: str) -> ColumnElement[str]:
    return cast(literal(value, String), String)


def _int(value: int) -> ColumnElement[int]:
    return cast(literal(value, Integer), Integer)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def age_band(client: Any = Client) -> ColumnElement[str]:
    """Age band at registration (the registration year minus the birth year)."""
    age = cast(extract("year", client.registered_on), Integer) - client.birth_year
    return case(
        (client.birth_year.is_(None), "unknown"),
        (age < 18, "under_18"),
        (age < 35, "18_34"),
        else_="35_plus",
    )


def _by_dims(rows: Any, dims: Sequence[str], sums: Sequence[tuple[str, Any]],
             key: Sequence[str] = ("mrc_id", "month")) -> list[Select[Any]]:
    """One grouped SELECT per dimension (plus ``all``) over a record-level subquery."""
    keys = [rows.c[k] for k in key]
    measures = [func.coalesce(func.sum(expr), 0).label(name) for name, expr in sums]
    parts = [select(*keys, _text("all").label("dim"), _text("").label("value"), *measures)
             .group_by(*keys)]
    for dim in dims:
        col = rows.c[dim]
        parts.append(select(*keys, _text(dim).label("dim"), col.label("value"), *measures)
                     .group_by(*keys, col))
    return parts


def _topic_codes() -> Any:
    return union_all(*[
        select(_int(1 << i).label("bit"), _text(code).label("code"))
        for i, (code, _label) in enumerate(vocab.TOPICS)
    ]).subquery("topic_codes")


def _session_source(where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    s = CounsellingSession
    rows = (select(s.mrc_id, month_start(s.date).label("month"), s.channel.label("channel"),
                   Client.sex.label("sex"), age_band().label("age_band"),
                   Client.migrant_status.label("migrant_status"), s.intention.label("intention"),
                   func.coalesce(s.destination, "").label("destination"),
                   s.topics.label("topics"), _flag(s.is_baseline.is_(True)).label("baseline"))
            .join(Client, Client.id == s.client_id).where(*where).subquery("rows"))
    sums = (("sessions", _int(1)), ("new_clients", rows.c.baseline))
    parts = _by_dims(rows, SESSION_DIMS, sums)
    topics = _topic_codes()
    parts.append(
        select(rows.c.mrc_id, rows.c.month, _text("topic").label("dim"),
               topics.c.code.label("value"), func.count().label("sessions"),
               func.coalesce(func.sum(rows.c.baseline), 0).label("new_clients"))
        .select_from(rows.join(topics, rows.c.topics.op("&")(topics.c.bit) != 0))
        .group_by(rows.c.mrc_id, rows.c.month, topics.c.code))
    return union_all(*parts).subquery("facts").select()


def _client_source(where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    s = CounsellingSession
    earlier = aliased(CounsellingSession)
    active = (select(s.client_id.label("client_id"), s.mrc_id.label("mrc_id"),
                     month_start(s.date).label("month"))
              .where(*where).group_by(s.client_id, s.mrc_id, month_start(s.date))
              .subquery("active"))
    previous = (select(month_start(func.max(earlier.date)))
                .where(earlier.client_id == active.c.client_id, earlier.date < active.c.month)
                .scalar_subquery())
    rows = (select(active.c.mrc_id, active.c.month,
                   func.coalesce(previous, literal(NO_EARLIER, Date)).label("prev_month"),
                   Client.sex.label("sex"), age_band().label("age_band"),
                   Client.migrant_status.label("migrant_status"))
            .join(Client, Client.id == active.c.client_id).subquery("rows"))
    parts = _by_dims(rows, CLIENT_DIMS, (("clients", _int(1)),),
                     key=("mrc_id", "month", "prev_month"))
    return union_all(*parts).subquery("facts").select()


def _outcome_source(clients: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """``clients``: conditions on ``Client`` (empty: every client)."""
    s, f = CounsellingSession, FollowUp
    base = aliased(CounsellingSession)
    client_cols = (Client.sex.label("sex"), age_band().label("age_band"),
                   Client.migrant_status.label("migrant_status"))

    def row(mrc: Any, month: Any, **values: Any) -> list[Any]:
        return [mrc.label("mrc_id"), month.label("month"), *client_cols,
                *[(values[m] if m in values else _int(0)).label(m) for m in OUTCOME_MEASURES]]

    baselines = (select(*row(s.mrc_id, month_start(s.date), baseline_n=_int(1),
                             baseline_irregular=_flag(s.intention == "irregular"),
                             baseline_regular=_flag(s.intention == "regular")))
                 .join(Client, Client.id == s.client_id).where(s.is_baseline, *clients))
    waves = (select(*row(f.mrc_id, month_start(f.due_date), due=_int(1),
                         reached=_flag(f.status == "reached"),
                         unreachable=_flag(f.status == "unreachable")))
             .join(Client, Client.id == f.client_id).where(f.status != "cancelled", *clients))
    both = and_(f.awareness_score.is_not(None), base.awareness_score.is_not(None))
    outcomes = (select(*row(f.mrc_id, month_start(f.completed_on), followup_n=_int(1),
                            followup_irregular=_flag(f.intention == "irregular"),
                            followup_regular=_flag(f.intention == "regular"),
                            info_answered=_flag(f.used_mrc_info.is_not(None)),
                            info_used=_flag(f.used_mrc_info.is_(True)),
                            paired=_flag(both),
                            score_change_sum=case(
                                (both, f.awareness_score - base.awareness_score), else_=0)))
                .join(Client, Client.id == f.client_id)
                .outerjoin(base, and_(base.client_id == f.client_id, base.is_baseline))
                .where(f.status == "reached", f.completed_on.is_not(None), *clients))
    rows = union_all(baselines, waves, outcomes).subquery("rows")
    parts = _by_dims(rows, CLIENT_DIMS, [(m, rows.c[m]) for m in OUTCOME_MEASURES])
    return union_all(*parts).subquery("facts").select()


def _outreach_source(where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    e = OutreachEvent
    rows = (select(e.mrc_id, month_start(e.date).label("month"), e.type.label("event_type"),
                   e.attendance_total.label("attendance"),
                   func.coalesce(e.estimated_reach, 0).label("reach"),
                   *[getattr(e, c).label(c) for c in outreach_vocab.ATTENDANCE_COLUMNS])
            .where(*where).subquery("rows"))
    sums = (("events", _int(1)), ("attendance", rows.c.attendance), ("reach", rows.c.reach))
    parts = _by_dims(rows, ("event_type",), sums)
    keys = (rows.c.mrc_id, rows.c.month)
    for dim, codes in (("sex", outreach_vocab.ATTENDANCE_SEX),
                       ("age_band", outreach_vocab.AGE_BANDS)):
        for code in codes:
            cells = [rows.c[c] for c in outreach_vocab.ATTENDANCE_COLUMNS
                     if (c.startswith(f"att_{code}_") if dim == "sex" else c.endswith(f"_{code}"))]
            total: Any = cells[0]
            for cell in cells[1:]:
                total = total + cell
            parts.append(select(*keys, _text(dim).label("dim"), _text(code).label("value"),
                                _int(0).label("events"),
                                func.coalesce(func.sum(total), 0).label("attendance"),
                                _int(0).label("reach")).group_by(*keys))
    return union_all(*parts).subquery("facts").select()


def _leaflet_source(where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    st = StockEntry
    rows = (select(st.mrc_id, month_start(st.on_date).label("month"), st.kind.label("kind"),
                   (-st.quantity).label("quantity"))
            .where(st.kind.in_(("session", "outreach")), *where).subquery("rows"))
    parts = _by_dims(rows, ("kind",), (("quantity", rows.c.quantity),))
    return union_all(*parts).subquery("facts").select()


def _key_columns(model: type[Any]) -> list[str]:
    return [c.name for c in model.__table__.primary_key.columns]


def _nonzero(model: type[Any]) -> ColumnElement[bool]:
    return or_(*[getattr(model, m) != 0 for m in MEASURES[model]])


def _session(session: Session | None) -> Session:
    """The given session, or the application's (the one behind ``db.session``)."""
    return session if session is not None else db.session()


# --- rebuild ---------------------------------------------------------------------------


def _sources() -> list[tuple[type[Any], Select[Any]]]:
    return [(SessionMonth, _session_source(())), (ClientMonth, _client_source(())),
            (OutcomeMonth, _outcome_source(())), (OutreachMonth, _outreach_source(())),
            (LeafletMonth, _leaflet_source(()))]


def _fill(session: Session, model: type[Any], source: Select[Any],
          where: Sequence[ColumnElement[bool]] = ()) -> None:
    columns = [*_key_columns(model), *MEASURES[model]]
    sub = source.subquery("src")
    session.execute(insert(model).from_select(columns, select(*[sub.c[c] for c in columns])))
    session.execute(delete(model).where(*where, ~_nonzero(model)))


def rebuild(session: Session | None = None) -> dict[str, int]:
    """Recompute every summary table from the records, set-based. Returns rows per table.
    Pending incremental work is dropped (the rebuild covers it). The caller commits."""
    session = _session(session)
    session.info.pop(PENDING_KEY, None)
    result = {}
    for model, source in _sources():
        session.execute(delete(model))
        _fill(session, model, source)
        result[model.__tablename__] = int(
            session.scalar(select(func.count()).select_from(model)) or 0)
    return result


rebuild_summaries = rebuild


def recompute(session: Session | None = None) -> dict[type[Any], dict[tuple[Any, ...], tuple[int, ...]]]:
    """Every summary row as a full recompute from the records would make it, without
    writing anything: ``{model: {key: measures}}`` (tests compare it with the tables)."""
    session = _session(session)
    return {model: _rows(session, model, source) for model, source in _sources()}


def stored(session: Session | None = None) -> dict[type[Any], dict[tuple[Any, ...], tuple[int, ...]]]:
    """The summary tables as they are: ``{model: {key: measures}}``."""
    session = _session(session)
    out = {}
    for model in ALL_MODELS:
        columns = [getattr(model, c) for c in (*_key_columns(model), *MEASURES[model])]
        out[model] = _to_dict(model, session.execute(select(*columns)).all())
    return out


def _as_date(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _to_dict(model: type[Any], rows: Iterable[Sequence[Any]]) -> dict[tuple[Any, ...], tuple[int, ...]]:
    names = _key_columns(model)
    n_keys = len(names)
    out: dict[tuple[Any, ...], tuple[int, ...]] = {}
    for r in rows:
        key = tuple(_as_date(v) if "month" in n else v for n, v in zip(names, r, strict=False))
        measures = tuple(int(v) for v in r[n_keys:])
        if any(measures):
            out[key] = measures
    return out


def _rows_select(model: type[Any], source: Select[Any]) -> Select[Any]:
    columns = [*_key_columns(model), *MEASURES[model]]
    sub = source.subquery("src")
    return select(*[sub.c[c] for c in columns])


def _rows(session: Session, model: type[Any], source: Select[Any]) -> dict[tuple[Any, ...], tuple[int, ...]]:
    return _to_dict(model, session.execute(_rows_select(model, source)).all())


@lru_cache(maxsize=1)
def _contribution_selects() -> tuple[tuple[type[Any], Select[Any]], ...]:
    """The per-client queries, built once with the client ids as an expanding parameter
    (building these unions costs more than running them for one client)."""
    ids: Any = bindparam("client_ids", expanding=True)
    return (
        (SessionMonth, _rows_select(SessionMonth,
                                    _session_source((CounsellingSession.client_id.in_(ids),)))),
        (ClientMonth, _rows_select(ClientMonth,
                                   _client_source((CounsellingSession.client_id.in_(ids),)))),
        (OutcomeMonth, _rows_select(OutcomeMonth, _outcome_source((Client.id.in_(ids),)))),
    )


# --- incremental: per-client deltas ----------------------------------------------------

Contribution = dict[type[Any], dict[tuple[Any, ...], tuple[int, ...]]]


def client_contribution(client_ids: Sequence[int], session: Session | None = None) -> Contribution:
    """What these clients' records add to the case summary tables."""
    session = _session(session)
    result: Contribution = {m: {} for m in CASE_MODELS}
    for start in range(0, len(client_ids), CLIENT_CHUNK):
        ids = list(client_ids[start:start + CLIENT_CHUNK])
        for model, query in _contribution_selects():
            rows = session.execute(query, {"client_ids": ids}).all()
            for key, measures in _to_dict(model, rows).items():
                old = result[model].get(key)
                result[model][key] = measures if old is None else tuple(
                    a + b for a, b in zip(old, measures, strict=True))
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


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def client_changing(client_id: int, session: Session | None = None) -> None:
    """Call before changing a client's records (client, sessions, follow-ups): snapshots
    the client's contribution once per transaction."""
    session = _session(session)
    pending = _pending(session)
    if client_id in pending.before:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Client.id).where(Client.id == client_id).with_for_update())
    pending.before[client_id] = client_contribution([client_id], session)


def event_changed(event_record: OutreachEvent, session: Session | None = None) -> None:
    """Call when an outreach event is created or changed (before or after the change):
    the event's month (then and at commit) is recomputed."""
    session = _session(session)
    pending = _pending(session)
    pending.slices.add(("outreach", event_record.mrc_id, _first_of_month(event_record.date)))
    if event_record.id is not None:
        pending.events.add(event_record.id)


def leaflets_changed(mrc_id: int, on_date: date, session: Session | None = None) -> None:
    """Call when leaflets are handed out (stock entries of kind session or outreach)."""
    _pending(_session(session)).slices.add(("leaflets", mrc_id, _first_of_month(on_date)))


def _upsert(session: Session, model: type[Any], deltas: dict[tuple[Any, ...], tuple[int, ...]]) -> None:
    keys = _key_columns(model)
    measures = MEASURES[model]
    rows = [dict(zip((*keys, *measures), (*key, *values), strict=True))
            for key, values in deltas.items()]
    dialect = session.get_bind().dialect.name
    stmt_factory = pg_dialect.insert if dialect == "postgresql" else sqlite_dialect.insert
    table = model.__table__
    for start in range(0, len(rows), 500):
        stmt = stmt_factory(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=keys,
            set_={m: table.c[m] + stmt.excluded[m] for m in measures})
        session.execute(stmt, rows[start:start + 500])
    mrcs = {key[0] for key in deltas}
    months = {key[1] for key in deltas}
    session.execute(delete(model).where(model.mrc_id.in_(mrcs), model.month.in_(months),
                                        ~_nonzero(model)))


def _apply_clients(session: Session, before: dict[int, Contribution]) -> None:
    after = client_contribution(sorted(before), session)
    for model in CASE_MODELS:
        deltas: dict[tuple[Any, ...], list[int]] = {}
        for snapshot in before.values():
            for key, values in snapshot[model].items():
                acc = deltas.setdefault(key, [0] * len(values))
                for i, v in enumerate(values):
                    acc[i] -= v
        for key, values in after[model].items():
            acc = deltas.setdefault(key, [0] * len(values))
            for i, v in enumerate(values):
                acc[i] += v
        changed = {k: tuple(v) for k, v in deltas.items() if any(v)}
        if changed:
            _upsert(session, model, changed)


def _lock_slice(session: Session, family: str, mrc_id: int, month: date) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite serialises writers
    digest = hashlib.blake2b(f"agg:{family}:{mrc_id}:{month}".encode(), digest_size=8).digest()
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                    {"key": int.from_bytes(digest, "big", signed=True)})


def _apply_slices(session: Session, pending: Pending) -> None:
    slices = set(pending.slices)
    if pending.events:
        for mrc_id, day in session.execute(select(OutreachEvent.mrc_id, OutreachEvent.date)
                                           .where(OutreachEvent.id.in_(pending.events))):
            slices.add(("outreach", mrc_id, _first_of_month(_as_date(day))))
    for family, mrc_id, month in sorted(slices):
        _lock_slice(session, family, mrc_id, month)
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if family == "outreach":
            model: type[Any] = OutreachMonth
            source = _outreach_source((OutreachEvent.mrc_id == mrc_id,
                                       OutreachEvent.date >= month,
                                       OutreachEvent.date < following))
        else:
            model = LeafletMonth
            source = _leaflet_source((StockEntry.mrc_id == mrc_id, StockEntry.on_date >= month,
                                      StockEntry.on_date < following))
        where = (model.mrc_id == mrc_id, model.month == month)
        session.execute(delete(model).where(*where))
        _fill(session, model, source, where)


def apply_pending(session: Session | None = None) -> None:
    """Bring the summary tables up to date with this transaction's changes now."""
    session = _session(session)
    pending: Pending | None = session.info.pop(PENDING_KEY, None)
    if pending is None:
        return
    if pending.before:
        _apply_clients(session, pending.before)
    if pending.slices or pending.events:
        _apply_slices(session, pending)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.info.get(PENDING_KEY) is not None:
        apply_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)

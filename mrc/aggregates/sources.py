"""What each monthly summary row is: one SQL builder per summary table.

Each ``*_source(where)`` returns a SELECT of summary rows (key columns and measures) over the
records matching ``where``; the same builder serves the full rebuild (no condition) and the
slices (one MRC and month), so the two can never disagree on the definition
(:mod:`mrc.aggregates.summaries`). The per-client deltas of every save use a Python twin of
the three case builders (:mod:`mrc.aggregates.contribution`): a change here must be made
there too, and ``tests/aggregates/test_contribution.py`` fails until it is. Nothing here
writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
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

SESSION_DIMS = ("channel", "sex", "age_band", "migrant_status", "intention", "destination")
CLIENT_DIMS = ("sex", "age_band", "migrant_status")
AGE_BAND_CODES = ("under_18", "18_34", "35_plus", "unknown")

# Counts of people or sessions come with a ``*_key`` measure: the sum of the contributing
# records' keys (disclosure control, mrc.privacy.cellkey). Sessions count by the session's
# key, everything else by the client's.
SESSION_COUNTS = ("sessions", "new_clients")
SESSION_MEASURES = (*SESSION_COUNTS, *(f"{m}_key" for m in SESSION_COUNTS))
CLIENT_MEASURES = ("clients", "clients_key")
OUTCOME_COUNTS = ("baseline_n", "baseline_irregular", "baseline_regular", "due", "reached",
                  "unreachable", "followup_n", "followup_irregular", "followup_regular",
                  "info_answered", "info_used", "paired")
OUTCOME_MEASURES = (*OUTCOME_COUNTS, "score_change_sum", *(f"{m}_key" for m in OUTCOME_COUNTS))
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


def session_source(where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """:class:`SessionMonth` rows: sessions and new clients by every session dimension."""
    s = CounsellingSession
    rows = (select(s.mrc_id, month_start(s.date).label("month"), s.channel.label("channel"),
                   Client.sex.label("sex"), age_band().label("age_band"),
                   Client.migrant_status.label("migrant_status"), s.intention.label("intention"),
                   func.coalesce(s.destination, "").label("destination"),
                   s.topics.label("topics"), _flag(s.is_baseline.is_(True)).label("baseline"),
                   s.record_key.label("session_key"),
                   case((s.is_baseline.is_(True), Client.record_key), else_=0)
                   .label("new_client_key"))
            .join(Client, Client.id == s.client_id).where(s.live(), *where).subquery("rows"))
    sums = (("sessions", _int(1)), ("new_clients", rows.c.baseline),
            ("sessions_key", rows.c.session_key), ("new_clients_key", rows.c.new_client_key))
    parts = _by_dims(rows, SESSION_DIMS, sums)
    topics = _topic_codes()
    parts.append(
        select(rows.c.mrc_id, rows.c.month, _text("topic").label("dim"),
               topics.c.code.label("value"), func.count().label("sessions"),
               func.coalesce(func.sum(rows.c.baseline), 0).label("new_clients"),
               func.coalesce(func.sum(rows.c.session_key), 0).label("sessions_key"),
               func.coalesce(func.sum(rows.c.new_client_key), 0).label("new_clients_key"))
        .select_from(rows.join(topics, rows.c.topics.op("&")(topics.c.bit) != 0))
        .group_by(rows.c.mrc_id, rows.c.month, topics.c.code))
    return union_all(*parts).subquery("facts").select()


def client_source(where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """:class:`ClientMonth` rows: each client once per active month, keyed by the month
    of their previous session (so a period can tell new from returning clients)."""
    s = CounsellingSession
    earlier = aliased(CounsellingSession)
    active = (select(s.client_id.label("client_id"), s.mrc_id.label("mrc_id"),
                     month_start(s.date).label("month"))
              .where(s.live(), *where).group_by(s.client_id, s.mrc_id, month_start(s.date))
              .subquery("active"))
    previous = (select(month_start(func.max(earlier.date)))
                .where(earlier.client_id == active.c.client_id, earlier.date < active.c.month,
                       s.live(earlier))
                .scalar_subquery())
    rows = (select(active.c.mrc_id, active.c.month,
                   func.coalesce(previous, literal(NO_EARLIER, Date)).label("prev_month"),
                   Client.sex.label("sex"), age_band().label("age_band"),
                   Client.migrant_status.label("migrant_status"),
                   Client.record_key.label("client_key"))
            .join(Client, Client.id == active.c.client_id).subquery("rows"))
    parts = _by_dims(rows, CLIENT_DIMS,
                     (("clients", _int(1)), ("clients_key", rows.c.client_key)),
                     key=("mrc_id", "month", "prev_month"))
    return union_all(*parts).subquery("facts").select()


def outcome_source(clients: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """:class:`OutcomeMonth` rows: baselines, follow-up waves due and their outcomes.
    ``clients``: conditions on ``Client`` (empty: every client)."""
    s, f = CounsellingSession, FollowUp
    base = aliased(CounsellingSession)
    client_cols = (Client.sex.label("sex"), age_band().label("age_band"),
                   Client.migrant_status.label("migrant_status"))

    def row(mrc: Any, month: Any, **values: Any) -> list[Any]:
        # A counted row's key is its client's (the counts here are 0 or 1 per row).
        values |= {f"{m}_key": values[m] * Client.record_key
                   for m in OUTCOME_COUNTS if m in values}
        return [mrc.label("mrc_id"), month.label("month"), *client_cols,
                *[(values[m] if m in values else _int(0)).label(m) for m in OUTCOME_MEASURES]]

    baselines = (select(*row(s.mrc_id, month_start(s.date), baseline_n=_int(1),
                             baseline_irregular=_flag(s.intention == "irregular"),
                             baseline_regular=_flag(s.intention == "regular")))
                 .join(Client, Client.id == s.client_id)
                 .where(s.is_baseline, s.live(), *clients))
    waves = (select(*row(f.mrc_id, month_start(f.due_date), due=_int(1),
                         reached=_flag(f.status == "reached"),
                         # A wave that lapsed unreached counts as not reached.
                         unreachable=_flag(f.status.in_(("unreachable", "lapsed")))))
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
                .outerjoin(base, and_(base.client_id == f.client_id, base.is_baseline,
                                      s.live(base)))
                .where(f.status == "reached", f.completed_on.is_not(None), *clients))
    rows = union_all(baselines, waves, outcomes).subquery("rows")
    parts = _by_dims(rows, CLIENT_DIMS, [(m, rows.c[m]) for m in OUTCOME_MEASURES])
    return union_all(*parts).subquery("facts").select()


def outreach_source(where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """:class:`OutreachMonth` rows: events, attendance and reach by event type, and
    attendance by sex and by age band (summed over the attendance grid)."""
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


def leaflet_source(where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """:class:`LeafletMonth` rows: leaflets handed out, by kind of hand-out."""
    st = StockEntry
    rows = (select(st.mrc_id, month_start(st.on_date).label("month"), st.kind.label("kind"),
                   (-st.quantity).label("quantity"))
            .where(st.kind.in_(("session", "outreach")), *where).subquery("rows"))
    parts = _by_dims(rows, ("kind",), (("quantity", rows.c.quantity),))
    return union_all(*parts).subquery("facts").select()


def key_columns(model: type[Any]) -> list[str]:
    """Names of the primary-key columns of a summary table (MRC, month, …)."""
    return [c.name for c in model.__table__.primary_key.columns]


def nonzero(model: type[Any]) -> ColumnElement[bool]:
    """True for a row with any non-zero measure (all-zero rows are not kept)."""
    return or_(*[getattr(model, m) != 0 for m in MEASURES[model]])


def session_or_app(session: Session | None) -> Session:
    """The given session, or the application's (the one behind ``db.session``)."""
    return session if session is not None else db.session()


def all_sources() -> list[tuple[type[Any], Select[Any]]]:
    """Every summary table with the SELECT of all its rows."""
    return [(SessionMonth, session_source(())), (ClientMonth, client_source(())),
            (OutcomeMonth, outcome_source(())), (OutreachMonth, outreach_source(())),
            (LeafletMonth, leaflet_source(()))]


def rows_select(model: type[Any], source: Select[Any]) -> Select[Any]:
    """``source`` narrowed to the table's key columns and measures, in table order."""
    columns = [*key_columns(model), *MEASURES[model]]
    sub = source.subquery("src")
    return select(*[sub.c[c] for c in columns])


def as_date(value: Any) -> Any:
    """SQLite returns computed dates as ISO strings; PostgreSQL as dates."""
    return date.fromisoformat(value) if isinstance(value, str) else value


Rows = dict[tuple[Any, ...], tuple[int, ...]]


def to_dict(model: type[Any], rows: Iterable[Sequence[Any]]) -> Rows:
    """``{key: measures}`` of result rows (key columns then measures), all-zero rows left out."""
    names = key_columns(model)
    n_keys = len(names)
    out: Rows = {}
    for r in rows:
        key = tuple(as_date(v) if "month" in n else v for n, v in zip(names, r, strict=False))
        measures = tuple(int(v) for v in r[n_keys:])
        if any(measures):
            out[key] = measures
    return out


def read_rows(session: Session, model: type[Any], source: Select[Any]) -> Rows:
    """The rows ``source`` makes, without writing them."""
    return to_dict(model, session.execute(rows_select(model, source)).all())

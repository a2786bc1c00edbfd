"""Keeping the monthly summary tables (:mod:`mrc.aggregates.models`) equal to the records.

One set of SQL builders (:mod:`mrc.aggregates.sources`) says what each summary row is; it
serves three purposes, so the summaries cannot drift from the definition:

* :func:`rebuild` -- set-based ``INSERT … SELECT`` over every record (``mrc aggregates
  --rebuild``, the end of the demo bulk load);
* per-client deltas and slices (:mod:`mrc.aggregates.deltas`) -- the capture services send
  :mod:`mrc.signals` before and as they change records; the receivers note what changed and
  a ``before_commit`` hook brings the summary rows up to date in the same transaction (a
  client's contribution is computed in Python, :mod:`mrc.aggregates.contribution`, and
  tested equal to these builders for every client of a demo);
* :func:`recompute` and :func:`stored` -- what a rebuild would make, and what is there, for
  the tests that hold the two equal after every service.

This module is the summaries' public face: it re-exports the names callers used before the
split (``summaries.apply_pending()``, ``summaries.client_contribution``, …).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mrc.aggregates.deltas import (
    CLIENT_CHUNK,
    PENDING_KEY,
    Contribution,
    Pending,
    apply_pending,
    client_changing,
    client_contribution,
    discard_pending,
    event_changed,
    fill,
    install,
    leaflets_changed,
)
from mrc.aggregates.sources import (
    AGE_BAND_CODES,
    ALL_MODELS,
    CASE_MODELS,
    CLIENT_DIMS,
    CLIENT_MEASURES,
    LEAFLET_MEASURES,
    MEASURES,
    OUTCOME_MEASURES,
    OUTREACH_MEASURES,
    SESSION_DIMS,
    SESSION_MEASURES,
    Rows,
    age_band,
    all_sources,
    as_date,
    key_columns,
    month_start,
    read_rows,
    session_or_app,
    to_dict,
)

Snapshot = dict[type[Any], Rows]


def rebuild(session: Session | None = None) -> dict[str, int]:
    """Recompute every summary table from the records, set-based. Returns rows per table.
    Pending incremental work is dropped (the rebuild covers it). The caller commits."""
    session = session_or_app(session)
    discard_pending(session)
    result = {}
    for model, source in all_sources():
        session.execute(delete(model))
        fill(session, model, source)
        result[model.__tablename__] = int(
            session.scalar(select(func.count()).select_from(model)) or 0)
    return result


rebuild_summaries = rebuild


def recompute(session: Session | None = None) -> Snapshot:
    """Every summary row as a full recompute from the records would make it, without
    writing anything: ``{model: {key: measures}}`` (tests compare it with the tables)."""
    session = session_or_app(session)
    return {model: read_rows(session, model, source) for model, source in all_sources()}


def stored(session: Session | None = None) -> Snapshot:
    """The summary tables as they are: ``{model: {key: measures}}``."""
    session = session_or_app(session)
    out = {}
    for model in ALL_MODELS:
        columns = [getattr(model, c) for c in (*key_columns(model), *MEASURES[model])]
        out[model] = to_dict(model, session.execute(select(*columns)).all())
    return out


__all__ = [
    "AGE_BAND_CODES", "ALL_MODELS", "CASE_MODELS", "CLIENT_CHUNK", "CLIENT_DIMS",
    "CLIENT_MEASURES", "LEAFLET_MEASURES", "MEASURES", "OUTCOME_MEASURES", "OUTREACH_MEASURES",
    "PENDING_KEY", "SESSION_DIMS", "SESSION_MEASURES", "Contribution", "Pending", "age_band",
    "apply_pending", "as_date", "client_changing", "client_contribution", "event_changed",
    "install", "leaflets_changed", "month_start", "rebuild", "rebuild_summaries", "recompute",
    "stored",
]

"""A client's contribution to the case summaries, computed in Python from their records.

The SQL builders of :mod:`mrc.aggregates.sources` define every summary row; they serve the
full rebuild and the slices. Saving a session needs only what *one* client adds, before and
after the change, and running those three large unions twice per save cost most of a save's
time (issue #16). :func:`contribution` computes the same rows from the client's plain
records: three small indexed reads (the client, their live sessions, their follow-ups) and a
loop over a handful of rows. ``tests/aggregates/test_contribution.py`` checks that it equals
the SQL builders for every client of a demo and for the edge cases (deleted sessions,
cancelled and lapsed waves, no baseline, unknown birth year), on SQLite and PostgreSQL: a
change to a builder that is not made here fails there.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mrc.aggregates.models import NO_EARLIER, ClientMonth, OutcomeMonth, SessionMonth
from mrc.aggregates.sources import (
    CASE_MODELS,
    CLIENT_DIMS,
    OUTCOME_COUNTS,
    OUTCOME_MEASURES,
    SESSION_DIMS,
    Rows,
)
from mrc.cases import vocab
from mrc.cases.models import Client, CounsellingSession, FollowUp

_S, _F = CounsellingSession, FollowUp
CLIENT_COLUMNS = (Client.id, Client.sex, Client.birth_year, Client.registered_on,
                  Client.migrant_status, Client.record_key)
SESSION_COLUMNS = (_S.client_id, _S.mrc_id, _S.date, _S.channel, _S.intention, _S.destination,
                   _S.topics, _S.is_baseline, _S.awareness_score, _S.record_key)
FOLLOWUP_COLUMNS = (_F.client_id, _F.mrc_id, _F.due_date, _F.status, _F.completed_on,
                    _F.intention, _F.used_mrc_info, _F.awareness_score)
_OUTCOME_INDEX = {name: i for i, name in enumerate(OUTCOME_MEASURES)}
_KEYED = frozenset(OUTCOME_COUNTS)
_TOPIC_BITS = tuple((1 << i, code) for i, (code, _label) in enumerate(vocab.TOPICS))

Cells = dict[tuple[Any, ...], list[int]]


def age_band(registered_on: date, birth_year: int | None) -> str:
    """Age band at registration, as :func:`mrc.aggregates.sources.age_band` says in SQL."""
    if birth_year is None:
        return "unknown"
    age = registered_on.year - birth_year
    return "under_18" if age < 18 else "18_34" if age < 35 else "35_plus"


def _month(day: date) -> date:
    return day.replace(day=1)


def _add(cells: Cells, key: tuple[Any, ...], measures: Sequence[int]) -> None:
    row = cells.get(key)
    if row is None:
        cells[key] = list(measures)
    else:
        for i, value in enumerate(measures):
            row[i] += value


def _by_dims(cells: Cells, head: tuple[Any, ...], values: dict[str, Any],
             dims: Sequence[str], measures: Sequence[int]) -> None:
    """One row under ``all`` and one under each dimension's value (``_by_dims`` in SQL)."""
    _add(cells, (*head, "all", ""), measures)
    for dim in dims:
        _add(cells, (*head, dim, values[dim]), measures)


def _outcome(key: int, **values: int) -> list[int]:
    """An outcome row; ``key``: the client's record key, counted with each count."""
    row = [0] * len(OUTCOME_MEASURES)
    for name, value in values.items():
        row[_OUTCOME_INDEX[name]] = value
        if name in _KEYED:
            row[_OUTCOME_INDEX[f"{name}_key"]] = value * key
    return row


def _client_rows(person: Any, sessions: list[Any], followups: list[Any],
                 out: dict[type[Any], Cells]) -> None:
    person_values = {"sex": person.sex, "migrant_status": person.migrant_status,
                     "age_band": age_band(person.registered_on, person.birth_year)}
    session_cells, client_cells, outcome_cells = (out[SessionMonth], out[ClientMonth],
                                                  out[OutcomeMonth])
    key = person.record_key
    for s in sessions:
        month = _month(s.date)
        baseline = 1 if s.is_baseline else 0
        values = {**person_values, "channel": s.channel, "intention": s.intention,
                  "destination": s.destination or ""}
        counts = (1, baseline, s.record_key, baseline * key)
        _by_dims(session_cells, (s.mrc_id, month), values, SESSION_DIMS, counts)
        for bit, code in _TOPIC_BITS:
            if s.topics & bit:
                _add(session_cells, (s.mrc_id, month, "topic", code), counts)
        if s.is_baseline:
            _by_dims(outcome_cells, (s.mrc_id, month), person_values, CLIENT_DIMS, _outcome(
                key, baseline_n=1, baseline_irregular=int(s.intention == "irregular"),
                baseline_regular=int(s.intention == "regular")))
    # Each active (MRC, month) once, keyed by the month of the previous session anywhere.
    days = sorted(s.date for s in sessions)
    for mrc_id, month in {(s.mrc_id, _month(s.date)) for s in sessions}:
        before = bisect_left(days, month)  # sessions dated before the month's first day
        previous = _month(days[before - 1]) if before else NO_EARLIER
        _by_dims(client_cells, (mrc_id, month, previous), person_values, CLIENT_DIMS,
                 (1, key))
    baselines = [s for s in sessions if s.is_baseline] or [None]
    for f in followups:
        if f.status == "cancelled":
            continue
        _by_dims(outcome_cells, (f.mrc_id, _month(f.due_date)), person_values, CLIENT_DIMS,
                 _outcome(key, due=1, reached=int(f.status == "reached"),
                          # A wave that lapsed unreached counts as not reached.
                          unreachable=int(f.status in ("unreachable", "lapsed"))))
        if f.status != "reached" or f.completed_on is None:
            continue
        for base in baselines:  # the outer join to the baseline in SQL
            both = (f.awareness_score is not None and base is not None
                    and base.awareness_score is not None)
            _by_dims(outcome_cells, (f.mrc_id, _month(f.completed_on)), person_values,
                     CLIENT_DIMS, _outcome(
                         key, followup_n=1, followup_irregular=int(f.intention == "irregular"),
                         followup_regular=int(f.intention == "regular"),
                         info_answered=int(f.used_mrc_info is not None),
                         info_used=int(f.used_mrc_info is True), paired=int(both),
                         score_change_sum=(f.awareness_score - base.awareness_score
                                           if both else 0)))


def rows_of(clients: Iterable[Any], sessions: Iterable[Any],
            followups: Iterable[Any]) -> dict[type[Any], Rows]:
    """The case summary rows of these records (plain rows with the ``*_COLUMNS`` fields;
    ``sessions``: live ones only), all-zero rows left out."""
    by_client: dict[int, tuple[list[Any], list[Any]]] = {}
    for s in sessions:
        by_client.setdefault(s.client_id, ([], []))[0].append(s)
    for f in followups:
        by_client.setdefault(f.client_id, ([], []))[1].append(f)
    out: dict[type[Any], Cells] = {m: {} for m in CASE_MODELS}
    for person in clients:
        own_sessions, own_followups = by_client.get(person.id, ([], []))
        _client_rows(person, own_sessions, own_followups, out)
    return {model: {k: tuple(v) for k, v in cells.items() if any(v)}
            for model, cells in out.items()}


def contribution(session: Session, client_ids: Sequence[int], chunk: int, *,
                 lock: bool = False) -> dict[type[Any], Rows]:
    """What these clients' records add to the case summary tables, read now (pending ORM
    changes are flushed first, as for any query), ``chunk`` client ids per read; ``lock``:
    the clients' rows are read ``FOR UPDATE`` (held until the transaction ends)."""
    clients: list[Any] = []
    sessions: list[Any] = []
    followups: list[Any] = []
    for start in range(0, len(client_ids), chunk):
        ids = list(client_ids[start:start + chunk])
        read = select(*CLIENT_COLUMNS).where(Client.id.in_(ids))
        clients += session.execute(read.with_for_update(of=Client) if lock else read)
        sessions += session.execute(select(*SESSION_COLUMNS)
                                    .where(_S.client_id.in_(ids), _S.live()))
        followups += session.execute(select(*FOLLOWUP_COLUMNS).where(_F.client_id.in_(ids)))
    return rows_of(clients, sessions, followups)

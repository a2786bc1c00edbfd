"""Set-based loading of a panel's raw data: one query for the persons (baseline covariates
and baseline outcomes), one for the reached follow-up waves, read in chunks with pandas.

No ORM objects are built and nothing but the columns the panel needs is read: never the
client code, phone, notes or external ids. The database ids read here (to compute the
pseudonyms and to join follow-ups to their person) are dropped before anything is written.
Comparison-survey respondents (``mrc.impact``, when present) are read the same way, with
their ids moved to a separate range so that they can never share a pseudonym with a client.

Of referrals (``mrc.referrals``) only two flags per client are read, as correlated EXISTS
subqueries of the persons' select: whether the client was referred between the baseline and
the end of the period, and whether one of those referrals reached the service by then.
Nothing else of a referral (reference, facility, service, dates) is selected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from pandas.api.types import union_categoricals
from sqlalchemy import ColumnElement, Select, and_, exists, literal, select
from sqlalchemy.engine import Connection

from mrc.cases.models import Client, CounsellingSession, FollowUp
from mrc.referrals.models import Referral

CHUNK_ROWS = 100_000
# Comparison respondents' ids are offset into their own range of the 63-bit id space.
COMPARISON_ID_OFFSET = 1 << 62
PERSON_COLUMNS = ("pid", "mrc_id", "treated", "sex", "birth_year", "province", "nationality",
                  "migrant_status", "education", "employment", "baseline_date",
                  "intention", "awareness_score", "route", "fee_band", "info_source",
                  "referred", "referral_service_given")
FOLLOWUP_COLUMNS = ("pid", "wave", "obs_date", "intention", "location_status",
                    "awareness_score", "used_mrc_info")
_TEXT = ("sex", "province", "nationality", "migrant_status", "education", "employment",
         "intention", "location_status", "route", "fee_band", "info_source")


@dataclass
class RawPanel:
    """Persons (one row each) and their reached follow-up waves (one row per wave)."""

    persons: pd.DataFrame
    followups: pd.DataFrame


def comparison_models() -> tuple[Any, Any] | None:
    """The comparison-survey models, if the impact feature is installed."""
    try:
        from mrc.impact.models import ComparisonRespondent, ComparisonResponse
    except ImportError:
        return None
    return ComparisonRespondent, ComparisonResponse


def _referral_flags(end: date) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """``referred`` and ``referral_service_given`` of the client of the enclosing select
    (correlated on the client and its baseline session): a referral sent from the baseline
    to ``end``, and one of those with the service given by ``end``."""
    window = and_(Referral.client_id == Client.id,
                  Referral.sent_on >= CounsellingSession.date, Referral.sent_on <= end)
    referred = exists().where(window)
    given = exists().where(window, Referral.service_on.is_not(None),
                           Referral.service_on <= end)
    return referred.label("referred"), given.label("referral_service_given")


def _client_persons(mrc_ids: Sequence[int], start: date, end: date) -> Select:
    baseline = CounsellingSession
    return (
        select(Client.id.label("pid"), Client.mrc_id, literal(1).label("treated"),
               Client.sex, Client.birth_year, Client.province, Client.nationality,
               Client.migrant_status, Client.education, Client.employment,
               baseline.date.label("baseline_date"), baseline.intention,
               baseline.awareness_score, baseline.route, baseline.fee_band,
               baseline.info_source, *_referral_flags(end))
        .join(baseline, and_(baseline.client_id == Client.id, baseline.is_baseline.is_(True),
                             baseline.live()))
        .where(Client.mrc_id.in_(mrc_ids), baseline.date >= start, baseline.date <= end)
    )


def _client_followups(mrc_ids: Sequence[int], start: date, end: date,
                      waves: Sequence[int]) -> Select:
    baseline = CounsellingSession
    return (
        select(FollowUp.client_id.label("pid"), FollowUp.wave,
               FollowUp.completed_on.label("obs_date"), FollowUp.intention,
               FollowUp.location_status, FollowUp.awareness_score, FollowUp.used_mrc_info)
        .join(Client, Client.id == FollowUp.client_id)
        .join(baseline, and_(baseline.client_id == Client.id, baseline.is_baseline.is_(True),
                             baseline.live()))
        .where(Client.mrc_id.in_(mrc_ids), baseline.date >= start, baseline.date <= end,
               FollowUp.wave.in_(waves), FollowUp.status == "reached",
               FollowUp.completed_on.is_not(None))
    )


def _comparison_queries(mrc_ids: Sequence[int], start: date, end: date,
                        waves: Sequence[int]) -> tuple[Select, Select] | None:
    models = comparison_models()
    if models is None:
        return None
    respondent, response = models
    offset = literal(COMPARISON_ID_OFFSET)
    null = literal(None)
    persons = (
        select((respondent.id + offset).label("pid"), respondent.mrc_id,
               literal(0).label("treated"), respondent.sex, respondent.birth_year,
               respondent.province, null.label("nationality"), respondent.migrant_status,
               null.label("education"), null.label("employment"),
               response.survey_date.label("baseline_date"), response.intention,
               response.awareness_score, null.label("route"), null.label("fee_band"),
               null.label("info_source"), null.label("referred"),
               null.label("referral_service_given"))
        .join(response, and_(response.respondent_id == respondent.id, response.wave == 0))
        .where(respondent.mrc_id.in_(mrc_ids), response.survey_date >= start,
               response.survey_date <= end)
    )
    base = response.__table__.alias("base")
    followups = (
        select((response.respondent_id + offset).label("pid"), response.wave,
               response.survey_date.label("obs_date"), response.intention,
               response.location_status, response.awareness_score,
               null.label("used_mrc_info"))
        .join(base, and_(base.c.respondent_id == response.respondent_id, base.c.wave == 0))
        .where(response.mrc_id.in_(mrc_ids), response.wave.in_(waves),
               base.c.survey_date >= start, base.c.survey_date <= end)
    )
    return persons, followups


def _read(connection: Connection, statement: Select, columns: Sequence[str]) -> pd.DataFrame:
    """Read a select in chunks; text columns become categoricals chunk by chunk so that
    the frame never holds one Python string per cell."""
    chunks: list[pd.DataFrame] = []
    # Per statement: Connection.execution_options() would change the (session's)
    # connection for every later statement too.
    result = connection.execute(statement, execution_options={"stream_results": True,
                                                              "max_row_buffer": CHUNK_ROWS})
    while True:
        rows = result.fetchmany(CHUNK_ROWS)
        if not rows:
            break
        chunk = pd.DataFrame.from_records(rows, columns=list(columns), coerce_float=False)
        for name in _TEXT:
            if name in chunk.columns:
                chunk[name] = chunk[name].astype("category")
        chunks.append(chunk)
    if not chunks:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in columns})
    if len(chunks) == 1:
        return chunks[0]
    merged = {}
    for name in columns:
        parts = [c[name] for c in chunks]
        if isinstance(parts[0].dtype, pd.CategoricalDtype):
            merged[name] = pd.Series(union_categoricals(
                [p.astype("category") for p in parts], ignore_order=True))
        else:
            merged[name] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(merged)


def load_raw(connection: Connection, mrc_ids: Sequence[int], start: date, end: date,
             waves: Sequence[int], include_comparison: bool = False) -> RawPanel:
    """Persons with a baseline in [start, end] at the given MRCs, and their reached
    follow-ups of the given waves (clients, plus comparison respondents if asked)."""
    mrc_ids = list(mrc_ids)
    waves = list(waves)
    persons = [_read(connection, _client_persons(mrc_ids, start, end), PERSON_COLUMNS)]
    followups = [_read(connection, _client_followups(mrc_ids, start, end, waves or [-1]),
                       FOLLOWUP_COLUMNS)]
    if include_comparison:
        queries = _comparison_queries(mrc_ids, start, end, waves or [-1])
        if queries is not None:
            persons.append(_read(connection, queries[0], PERSON_COLUMNS))
            followups.append(_read(connection, queries[1], FOLLOWUP_COLUMNS))
    return RawPanel(_concat(persons), _concat(followups))


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)] or frames[:1]
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    result = pd.concat([f.astype({c: object for c in f.columns if c in _TEXT}) for f in frames],
                       ignore_index=True)
    for name in _TEXT:
        if name in result.columns:
            result[name] = result[name].astype("category")
    return result

"""Impact estimates for a scope and a period (the survey's records: :mod:`mrc.survey`).

``impact_report(mrc_ids, period)`` reads, set-based, the observations behind the impact
indicators — clients' baseline sessions and reached follow-up waves, comparison
respondents' survey waves — of the MRCs in ``mrc_ids`` (always a select built by
``mrc.scope.mrc_ids_in_scope`` or :func:`mrc.scope.named_scope`, never a user's free choice) into a
pandas frame, runs :mod:`mrc.impact.estimators` on it and applies the disclosure threshold.
Nothing personal leaves this module: the frame holds database ids only to pair a person's
waves, and the report holds estimates and counts of people.

The *period* selects cohorts: people whose baseline (first session; comparison wave 0)
falls in the period, followed through all their later waves.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, select

from mrc.aggregates import periods
from mrc.aggregates import services as aggregates
from mrc.cases import awareness
from mrc.cases.models import Client, CounsellingSession, FollowUp
from mrc.extensions import db
from mrc.impact import estimators
from mrc.impact.estimators import Estimate
from mrc.org.models import MRC
from mrc.settings import settings
from mrc.survey.models import ComparisonRespondent, ComparisonResponse

OUTCOME_LABELS = {
    "irregular": _l("Intends to migrate irregularly"),
    "regular": _l("Intends to migrate regularly"),
    "awareness": _l("Risk-awareness score"),
    "used_info": _l("Used MRC information"),
}
OUTCOME_NOTES = {
    "irregular": _l("share of people considering migration"),
    "regular": _l("share of people considering migration"),
    "awareness": _l("correct answers out of %(n)s", n=awareness.max_score()),
    "used_info": _l("share of clients reached at follow-up"),
}
DESIGN_LABELS = {
    "before_after": _l("Clients, before and after"),
    "did": _l("Difference in differences"),
    "level": _l("Clients at follow-up"),
}
METHOD_LABELS = {
    "wild_cluster_bootstrap": _l("wild cluster bootstrap"),
    "cluster_robust": _l("cluster-robust"),
    "person_robust": _l("not clustered by MRC (too few MRCs)"),
    "none": _l("no interval"),
}


class PeriodError(ValueError):
    """A period that cannot be read; ``message`` is translated."""

    def __init__(self, message: str):
        super().__init__("invalid period")
        self.message = message


@dataclass(frozen=True)
class Period:
    """Inclusive date range (either end open); ``text`` as the user wrote it."""

    start: date | None = None
    end: date | None = None
    text: str = ""

    def contains(self, column: Any) -> Any:
        conditions = []
        if self.start is not None:
            conditions.append(column >= self.start)
        if self.end is not None:
            conditions.append(column <= self.end)
        return and_(*conditions) if conditions else None


_YEAR = re.compile(r"([0-9]{4})")
_QUARTER = re.compile(r"([0-9]{4})-[Qq]([1-4])")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_RANGE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})?\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})?")


def parse_period(text: str | None) -> Period:
    """``2026``, ``2026-Q3``, ``2026-07``, ``2026-01-01..2026-06-30`` (either side may be
    left out) or nothing / ``all`` for every baseline."""
    raw = (text or "").strip()
    if raw.lower() in ("", "all"):
        return Period(text="")
    try:  # every period the dashboard understands means the same here
        months = periods.parse(raw)
        return Period(months.first, months.end, raw.upper() if "Q" in raw.upper() else raw)
    except periods.PeriodError:
        pass
    try:
        if match := _YEAR.fullmatch(raw):
            year = int(match.group(1))
            return Period(date(year, 1, 1), date(year, 12, 31), raw)
        if match := _QUARTER.fullmatch(raw):
            year, quarter = int(match.group(1)), int(match.group(2))
            last = 3 * quarter
            return Period(date(year, last - 2, 1), date(year, last, monthrange(year, last)[1]),
                          raw.upper())
        if match := _MONTH.fullmatch(raw):
            year, month = int(match.group(1)), int(match.group(2))
            return Period(date(year, month, 1), date(year, month, monthrange(year, month)[1]),
                          raw)
        if (match := _RANGE.fullmatch(raw)) and (match.group(1) or match.group(2)):
            start = date.fromisoformat(match.group(1)) if match.group(1) else None
            end = date.fromisoformat(match.group(2)) if match.group(2) else None
            if start is not None and end is not None and end < start:
                raise PeriodError(_("The period ends before it starts."))
            return Period(start, end, raw)
    except ValueError as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(_("This date does not exist.")) from None
    raise PeriodError(_("Write the period as 2026, 2026-Q3, 2026-07 or "
                        "2026-01-01..2026-06-30."))


# --- observations ---------------------------------------------------------------------------

# ``key``: the person's record key, from which the cell key method publishes counts of people
OBSERVATION_COLUMNS = ("person", "key", "cluster", "treated", "wave", "intention", "awareness",
                       "used_info")


def _frame(rows: list[Any], treated: int) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["person", "key", "cluster", "wave", "intention",
                                        "awareness", "used_info"])
    frame.insert(3, "treated", treated)
    frame["awareness"] = frame["awareness"].astype(float)
    frame["used_info"] = frame["used_info"].astype(float)
    return frame[list(OBSERVATION_COLUMNS)]


def client_observations(mrc_ids: Select[Any], period: Period) -> pd.DataFrame:
    """One row per client and wave: the baseline session (wave 0) of clients whose
    baseline is in ``period``, and their reached follow-up waves."""
    in_period = period.contains(CounsellingSession.date)
    baseline = (select(CounsellingSession.client_id, CounsellingSession.mrc_id)
                .where(CounsellingSession.is_baseline, CounsellingSession.live(),
                       CounsellingSession.mrc_id.in_(mrc_ids)))
    if in_period is not None:
        baseline = baseline.where(in_period)
    base_rows = db.session.execute(
        select(CounsellingSession.client_id, Client.record_key, CounsellingSession.mrc_id,
               CounsellingSession.intention, CounsellingSession.awareness_score)
        .join(Client, Client.id == CounsellingSession.client_id)
        .where(CounsellingSession.is_baseline, CounsellingSession.live(),
               CounsellingSession.mrc_id.in_(mrc_ids),
               *([in_period] if in_period is not None else []))).all()
    cohort = baseline.subquery()
    follow_rows = db.session.execute(
        select(FollowUp.client_id, Client.record_key, FollowUp.mrc_id, FollowUp.wave,
               FollowUp.intention, FollowUp.awareness_score, FollowUp.used_mrc_info)
        .join(cohort, cohort.c.client_id == FollowUp.client_id)
        .join(Client, Client.id == FollowUp.client_id)
        .where(FollowUp.status == "reached")).all()
    rows: list[tuple[Any, ...]] = [(c, k, m, 0, i, a, None) for c, k, m, i, a in base_rows]
    rows += [(c, k, m, w, i, a, None if u is None else float(u))
             for c, k, m, w, i, a, u in follow_rows]
    return _frame(rows, 1)


def comparison_observations(mrc_ids: Select[Any], period: Period) -> pd.DataFrame:
    """One row per comparison respondent and wave, for respondents whose baseline (wave 0)
    is in ``period`` (every respondent when the period is open)."""
    query = (select(ComparisonResponse.respondent_id, ComparisonRespondent.record_key,
                    ComparisonResponse.mrc_id, ComparisonResponse.wave,
                    ComparisonResponse.intention, ComparisonResponse.awareness_score)
             .join(ComparisonRespondent,
                   ComparisonRespondent.id == ComparisonResponse.respondent_id)
             .where(ComparisonResponse.mrc_id.in_(mrc_ids)))
    in_period = period.contains(ComparisonResponse.survey_date)
    if in_period is not None:
        cohort = (select(ComparisonResponse.respondent_id)
                  .where(ComparisonResponse.wave == 0, ComparisonResponse.mrc_id.in_(mrc_ids),
                         in_period))
        query = query.where(ComparisonResponse.respondent_id.in_(cohort))
    rows = [(r, k, m, w, i, a, None) for r, k, m, w, i, a in db.session.execute(query).all()]
    return _frame(rows, 0)


def observations(mrc_ids: Select[Any], period: Period) -> pd.DataFrame:
    """Clients' and comparison respondents' observations (see :mod:`estimators`)."""
    frames = [client_observations(mrc_ids, period), comparison_observations(mrc_ids, period)]
    filled = [f for f in frames if not f.empty]
    if len(filled) < 2:
        return filled[0] if filled else frames[0]
    return pd.concat(filled, ignore_index=True)


# --- the report -----------------------------------------------------------------------------

@dataclass
class ImpactReport:
    period: Period
    threshold: int
    estimates: list[Estimate] = field(default_factory=list)
    clients: int = 0  # clients with a baseline in the period (0 if below the threshold)
    respondents: int = 0  # comparison respondents with a baseline in the period
    clusters: int = 0
    draws: int = estimators.BOOTSTRAP_DRAWS

    @property
    def has_comparison(self) -> bool:
        return any(e.design == "did" for e in self.estimates)

    @property
    def methods(self) -> set[str]:
        return {e.method for e in self.estimates if not e.suppressed}


def threshold() -> int:
    value = settings().suppression_threshold
    return value


def _people(frame: pd.DataFrame, treated: int) -> int:
    """People of the group ``treated`` with a baseline, as published: with the cell key
    method perturbed from their record keys, otherwise 0 (hidden) below the threshold."""
    rows = frame[(frame["treated"] == treated) & (frame["wave"] == 0)]
    people = int(rows["person"].nunique())
    if aggregates.cell_key_method():
        return published_people([people], [estimators.key_sum(rows)])[0]
    return people if people >= threshold() else 0


def published_people(counts: list[int], keys: list[int]) -> list[int]:
    """Counts of people published with the cell key method (the dashboard's layer,
    :func:`mrc.aggregates.services.perturbed`), from the sums of their record keys."""
    return aggregates.perturbed(counts, keys, threshold())


def _published_counts(e: Estimate) -> Estimate:
    """``e`` with its counts of people published with the cell key method. The estimate,
    its levels and interval are model outputs from the true observations, checked for
    their own cell counts by :func:`estimators.apply_threshold`."""
    counts = [e.n_treated] + ([e.n_comparison] if e.n_comparison is not None else [])
    published = published_people(counts, list(e.keys[:len(counts)]))
    return replace(e, n_treated=published[0],
                   n_comparison=published[1] if e.n_comparison is not None else None)


def impact_report(mrc_ids: Select[Any], period: Period, *,
                  draws: int = estimators.BOOTSTRAP_DRAWS) -> ImpactReport:
    """Every impact estimate for the MRCs of ``mrc_ids`` and the baseline ``period``,
    with the disclosure threshold applied."""
    limit = threshold()
    frame = observations(mrc_ids, period)
    report = ImpactReport(period=period, threshold=limit, draws=draws)
    if frame.empty:
        return report
    report.estimates = estimators.apply_threshold(
        estimators.estimate_all(frame, draws=draws), limit)
    if aggregates.cell_key_method():
        report.estimates = [_published_counts(e) for e in report.estimates]
    report.clients, report.respondents = _people(frame, 1), _people(frame, 0)
    report.clusters = int(frame["cluster"].nunique())
    return report


def scope_is_empty(mrc_ids: Select[Any]) -> bool:
    return db.session.scalar(select(MRC.id).where(MRC.id.in_(mrc_ids)).limit(1)) is None


# --- counts of the comparison survey ----------------------------------------------------------

def comparison_counts(mrc_ids: Select[Any]) -> dict[int, int]:
    """Survey responses per wave in scope."""
    rows = db.session.execute(
        select(ComparisonResponse.wave, func.count())
        .where(ComparisonResponse.mrc_id.in_(mrc_ids))
        .group_by(ComparisonResponse.wave).order_by(ComparisonResponse.wave)).all()
    return {int(wave): int(n) for wave, n in rows}

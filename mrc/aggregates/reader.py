"""Reading the summary tables for one scope and period: raw counts, never published as such.

Speed (issue #6 benchmark): a :class:`Reader` reads each summary table once per request,
every measure and dimension needed in one grouped query, and keeps the result for the
indicators, the trends and the destination columns of the same request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import func, select

from mrc.aggregates.deltas import apply_pending
from mrc.aggregates.hierarchy import Counts, Org
from mrc.aggregates.models import NO_EARLIER, ClientMonth, SessionMonth
from mrc.aggregates.periods import Period
from mrc.aggregates.sources import MEASURES, as_date
from mrc.extensions import db

T = TypeVar("T")


class Reader:
    """The summary numbers of one scope and period, read with **one query per summary
    table** (every measure and every needed dimension at once, grouped by MRC, dimension
    and value) and kept, so that the indicators, the trends and the destination columns of
    one request share them. Raw counts: only :mod:`mrc.aggregates.services` reads them, and
    publishes them suppressed."""

    def __init__(self, scope: Org, period: Period) -> None:
        self.scope = scope
        self.period = period
        self._memo: dict[tuple[Any, ...], Any] = {}
        apply_pending()  # this transaction's own changes first

    def _once(self, key: tuple[Any, ...], load: Callable[[], T]) -> T:
        if key not in self._memo:
            self._memo[key] = load()
        found: T = self._memo[key]
        return found

    def measures(self, model: Any, dims: Sequence[str]) -> dict[tuple[str, str], Counts]:
        """``{(dim, measure): {(mrc_id, value): sum over the period}}`` for every measure
        of ``model`` (a summary table other than :class:`ClientMonth`)."""
        return self._once(("measures", model, tuple(dims)),
                          lambda: self._load_measures(model, tuple(dims)))

    def _load_measures(self, model: Any, dims: tuple[str, ...]) -> dict[tuple[str, str], Counts]:
        names = MEASURES[model]
        rows = db.session.execute(
            select(model.mrc_id, model.dim, model.value,
                   *[func.sum(getattr(model, name)) for name in names])
            .where(model.mrc_id.in_(self.scope.ids), model.month >= self.period.first,
                   model.month <= self.period.last, model.dim.in_(dims))
            .group_by(model.mrc_id, model.dim, model.value))
        out: dict[tuple[str, str], Counts] = {(d, n): {} for d in dims for n in names}
        for mrc_id, dim, value, *sums in rows:
            for name, total in zip(names, sums, strict=True):
                if total:
                    out[(str(dim), name)][(int(mrc_id), str(value))] = int(total)
        return out

    def counts(self, model: Any, dim: str, measure: str) -> Counts:
        """Sum of one measure by (MRC, value) over the period."""
        return self.measures(model, (dim,))[(dim, measure)]

    def clients(self, dim: str, keys: bool = False) -> tuple[Counts, Counts]:
        """Distinct clients with a session in the period: (new, returning). A client counts
        once, in their first active month of the period (``prev_month`` before it).
        ``keys``: the same cells' key sums instead (disclosure control)."""
        new, returning, new_keys, returning_keys = self._once(
            ("clients", dim), lambda: self._load_clients(dim))
        return (new_keys, returning_keys) if keys else (new, returning)

    def _load_clients(self, dim: str) -> tuple[Counts, Counts, Counts, Counts]:
        cm = ClientMonth
        is_new = cm.prev_month == NO_EARLIER
        rows = db.session.execute(
            select(cm.mrc_id, cm.value, is_new, func.sum(cm.clients), func.sum(cm.clients_key))
            .where(cm.mrc_id.in_(self.scope.ids), cm.month >= self.period.first,
                   cm.month <= self.period.last, cm.dim == dim,
                   cm.prev_month < self.period.first)
            .group_by(cm.mrc_id, cm.value, is_new))
        new: Counts = {}
        returning: Counts = {}
        new_keys: Counts = {}
        returning_keys: Counts = {}
        for mrc_id, value, first, total, key in rows:
            if total:
                cell = (int(mrc_id), str(value))
                (new if first else returning)[cell] = int(total)
                (new_keys if first else returning_keys)[cell] = int(key)
        return new, returning, new_keys, returning_keys

    def monthly(self, dims: Sequence[str] = ("destination", "intention"), keys: bool = False,
                ) -> dict[str, dict[tuple[date, str], int]]:
        """Sessions by (month, value) over the scope, for this period and the previous one
        (the trends), per dimension. ``keys``: the same cells' key sums instead."""
        loaded = self._once(("monthly", tuple(dims)), lambda: self._load_monthly(tuple(dims)))
        return loaded[1 if keys else 0]

    def _load_monthly(self, dims: tuple[str, ...]) -> tuple[dict[str, dict[tuple[date, str], int]],
                                                            dict[str, dict[tuple[date, str], int]]]:
        sm = SessionMonth
        rows = db.session.execute(
            select(sm.month, sm.dim, sm.value, func.sum(sm.sessions), func.sum(sm.sessions_key))
            .where(sm.mrc_id.in_(self.scope.ids), sm.month >= self.period.previous().first,
                   sm.month <= self.period.last, sm.dim.in_(dims))
            .group_by(sm.month, sm.dim, sm.value))
        out: dict[str, dict[tuple[date, str], int]] = {d: {} for d in dims}
        keys: dict[str, dict[tuple[date, str], int]] = {d: {} for d in dims}
        for month, dim, value, total, key in rows:
            if total:
                out[str(dim)][(as_date(month), str(value))] = int(total)
                keys[str(dim)][(as_date(month), str(value))] = int(key)
        return out, keys

    def destination_totals(self) -> dict[str, int]:
        """Sessions by intended destination over the period, the whole scope."""
        months = set(self.period.months)
        totals: dict[str, int] = {}
        for (month, code), n in self.monthly()["destination"].items():
            if month in months:
                totals[code] = totals.get(code, 0) + n
        return totals

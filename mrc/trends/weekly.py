"""Weekly counts of sessions per unit, dimension and value: the series the signals score.

Weeks start on Monday. One grouped read per dimension (sessions per MRC, day and value,
deleted sessions left out) is bucketed into weeks here, in Python, so that the same code
serves SQLite and PostgreSQL; MRC series are then summed into their country's and
region's. A session counts in a dimension's denominator when that dimension was answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select

from mrc.aggregates.hierarchy import Org
from mrc.cases.models import CounsellingSession as S
from mrc.extensions import db
from mrc.privacy.cellkey import KEY_MODULUS
from mrc.trends.detect import Counts

DIMENSIONS: dict[str, Any] = {
    "destination": S.destination, "route": S.route, "intention": S.intention,
    "fee_band": S.fee_band,
}
UNIT_KINDS = ("mrc", "country", "region")

# (dimension, MRC id, day, value, sessions, the sum of their record keys)
DayCount = tuple[str, int, date, str, int, int]


@dataclass(frozen=True)
class SeriesKey:
    unit_kind: str  # mrc, country or region
    unit: str  # its code
    dimension: str
    value: str


@dataclass(frozen=True)
class Series:
    """``x[s, t]``: sessions of week ``weeks[t]`` with key ``keys[s]``'s value; ``n[s, t]``:
    the unit's sessions that week that answered the dimension. ``x_key`` and ``n_key``: the
    sums of the same sessions' record keys (modulo ``KEY_MODULUS``), from which the cell key
    method publishes them (docs/disclosure.md)."""

    keys: list[SeriesKey]
    x: Counts
    n: Counts
    weeks: list[date]
    x_key: Counts
    n_key: Counts


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def last_complete_week(today: date) -> date:
    """The Monday of the last week that has ended before ``today``."""
    return monday(today) - timedelta(days=7)


def read(mrc_ids: Sequence[int], first: date, last: date) -> Iterator[DayCount]:
    """Sessions per dimension, MRC, day and value from ``first`` to ``last`` (inclusive)."""
    for name, column in DIMENSIONS.items():
        rows = db.session.execute(
            select(S.mrc_id, S.date, column, func.count(), func.sum(S.record_key))
            .where(S.live(), S.mrc_id.in_(mrc_ids), S.date >= first, S.date <= last,
                   column.is_not(None), column != "")
            .group_by(S.mrc_id, S.date, column))
        for mrc_id, day, value, count, key_sum in rows:
            yield name, int(mrc_id), day, str(value), int(count), int(key_sum) % KEY_MODULUS


def units_of(scope: Org) -> dict[int, list[tuple[str, str]]]:
    """Each MRC's units: itself, its country and its region, as (kind, code)."""
    return {mrc_id: [("mrc", code), ("country", country), ("region", region)]
            for mrc_id, code, _n, country, _cn, region, _rn in scope.mrcs}


def build(rows: Iterable[DayCount], units: Mapping[int, list[tuple[str, str]]],
          first_week: date, weeks: int) -> Series:
    """Bucket day counts into ``weeks`` weeks from the Monday ``first_week`` and roll every
    MRC's counts up into its country and region."""
    # per series and per unit total: (sessions, key sums), each one row per week; a week's
    # key sum stays far below 2**63 (a key is below 2**31), so it is reduced once at the end
    cells: dict[SeriesKey, np.ndarray] = {}
    totals: dict[tuple[str, str, str], np.ndarray] = {}
    start = first_week.toordinal()
    for dimension, mrc_id, day, value, count, key_sum in rows:
        week = (day.toordinal() - start) // 7
        if not 0 <= week < weeks or mrc_id not in units:
            continue
        for kind, code in units[mrc_id]:
            for grid in (cells.setdefault(SeriesKey(kind, code, dimension, value),
                                          np.zeros((2, weeks), np.int64)),
                         totals.setdefault((kind, code, dimension),
                                           np.zeros((2, weeks), np.int64))):
                grid[0, week] += count
                grid[1, week] += key_sum
    keys = sorted(cells, key=lambda k: (UNIT_KINDS.index(k.unit_kind), k.unit, k.dimension,
                                        k.value))
    x = np.array([cells[k] for k in keys], dtype=np.int64).reshape(len(keys), 2, weeks)
    n = np.array([totals[(k.unit_kind, k.unit, k.dimension)] for k in keys],
                 dtype=np.int64).reshape(len(keys), 2, weeks)
    days = [first_week + timedelta(days=7 * t) for t in range(weeks)]
    return Series(keys, x[:, 0], n[:, 0], days, x_key=x[:, 1] % KEY_MODULUS,
                  n_key=n[:, 1] % KEY_MODULUS)


def load(scope: Org, last_week: date, weeks: int) -> Series:
    """The ``weeks`` weeks of series that end with the week starting ``last_week``."""
    first_week = last_week - timedelta(days=7 * (weeks - 1))
    rows = read(scope.ids, first_week, last_week + timedelta(days=6))
    return build(rows, units_of(scope), first_week, weeks)

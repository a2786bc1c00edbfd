"""Rising signals for a scope: which shares of sessions (a destination, a route, an intention,
a fee band) at an MRC, a country or a region rose well above their usual level last week.

:func:`rising` scores every series (:mod:`mrc.trends.detect`) and keeps those that signal
in the week asked for, strongest first. :func:`publish` is what leaves the system: for each
unit and dimension with a signal, the weeks shown (values x weeks, with totals) go through
the dashboard's protection layer: with the cell key method every count is perturbed from
its own sessions' record keys (:func:`mrc.aggregates.services.perturbed`, the same value
in every release), otherwise the weeks are suppressed as one table
(:func:`mrc.aggregates.services.protect`). Only shares computed from published counts are
shown, the signal's own share included; a signal whose own week is not published is
withheld. No count and no weekly total is published at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from mrc.aggregates import services as aggregates
from mrc.aggregates.hierarchy import Org
from mrc.privacy.tables import Table
from mrc.settings import settings
from mrc.trends import detect, weekly
from mrc.trends.weekly import SeriesKey

SHOWN_WEEKS = 13
HISTORY_WEEKS = detect.YEAR + detect.METHOD.guard_weeks + detect.METHOD.baseline_weeks + SHOWN_WEEKS


@dataclass(frozen=True)
class Signal:
    """One rising share in the week starting ``week``. ``history``: the share of each of the
    ``SHOWN_WEEKS`` weeks up to ``week`` (None where suppressed), set by :func:`publish`."""

    key: SeriesKey
    week: date
    share: float
    expected: float
    ratio: float
    z: float
    weeks_running: int
    history: tuple[float | None, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    signals: list[Signal]
    series: weekly.Series
    scores: detect.Scores


def evaluate(scope: Org, week: date, method: detect.Method = detect.METHOD) -> Evaluation:
    """Score every series of ``scope`` up to the week starting ``week`` (a Monday)."""
    series = weekly.load(scope, weekly.monday(week), HISTORY_WEEKS)
    return signals_of(series, detect.score(series.x, series.n, method))


def signals_of(series: weekly.Series, scores: detect.Scores) -> Evaluation:
    """The series that signal in their last week, strongest first."""
    found = []
    for s in np.flatnonzero(scores.fired[:, -1]).tolist():
        n = int(series.n[s, -1])
        found.append(Signal(key=series.keys[s], week=series.weeks[-1],
                            share=int(series.x[s, -1]) / n, expected=float(scores.expected[s, -1]),
                            ratio=float(scores.ratio[s, -1]), z=float(scores.z[s, -1]),
                            weeks_running=int(scores.weeks_running[s, -1])))
    found.sort(key=lambda sig: (-round(sig.z, 6), weekly.UNIT_KINDS.index(sig.key.unit_kind),
                                sig.key.unit, sig.key.dimension, sig.key.value))
    return Evaluation(found, series, scores)


def rising(scope: Org, week: date | None = None, today: date | None = None) -> list[Signal]:
    """The signals of the last complete week (or of ``week``), strongest first."""
    when = week or weekly.last_complete_week(today or date.today())
    return evaluate(scope, when).signals


def _published_weeks(series: weekly.Series, rows: list[int], threshold: int,
                     lineage: str) -> list[list[int | None]]:
    """The weeks shown of one unit and dimension as published: one row per week, the
    values' counts and last the week's total (None where suppressed). With the cell key
    method each count is perturbed from its own sessions' keys, the total too; otherwise
    the weeks go through ``protect`` as one table."""
    cols = slice(-SHOWN_WEEKS, None)
    if aggregates.cell_key_method():
        first = rows[0]
        values = np.vstack([series.x[rows, cols], series.n[first:first + 1, cols]]).T
        keys = np.vstack([series.x_key[rows, cols], series.n_key[first:first + 1, cols]]).T
        published = aggregates.perturbed(values.ravel().tolist(), keys.ravel().tolist(),
                                         threshold)
        width = len(rows) + 1
        return [list(published[i:i + width]) for i in range(0, len(published), width)]
    table = Table.from_2d(series.x[rows, cols].T.tolist())  # weeks x values
    return aggregates.protect(table, threshold, lineage).published_2d()[:-1]


def _protected_shares(series: weekly.Series, rows: list[int], threshold: int,
                      lineage: str) -> dict[int, tuple[float | None, ...]]:
    """Per series row, the share of each week shown where the value and the week's total
    are both published (:func:`_published_weeks`)."""
    published = _published_weeks(series, rows, threshold, lineage)
    shares: dict[int, tuple[float | None, ...]] = {}
    for j, row in enumerate(rows):
        week_shares: list[float | None] = []
        for cells in published:  # the last cell of each week is its total
            value, total = cells[j], cells[-1]
            week_shares.append(None if value is None or not total else value / total)
        shares[row] = tuple(week_shares)
    return shares


def publish(evaluation: Evaluation, threshold: int | None = None) -> list[Signal]:
    """The signals as they may be shown: with their protected history, withheld where the
    week signalled is not published."""
    limit = settings().suppression_threshold if threshold is None else threshold
    series = evaluation.series
    index = {key: s for s, key in enumerate(series.keys)}
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for s, key in enumerate(series.keys):
        groups[(key.unit_kind, key.unit, key.dimension)].append(s)
    histories: dict[int, tuple[float | None, ...]] = {}
    wanted = {(sig.key.unit_kind, sig.key.unit, sig.key.dimension) for sig in evaluation.signals}
    for group in sorted(wanted):
        lineage = f"trends:{':'.join(group)}:{series.weeks[-1].isoformat()}"
        histories.update(_protected_shares(series, groups[group], limit, lineage))
    shown = []
    for sig in evaluation.signals:
        history = histories[index[sig.key]]
        if history[-1] is not None:  # the share shown is the published one
            shown.append(replace(sig, share=history[-1], history=history))
    return shown



def as_dict(signal: Signal) -> dict[str, object]:
    """A published signal as plain data (JSON, alerts): shares and ratios, never counts."""
    key = signal.key
    return {"week": signal.week.isoformat(), "unit_kind": key.unit_kind, "unit": key.unit,
            "dimension": key.dimension, "value": key.value, "share": round(signal.share, 4),
            "usual_share": round(signal.expected, 4), "ratio": round(signal.ratio, 4),
            "weeks_running": signal.weeks_running,
            "history": [None if h is None else round(h, 4) for h in signal.history]}


def from_dict(data: dict[str, object]) -> Signal:
    """A signal back from :func:`as_dict` (a stored notification)."""
    def number(name: str) -> float:
        return float(str(data[name]))

    history = data.get("history") or []
    assert isinstance(history, list)  # noqa: S101
    return Signal(key=SeriesKey(str(data["unit_kind"]), str(data["unit"]),
                                str(data["dimension"]), str(data["value"])),
                  week=date.fromisoformat(str(data["week"])), share=number("share"),
                  expected=number("usual_share"), ratio=number("ratio"), z=0.0,
                  weeks_running=int(number("weeks_running")),
                  history=tuple(None if h is None else float(h) for h in history))

"""Weekly surprise scores of shares, many series at once (pure numpy: no Flask, no database).

A *series* is one unit (an MRC, a country or a region), one dimension (destination, route,
intention, fee band) and one value ("irregular", "land_turkiye"…): ``x[s, t]`` sessions of
week ``t`` with that value, out of ``n[s, t]`` sessions of the unit that week that answered
the dimension. The method (docs/trends.md says why each piece is there):

* **Baseline.** The share over the 12 weeks that end 2 weeks before the week scored (the
  guard band keeps the first weeks of a rise out of its own baseline, as in the CDC's EARS
  C2): ``p0 = (X + 0.5) / (N + 1)``.
* **Seasonality.** Shares already cancel the season's effect on the number of sessions
  (a quiet Ramadan lowers every value's count alike). For a season that changes the mix,
  the same baseline a year earlier is compared with the 5 weeks around the same week a year
  earlier; their ratio (shrunk towards 1 by ``seasonal_prior`` pseudo-sessions and kept
  within 2/3…3/2) scales ``p0``. Without a year of history the factor is 1.
* **Score.** The week's count ``x`` against a negative binomial of mean ``n p`` and
  variance ``phi n p (1 - p) (1 + n / N)``: the binomial variance widened by the baseline's
  own over-dispersion ``phi`` (Pearson chi-square per degree of freedom, at least 1) and by
  the uncertainty of ``p`` estimated from ``N`` sessions. Its upper-tail probability is
  written as a normal quantile ``z``, so small counts are not over-read as a normal
  approximation would.
* **Signal.** ``z >= 3``, at least 5 sessions with the value, a share at least 1.5 times
  the expected one, and a baseline of at least 30 answered sessions. ``weeks_running``
  counts the consecutive signalling weeks up to the week scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

Counts = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]

YEAR = 52


@dataclass(frozen=True)
class Method:
    baseline_weeks: int = 12
    guard_weeks: int = 2
    z: float = 3.0
    min_count: int = 5
    min_ratio: float = 1.5
    min_baseline: int = 30
    seasonal_window: int = 2  # weeks either side of the same week a year earlier
    seasonal_prior: float = 50.0
    seasonal_bounds: tuple[float, float] = (2 / 3, 3 / 2)


METHOD = Method()


@dataclass(frozen=True)
class Scores:
    """Per series and week: the expected share, the observed share's ratio to it, z, and
    whether (and for how many weeks in a row) the series signals."""

    expected: Floats
    ratio: Floats
    z: Floats
    fired: Flags
    weeks_running: Counts


def _window_sums(values: Counts, end_offset: int, width: int) -> Counts:
    """For every week t: the sum of weeks [t - end_offset - width, t - end_offset)."""
    padded = np.concatenate([np.zeros((values.shape[0], 1), np.int64),
                             np.cumsum(values, axis=1)], axis=1)
    t = np.arange(values.shape[1])
    hi = np.clip(t - end_offset, 0, None)
    lo = np.clip(t - end_offset - width, 0, None)
    return np.asarray(padded[:, hi] - padded[:, lo], dtype=np.int64)


def _dispersion(x: Counts, n: Counts, p0: Floats, m: Method) -> Floats:
    """Pearson chi-square per degree of freedom of the baseline weeks against p0 (>= 1)."""
    chi2 = np.zeros(x.shape, np.float64)
    weeks = np.zeros(x.shape, np.float64)
    var = np.maximum(p0 * (1 - p0), 1e-9)
    for k in range(m.baseline_weeks):
        lag = m.guard_weeks + 1 + k
        xs = np.zeros(x.shape, np.float64)
        ns = np.zeros(x.shape, np.float64)
        xs[:, lag:], ns[:, lag:] = x[:, :-lag], n[:, :-lag]
        seen = ns > 0
        chi2 += np.where(seen, (xs - ns * p0) ** 2 / np.maximum(ns * var, 1e-9), 0.0)
        weeks += seen
    return np.asarray(np.maximum(1.0, chi2 / np.maximum(weeks - 1, 1)), dtype=np.float64)


def _seasonal(x: Counts, n: Counts, m: Method) -> Floats:
    """The factor by which the mix of the same weeks a year earlier differed from their own
    baseline (1 where there is no year of history)."""
    span = 2 * m.seasonal_window + 1
    then_x = _window_sums(x, YEAR - m.seasonal_window - 1, span)
    then_n = _window_sums(n, YEAR - m.seasonal_window - 1, span)
    base_x = _window_sums(x, YEAR + m.guard_weeks, m.baseline_weeks)
    base_n = _window_sums(n, YEAR + m.guard_weeks, m.baseline_weeks)
    base = (base_x + 0.5) / (base_n + 1)
    then = (then_x + m.seasonal_prior * base) / (then_n + m.seasonal_prior)
    factor = np.clip(then / base, *m.seasonal_bounds)
    history = np.arange(x.shape[1]) >= YEAR + m.guard_weeks + m.baseline_weeks
    return np.asarray(np.where(history[None, :] & (base_n > 0), factor, 1.0), dtype=np.float64)


def _surprise(x: Counts, mean: Floats, variance: Floats) -> Floats:
    """The upper-tail probability of ``x`` under a negative binomial with this mean and
    variance (Poisson where the variance is not above the mean), as a standard normal
    quantile: 3.0 is as surprising as three standard deviations of a normal."""
    excess = variance - mean
    safe_mean = np.maximum(mean, 1e-12)
    over = excess > 1e-9
    r = np.where(over, safe_mean**2 / np.where(over, excess, 1.0), 1.0)
    tail = np.where(over, stats.nbinom.sf(x - 1, r, r / (r + safe_mean)),
                    stats.poisson.sf(x - 1, safe_mean))
    z = stats.norm.isf(np.clip(tail, 1e-300, 1.0))
    return np.asarray(np.where(mean > 0, z, 0.0), dtype=np.float64)


def _running(fired: Flags) -> Counts:
    run = np.zeros(fired.shape, np.int64)
    for t in range(fired.shape[1]):
        previous = run[:, t - 1] if t else 0
        run[:, t] = np.where(fired[:, t], previous + 1, 0)
    return run


def score(x: Counts, n: Counts, method: Method = METHOD) -> Scores:
    """Scores of every series (rows) and week (columns); ``x <= n`` elementwise."""
    x = np.asarray(x, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    m = method
    base_x = _window_sums(x, m.guard_weeks, m.baseline_weeks)
    base_n = _window_sums(n, m.guard_weeks, m.baseline_weeks)
    p0 = (base_x + 0.5) / (base_n + 1)
    phi = _dispersion(x, n, p0, m)
    p = np.clip(p0 * _seasonal(x, n, m), 1e-6, 1 - 1e-6)
    mean = np.asarray(n * p, dtype=np.float64)
    variance = phi * mean * (1 - p) * (1 + n / np.maximum(base_n, 1))
    z = _surprise(x, mean, variance)
    share = np.where(n > 0, x / np.maximum(n, 1), 0.0)
    ratio = share / p
    fired = ((z >= m.z) & (x >= m.min_count) & (ratio >= m.min_ratio)
             & (base_n >= m.min_baseline))
    return Scores(expected=p, ratio=ratio, z=z, fired=fired, weeks_running=_running(fired))

"""Clustered inference for the impact estimators: an OLS coefficient's estimate, its
cluster-robust (CR1) standard error and a 95 % interval, clustered by MRC.

With fewer than :data:`FEW_CLUSTERS` clusters, t-tests on CR1 errors over-reject badly,
so the interval comes from a *wild cluster bootstrap* with the null imposed (WCR; Cameron,
Gelbach & Miller 2008; MacKinnon & Webb 2017; Roodman et al. 2019's ``boottest``), inverted
by bisection; with more, it is CR1 ± t(G−1). See :mod:`mrc.impact.estimators` for the
whole method.

When no interval clustered by MRC can be had (a single MRC; or so few that the bootstrap
cannot bound one: with two MRCs there are only 36 distinct Webb draws), the interval given
instead is :func:`person_interval`: robust standard errors clustered by *person* only
(each person's baseline and follow-up stay together), ``method = "person_robust"``. It is
valid for the people of these MRCs taken as they are (the MRCs as the whole population,
not as a sample of MRCs), treats people as independent and ignores variation between MRCs:
it is usually narrower than a clustered interval would be, and says nothing about other
MRCs. It is always labelled as such, never passed off as the clustered interval.

Pure functions over numpy arrays and pandas frames (no Flask, no database).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

FloatArray = npt.NDArray[np.float64]

FEW_CLUSTERS = 30
BOOTSTRAP_DRAWS = 999
BOOTSTRAP_SEED = 20_240_601
ALPHA = 0.05
# Half-widths beyond this many standard errors count as unbounded (no interval given).
MAX_INTERVAL_WIDTH = 64.0

Method = Literal["wild_cluster_bootstrap", "cluster_robust", "person_robust", "none"]
WeightKind = Literal["webb", "rademacher"]

_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


@dataclass(frozen=True)
class Interval:
    """A coefficient's estimate, CR1 standard error, 95 % interval (None: unbounded or not
    available), p-value of zero, the number of clusters and how the interval was found."""

    estimate: float
    se: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    clusters: int
    method: Method



def bootstrap_weights(clusters: int, draws: int, kind: WeightKind = "webb",
                      seed: int = BOOTSTRAP_SEED) -> FloatArray:
    """``draws × clusters`` wild bootstrap weights (mean 0, variance 1)."""
    rng = np.random.default_rng(seed)
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(draws, clusters))
    return rng.choice(_WEBB, size=(draws, clusters))


@dataclass
class WildClusterBootstrap:
    """Restricted wild cluster bootstrap for coefficient ``j`` of ``y = Xβ + u``, with every
    per-cluster quantity precomputed so a p-value costs O(draws · clusters · k)."""

    x: FloatArray
    y: FloatArray
    groups: npt.NDArray[np.int64]
    j: int
    weights: FloatArray

    def __post_init__(self) -> None:
        x, y, g = self.x, self.y, self.groups
        n, k = x.shape
        self.n_clusters = int(g.max()) + 1
        self.xtx_inv = np.linalg.inv(x.T @ x)
        self.beta = self.xtx_inv @ (x.T @ y)
        self.r = self.xtx_inv[self.j]
        self.correction = (self.n_clusters / (self.n_clusters - 1)) * ((n - 1) / (n - k))
        self.a_r = self._cluster_sum(x * (x @ self.r)[:, None])  # A_g r, G × k
        self.xy_r = self._cluster_sum(x * y[:, None]) @ self.r  # X_g'y_g · r, G
        # Residuals of the model without column j, of y and of x_j: the restricted
        # residuals for β_j = b0 are u_y - b0 · u_x.
        others = np.delete(x, self.j, axis=1)
        if others.shape[1]:
            projector_inv = np.linalg.inv(others.T @ others)
            u_y = y - others @ (projector_inv @ (others.T @ y))
            u_x = x[:, self.j] - others @ (projector_inv @ (others.T @ x[:, self.j]))
        else:
            u_y, u_x = y.copy(), x[:, self.j].copy()
        self.d_y = self._cluster_sum(x * u_y[:, None])  # G × k
        self.d_x = self._cluster_sum(x * u_x[:, None])
        self.se = self._se(self.beta[None, :], np.ones((1, self.n_clusters)),
                           self.d_y * 0.0)[0]

    def _cluster_sum(self, values: FloatArray) -> FloatArray:
        out = np.zeros((self.n_clusters, values.shape[1]))
        np.add.at(out, self.groups, values)
        return out

    def _se(self, beta: FloatArray, v: FloatArray, d: FloatArray) -> FloatArray:
        """CR1 standard errors of coefficient j for bootstrap samples ``y* = ỹ + v_g ũ_g``
        whose restricted residuals have cluster scores ``d`` (original data: v = 1)."""
        scores = (self.xy_r[None, :] + (v - 1.0) * (d @ self.r)[None, :]
                  - beta @ self.a_r.T)
        variance = self.correction * (scores ** 2).sum(axis=1)
        return np.asarray(np.sqrt(np.maximum(variance, 0.0)))

    def p_value(self, b0: float) -> float:
        """Share of bootstrap |t*| at least the observed |t| for H0: β_j = b0."""
        if self.se <= 0:
            return 1.0 if abs(self.beta[self.j] - b0) < 1e-12 else 0.0
        t_obs = (self.beta[self.j] - b0) / self.se
        d = self.d_y - b0 * self.d_x
        v = self.weights
        beta_star = self.beta[None, :] - (self.xtx_inv @ d.sum(axis=0))[None, :] \
            + (v @ d) @ self.xtx_inv.T
        se_star = self._se(beta_star, v, d)
        with np.errstate(divide="ignore", invalid="ignore"):
            t_star = (beta_star[:, self.j] - b0) / se_star
        t_star = np.where(se_star > 0, t_star, 0.0)
        return float(np.mean(np.abs(t_star) >= abs(t_obs) - 1e-12))

    def interval(self, alpha: float = ALPHA, tolerance: float = 1e-4,
                 max_width: float = MAX_INTERVAL_WIDTH) -> tuple[float, float] | None:
        """Every b0 with p(b0) > alpha, found by bisection on each side of the estimate;
        None when a side is not rejected within ``max_width`` standard errors (too few
        clusters for the bootstrap to bound the interval: with G clusters there are only
        6^G distinct Webb draws)."""
        centre = float(self.beta[self.j])
        step = max(float(self.se), 1e-9)
        bounds = []
        for sign in (-1.0, 1.0):
            inside, width = centre, 2.0
            while self.p_value(centre + sign * width * step) > alpha:
                inside = centre + sign * width * step
                width *= 2
                if width > max_width:
                    return None
            outside = centre + sign * width * step
            while abs(outside - inside) > tolerance * step:
                middle = (inside + outside) / 2
                if self.p_value(middle) > alpha:
                    inside = middle
                else:
                    outside = middle
            bounds.append((inside + outside) / 2)
        return bounds[0], bounds[1]


def person_interval(formula: str, data: pd.DataFrame, term: str, clusters: int) -> Interval:
    """OLS of ``formula`` with CR1 standard errors clustered by the ``person`` column (each
    row its own unit when there is none) and a t(P−1) 95 % interval over the P people: the
    interval *not* clustered by MRC (see the module docstring). ``clusters`` is the number
    of MRCs, recorded as it is. Fewer than two people, or no variation: no interval."""
    units = data["person"] if "person" in data else pd.Series(range(len(data)))
    codes, _ = pd.factorize(units, sort=True)
    groups = np.asarray(codes, dtype=np.int64)
    n_units = int(groups.max()) + 1 if len(groups) else 0
    plain = smf.ols(formula, data=data).fit()
    if n_units < 2 or plain.df_resid <= 0:
        return Interval(float(plain.params[term]), float("nan"), None, None, None,
                        clusters, "none")
    model = smf.ols(formula, data=data).fit(cov_type="cluster", cov_kwds={"groups": groups})
    # The variance, not ``bse``: with no variation it can come out a rounding error below
    # zero, whose square root is a warning (and no interval).
    variance = float(model.cov_params().loc[term, term])
    estimate, se = float(model.params[term]), float(np.sqrt(max(variance, 0.0)))
    if not np.isfinite(se) or se <= 0:
        return Interval(estimate, se, None, None, None, clusters, "none")
    critical = float(stats.t.ppf(1 - ALPHA / 2, n_units - 1))
    p = float(2 * stats.t.sf(abs(estimate / se), n_units - 1))
    return Interval(estimate, se, estimate - critical * se, estimate + critical * se, p,
                    clusters, "person_robust")


def clustered_interval(formula: str, data: pd.DataFrame, term: str, *,
                       draws: int = BOOTSTRAP_DRAWS, weights: WeightKind = "webb",
                       seed: int = BOOTSTRAP_SEED,
                       few_clusters: int = FEW_CLUSTERS) -> Interval:
    """OLS of ``formula`` (statsmodels) on ``data`` with a ``cluster`` column; estimate,
    CR1 standard error and 95 % interval for ``term`` (see the module docstring)."""
    codes, _ = pd.factorize(data["cluster"], sort=True)
    groups = np.asarray(codes, dtype=np.int64)
    n_clusters = int(groups.max()) + 1 if len(groups) else 0
    if n_clusters < 2:
        return person_interval(formula, data, term, n_clusters)
    model = smf.ols(formula, data=data).fit(cov_type="cluster",
                                            cov_kwds={"groups": groups})
    estimate, se = float(model.params[term]), float(model.bse[term])
    if n_clusters >= few_clusters:
        critical = float(stats.t.ppf(1 - ALPHA / 2, n_clusters - 1))
        p = float(2 * stats.t.sf(abs(estimate / se), n_clusters - 1)) if se > 0 else None
        return Interval(estimate, se, estimate - critical * se, estimate + critical * se, p,
                        n_clusters, "cluster_robust")
    x = np.asarray(model.model.exog, dtype=float)
    y = np.asarray(model.model.endog, dtype=float)
    j = list(model.model.exog_names).index(term)
    boot = WildClusterBootstrap(x, y, groups, j,
                                bootstrap_weights(n_clusters, draws, weights, seed))
    if boot.se <= 0:
        return Interval(estimate, se, estimate, estimate, None, n_clusters,
                        "wild_cluster_bootstrap")
    bounds = boot.interval()
    if bounds is None:
        return person_interval(formula, data, term, n_clusters)
    return Interval(estimate, se, bounds[0], bounds[1], boot.p_value(0.0), n_clusters,
                    "wild_cluster_bootstrap")

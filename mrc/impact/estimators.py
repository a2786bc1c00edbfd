"""Impact estimators: before/after changes for clients and differences in differences
against the comparison group, with confidence intervals clustered by MRC.

Pure functions over pandas frames (no Flask, no database). The input is one long frame of
observations, one row per person and wave:

``person``
    any id, unique within ``treated`` (clients and respondents may share numbers)
``cluster``
    the MRC (the sampling and counselling unit: outcomes of one MRC's people move together)
``treated``
    1 for clients, 0 for comparison respondents
``wave``
    0 = baseline, 1, 2… = follow-up waves
``intention``
    ``none``, ``undecided``, ``regular`` or ``irregular`` (missing: not asked)
``awareness``
    risk-awareness score (missing: not asked)
``used_info``
    1/0 whether MRC information was used (clients' follow-ups only; missing otherwise)

**Outcomes** (:data:`OUTCOMES`). ``irregular`` and ``regular`` are 0/1 indicators of the
intended route among people *considering migration* (intention ``regular``, ``irregular``
or ``undecided``); people intending not to migrate have no value, as in the impact study
this system follows ("21 % of those intending to migrate planned an irregular route").
``awareness`` is the score in points; ``used_info`` the share of reached clients who used
MRC information (a level at each follow-up wave: it has no baseline).

**Designs.** For each outcome and follow-up wave ``w``, people are *paired*: only people
with a value at the baseline and at wave ``w`` count, so changes are within persons.

* before/after (clients): mean of ``y_w - y_0``.
* difference in differences: OLS of ``y ~ treated + post + treated:post`` on the paired
  observations of clients and comparison respondents (statsmodels); the estimate is the
  ``treated:post`` coefficient, i.e. the clients' mean change minus the comparison group's.

**Inference.** Standard errors are cluster-robust by MRC (CR1, statsmodels' correction
``G/(G-1) · (N-1)/(N-K)``). With fewer than :data:`FEW_CLUSTERS` clusters (7 MRCs: always
in the reference network), t-tests on CR1 errors over-reject badly, so the 95 % interval
comes from a *wild cluster bootstrap* with the null imposed (WCR; Cameron, Gelbach & Miller
2008; MacKinnon & Webb 2017; Roodman et al. 2019's ``boottest``): residuals of the model
restricted to ``β = β0`` are flipped per cluster with Webb's six-point weights (Rademacher
weights have only ``2^G`` distinct draws), the bootstrap t statistics give the p-value of
``β0``, and the interval is every ``β0`` not rejected at 5 % (test inversion, by
bisection). The bootstrap draws come from a fixed seed: the same data give the same
interval. With :data:`FEW_CLUSTERS` or more clusters the interval is CR1 ± t(G−1).
A single cluster allows no clustered inference: the estimate is given without interval.

**Disclosure.** :func:`apply_threshold` suppresses every estimate resting on fewer than the
threshold people in a group (clients or comparison), and every share level whose numerator
(people with the attribute) is below it (a published zero is a structural value, as in
``mrc.privacy.suppression``; both levels of a group are hidden together, since a published
change and one level would give the other back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats

FloatArray = npt.NDArray[np.float64]

OUTCOMES: tuple[str, ...] = ("irregular", "regular", "awareness", "used_info")
SHARE_OUTCOMES = frozenset({"irregular", "regular", "used_info"})
# Outcomes measured at baseline and follow-up (the others are follow-up levels only).
CHANGE_OUTCOMES: tuple[str, ...] = ("irregular", "regular", "awareness")
CONSIDERING = ("regular", "irregular", "undecided")

FEW_CLUSTERS = 30
BOOTSTRAP_DRAWS = 999
BOOTSTRAP_SEED = 20_240_601
ALPHA = 0.05
# Half-widths beyond this many standard errors count as unbounded (no interval given).
MAX_INTERVAL_WIDTH = 64.0

Design = Literal["before_after", "did", "level"]
Method = Literal["wild_cluster_bootstrap", "cluster_robust", "none"]
WeightKind = Literal["webb", "rademacher"]

_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


@dataclass(frozen=True)
class Estimate:
    """One published line: an outcome at a follow-up wave under one design.

    Shares are proportions (0.08 = 8 %; changes in proportion points, i.e. pp/100);
    awareness in score points. ``n_treated`` / ``n_comparison`` are the *people* behind
    the estimate. Levels are the group means at the baseline and at the wave (for
    ``level`` rows only ``followup``). ``None`` means not available or suppressed.
    """

    outcome: str
    wave: int
    design: Design
    n_treated: int
    n_comparison: int | None
    baseline: float | None
    followup: float | None
    comparison_baseline: float | None
    comparison_followup: float | None
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    clusters: int
    method: Method
    suppressed: bool = False
    # People with the attribute (shares only), for the disclosure rule; never published.
    ones: tuple[int, ...] = ()

    @property
    def is_share(self) -> bool:
        return self.outcome in SHARE_OUTCOMES


@dataclass(frozen=True)
class Interval:
    estimate: float
    se: float
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    clusters: int
    method: Method


# --- outcomes -------------------------------------------------------------------------------

def derive_outcomes(frame: pd.DataFrame) -> pd.DataFrame:
    """The observation frame with one float column per outcome (NaN where undefined)."""
    result = frame.copy()
    intention = result["intention"]
    considering = intention.isin(CONSIDERING)
    result["irregular"] = np.where(considering, (intention == "irregular").astype(float),
                                   np.nan)
    result["regular"] = np.where(considering, (intention == "regular").astype(float), np.nan)
    result["awareness"] = pd.to_numeric(result["awareness"], errors="coerce").astype(float)
    used = pd.to_numeric(result["used_info"], errors="coerce").astype(float)
    result["used_info"] = np.where(result["wave"] > 0, used, np.nan)
    return result


def paired(frame: pd.DataFrame, outcome: str, wave: int) -> pd.DataFrame:
    """People with ``outcome`` at the baseline and at ``wave``: columns person, cluster,
    treated, y0, y1 (one row per person)."""
    columns = ["treated", "person", "cluster", outcome]
    base = frame.loc[(frame["wave"] == 0) & frame[outcome].notna(), columns]
    later = frame.loc[(frame["wave"] == wave) & frame[outcome].notna(),
                      ["treated", "person", outcome]]
    merged = base.merge(later, on=["treated", "person"], suffixes=("_0", "_1"))
    return pd.DataFrame({
        "person": merged["person"].to_numpy(),
        "cluster": merged["cluster"].to_numpy(),
        "treated": merged["treated"].to_numpy().astype(int),
        "y0": merged[f"{outcome}_0"].to_numpy(dtype=float),
        "y1": merged[f"{outcome}_1"].to_numpy(dtype=float),
    })


# --- inference ------------------------------------------------------------------------------

def bootstrap_weights(clusters: int, draws: int, kind: WeightKind = "webb",
                      seed: int = BOOTSTRAP_SEED) -> FloatArray:
    """``draws × clusters`` wild bootstrap weights (mean 0, variance 1)."""
    rng = np.random.default_rng(seed)
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(draws, clusters))
    return rng.choice(_WEBB, size=(draws, clusters))


@dataclass
class _WildBootstrap:
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
        model = smf.ols(formula, data=data).fit()
        return Interval(float(model.params[term]), float("nan"), None, None, None,
                        n_clusters, "none")
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
    boot = _WildBootstrap(x, y, groups, j, bootstrap_weights(n_clusters, draws, weights, seed))
    if boot.se <= 0:
        return Interval(estimate, se, estimate, estimate, None, n_clusters,
                        "wild_cluster_bootstrap")
    bounds = boot.interval()
    if bounds is None:
        return Interval(estimate, se, None, None, boot.p_value(0.0), n_clusters,
                        "wild_cluster_bootstrap")
    return Interval(estimate, se, bounds[0], bounds[1], boot.p_value(0.0), n_clusters,
                    "wild_cluster_bootstrap")


# --- designs --------------------------------------------------------------------------------

def _ones(values: pd.Series) -> int:
    return int((values == 1).sum())


def before_after(pairs: pd.DataFrame, outcome: str, wave: int, **options: object) -> Estimate:
    """Clients' mean change from the baseline to ``wave`` (paired), clustered by MRC."""
    clients = pairs[pairs["treated"] == 1]
    n = len(clients)
    base = Estimate(outcome, wave, "before_after", n, None, None, None, None, None, None,
                    None, None, None, int(clients["cluster"].nunique()), "none")
    if n == 0:
        return base
    data = pd.DataFrame({"d": clients["y1"] - clients["y0"], "cluster": clients["cluster"]})
    interval = clustered_interval("d ~ 1", data, "Intercept", **options)  # type: ignore[arg-type]
    return replace(base, baseline=float(clients["y0"].mean()),
                   followup=float(clients["y1"].mean()), estimate=interval.estimate,
                   ci_low=interval.ci_low, ci_high=interval.ci_high, p_value=interval.p_value,
                   clusters=interval.clusters, method=interval.method,
                   ones=(_ones(clients["y0"]), _ones(clients["y1"])))


def difference_in_differences(pairs: pd.DataFrame, outcome: str, wave: int,
                              **options: object) -> Estimate | None:
    """Clients' change minus the comparison group's (``treated:post`` of
    ``y ~ treated + post + treated:post``), clustered by MRC; None without comparison."""
    clients, comparison = pairs[pairs["treated"] == 1], pairs[pairs["treated"] == 0]
    if comparison.empty or clients.empty:
        return None
    stacked = pd.DataFrame({
        "y": np.concatenate([pairs["y0"].to_numpy(), pairs["y1"].to_numpy()]),
        "treated": np.tile(pairs["treated"].to_numpy(), 2),
        "post": np.repeat([0, 1], len(pairs)),
        "cluster": np.tile(pairs["cluster"].to_numpy(), 2),
    })
    interval = clustered_interval("y ~ treated + post + treated:post", stacked,
                                  "treated:post", **options)  # type: ignore[arg-type]
    return Estimate(
        outcome, wave, "did", len(clients), len(comparison),
        float(clients["y0"].mean()), float(clients["y1"].mean()),
        float(comparison["y0"].mean()), float(comparison["y1"].mean()),
        interval.estimate, interval.ci_low, interval.ci_high, interval.p_value,
        interval.clusters, interval.method,
        ones=(_ones(clients["y0"]), _ones(clients["y1"]), _ones(comparison["y0"]),
              _ones(comparison["y1"])))


def follow_up_level(frame: pd.DataFrame, outcome: str, wave: int,
                    **options: object) -> Estimate:
    """Clients' mean of ``outcome`` at ``wave`` (no baseline: ``used_info``)."""
    rows = frame[(frame["treated"] == 1) & (frame["wave"] == wave) & frame[outcome].notna()]
    n = int(rows["person"].nunique())
    base = Estimate(outcome, wave, "level", n, None, None, None, None, None, None, None,
                    None, None, int(rows["cluster"].nunique()), "none")
    if n == 0:
        return base
    data = pd.DataFrame({"y": rows[outcome].to_numpy(), "cluster": rows["cluster"].to_numpy()})
    interval = clustered_interval("y ~ 1", data, "Intercept", **options)  # type: ignore[arg-type]
    return replace(base, followup=interval.estimate, estimate=interval.estimate,
                   ci_low=interval.ci_low, ci_high=interval.ci_high, p_value=None,
                   clusters=interval.clusters, method=interval.method,
                   ones=(_ones(rows[outcome]),))


def estimate_all(frame: pd.DataFrame, waves: Sequence[int] | None = None,
                 **options: object) -> list[Estimate]:
    """Every estimate for the observations in ``frame`` (see the module docstring): per
    follow-up wave, per outcome, before/after and (with comparison data) DiD, then the
    ``used_info`` levels. Not yet suppressed: see :func:`apply_threshold`."""
    data = derive_outcomes(frame)
    if waves is None:
        waves = sorted(int(w) for w in data["wave"].unique() if w > 0)
    results: list[Estimate] = []
    for wave in waves:
        for outcome in CHANGE_OUTCOMES:
            pairs = paired(data, outcome, wave)
            results.append(before_after(pairs, outcome, wave, **options))
            did = difference_in_differences(pairs, outcome, wave, **options)
            if did is not None:
                results.append(did)
        results.append(follow_up_level(data, "used_info", wave, **options))
    return results


# --- disclosure -----------------------------------------------------------------------------

def _small(count: int, threshold: int) -> bool:
    return 0 < count < threshold


def apply_threshold(estimates: Sequence[Estimate], threshold: int) -> list[Estimate]:
    """Estimates with everything resting on fewer than ``threshold`` people removed (see
    the module docstring); ``suppressed`` marks estimates withheld entirely."""
    result = []
    for e in estimates:
        groups = [e.n_treated] + ([e.n_comparison] if e.n_comparison is not None else [])
        if any(n < threshold for n in groups):
            result.append(replace(e, baseline=None, followup=None, comparison_baseline=None,
                                  comparison_followup=None, estimate=None, ci_low=None,
                                  ci_high=None, p_value=None, suppressed=True))
            continue
        if e.is_share:
            ones = e.ones
            if e.design == "level":
                hidden_clients, hidden_comparison = any(_small(k, threshold) for k in ones), False
            else:
                hidden_clients = any(_small(k, threshold) for k in ones[:2])
                hidden_comparison = any(_small(k, threshold) for k in ones[2:])
            if e.design == "level" and hidden_clients:
                e = replace(e, followup=None, estimate=None, ci_low=None, ci_high=None,
                            suppressed=True)
            else:
                if hidden_clients:
                    e = replace(e, baseline=None, followup=None)
                if hidden_comparison:
                    e = replace(e, comparison_baseline=None, comparison_followup=None)
        result.append(e)
    return result

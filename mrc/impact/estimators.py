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
A single cluster allows no clustered inference, and with very few the bootstrap cannot
bound an interval: then the interval is clustered by person only (``person_robust``, see
:mod:`mrc.impact.inference`), valid for these MRCs' people and labelled as such.
The inference is in :mod:`mrc.impact.inference`.

**Disclosure.** :func:`apply_threshold` suppresses every estimate resting on fewer than the
threshold people in a group (clients or comparison), and every share level whose numerator
(people with the attribute) is below it (a published zero is a structural value, as in
``mrc.privacy.suppression``; both levels of a group are hidden together, since a published
change and one level would give the other back). A change is never published where one of
its parts is not: when a group's levels are hidden, the estimate, its interval and p-value
are hidden with them (the change and the people count would give the hidden numerators
back). :attr:`Estimate.withheld` names what was hidden, so a ``None`` elsewhere means
*undefined* (nothing to compare), not *suppressed*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from mrc.impact.inference import (
    ALPHA,
    BOOTSTRAP_DRAWS,
    BOOTSTRAP_SEED,
    FEW_CLUSTERS,
    MAX_INTERVAL_WIDTH,
    FloatArray,
    Interval,
    Method,
    WeightKind,
    WildClusterBootstrap,
    bootstrap_weights,
    clustered_interval,
)
from mrc.privacy.cellkey import KEY_MODULUS

__all__ = [
    "ALPHA", "BOOTSTRAP_DRAWS", "BOOTSTRAP_SEED", "CHANGE_OUTCOMES", "CONSIDERING",
    "FEW_CLUSTERS", "MAX_INTERVAL_WIDTH", "OUTCOMES", "SHARE_OUTCOMES", "Design",
    "Estimate", "FloatArray", "Interval", "Method", "WeightKind", "WildClusterBootstrap",
    "apply_threshold", "before_after", "bootstrap_weights", "clustered_interval",
    "derive_outcomes", "difference_in_differences", "estimate_all", "follow_up_level",
    "paired",
]

OUTCOMES: tuple[str, ...] = ("irregular", "regular", "awareness", "used_info")
SHARE_OUTCOMES = frozenset({"irregular", "regular", "used_info"})
# Outcomes measured at baseline and follow-up (the others are follow-up levels only).
CHANGE_OUTCOMES: tuple[str, ...] = ("irregular", "regular", "awareness")
CONSIDERING = ("regular", "irregular", "undecided")

Design = Literal["before_after", "did", "level"]

# Its former name, under which the estimator tests build one.
_WildBootstrap = WildClusterBootstrap


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
    # The sums of the record keys of the people behind n_treated and n_comparison (modulo
    # KEY_MODULUS; 0 where the observations carry no keys), from which the cell key method
    # publishes those counts (mrc.impact.services); never published.
    keys: tuple[int, ...] = ()
    # The fields hidden by the disclosure rule (a None there is "suppressed"; a None in
    # any other field is "undefined", e.g. a level row's baseline).
    withheld: frozenset[str] = frozenset()

    @property
    def is_share(self) -> bool:
        return self.outcome in SHARE_OUTCOMES


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
    keyed = "key" in frame.columns
    columns = ["treated", "person", "cluster", *(["key"] if keyed else []), outcome]
    base = frame.loc[(frame["wave"] == 0) & frame[outcome].notna(), columns]
    later = frame.loc[(frame["wave"] == wave) & frame[outcome].notna(),
                      ["treated", "person", outcome]]
    merged = base.merge(later, on=["treated", "person"], suffixes=("_0", "_1"))
    return pd.DataFrame({
        "person": merged["person"].to_numpy(),
        "key": merged["key"].to_numpy(dtype=np.int64) if keyed else 0,
        "cluster": merged["cluster"].to_numpy(),
        "treated": merged["treated"].to_numpy().astype(int),
        "y0": merged[f"{outcome}_0"].to_numpy(dtype=float),
        "y1": merged[f"{outcome}_1"].to_numpy(dtype=float),
    })


# --- designs --------------------------------------------------------------------------------

def _ones(values: pd.Series) -> int:
    return int((values == 1).sum())


def key_sum(people: pd.DataFrame) -> int:
    """The sum of the record keys of the people in ``people`` (one row per person, or
    several: each person counts once), modulo ``KEY_MODULUS``."""
    if "key" not in people.columns or people.empty:
        return 0
    keys = people.drop_duplicates("person")["key"].to_numpy(dtype=np.int64) % KEY_MODULUS
    return int(keys.sum() % KEY_MODULUS)


def before_after(pairs: pd.DataFrame, outcome: str, wave: int, **options: object) -> Estimate:
    """Clients' mean change from the baseline to ``wave`` (paired), clustered by MRC."""
    clients = pairs[pairs["treated"] == 1]
    n = len(clients)
    base = Estimate(outcome, wave, "before_after", n, None, None, None, None, None, None,
                    None, None, None, int(clients["cluster"].nunique()), "none",
                    keys=(key_sum(clients),))
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
        # A person's two rows stay one unit in the interval not clustered by MRC.
        "person": np.tile(np.arange(len(pairs)), 2),
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
              _ones(comparison["y1"])), keys=(key_sum(clients), key_sum(comparison)))


def follow_up_level(frame: pd.DataFrame, outcome: str, wave: int,
                    **options: object) -> Estimate:
    """Clients' mean of ``outcome`` at ``wave`` (no baseline: ``used_info``)."""
    rows = frame[(frame["treated"] == 1) & (frame["wave"] == wave) & frame[outcome].notna()]
    n = int(rows["person"].nunique())
    base = Estimate(outcome, wave, "level", n, None, None, None, None, None, None, None,
                    None, None, int(rows["cluster"].nunique()), "none", keys=(key_sum(rows),))
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


CLIENT_LEVELS = ("baseline", "followup")
COMPARISON_LEVELS = ("comparison_baseline", "comparison_followup")
RESULT_FIELDS = ("estimate", "ci_low", "ci_high", "p_value")
ALL_FIELDS = (*CLIENT_LEVELS, *COMPARISON_LEVELS, *RESULT_FIELDS)


def _withhold(e: Estimate, names: Sequence[str], *, whole: bool = False) -> Estimate:
    """``e`` with the fields ``names`` hidden (and recorded in ``withheld``)."""
    hidden = dict.fromkeys(names)
    return replace(e, **hidden, withheld=e.withheld | frozenset(names),  # type: ignore[arg-type]
                   suppressed=e.suppressed or whole)


def _hidden_levels(e: Estimate, threshold: int) -> list[str]:
    """The level fields of a share estimate whose numerators are too small to publish."""
    if not e.is_share:
        return []
    clients_ones = e.ones if e.design == "level" else e.ones[:2]
    hidden: list[str] = []
    if any(_small(k, threshold) for k in clients_ones):
        hidden += CLIENT_LEVELS
    if e.design != "level" and any(_small(k, threshold) for k in e.ones[2:]):
        hidden += COMPARISON_LEVELS
    return hidden


def apply_threshold(estimates: Sequence[Estimate], threshold: int) -> list[Estimate]:
    """Estimates with everything resting on fewer than ``threshold`` people removed (see
    the module docstring); ``suppressed`` marks estimates withheld entirely. A change
    (with its interval) is hidden whenever one of the levels it is made of is."""
    result = []
    for e in estimates:
        groups = [e.n_treated] + ([e.n_comparison] if e.n_comparison is not None else [])
        if any(n < threshold for n in groups):
            result.append(_withhold(e, ALL_FIELDS, whole=True))
            continue
        hidden = _hidden_levels(e, threshold)
        if hidden:
            # A level row's estimate *is* its follow-up level: nothing is left to publish.
            e = _withhold(e, [*hidden, *RESULT_FIELDS], whole=e.design == "level")
        result.append(e)
    return result

"""The estimators: exact algebra on small data, and correctness by simulation — over many
simulated studies with a planted effect the estimate is unbiased and the 95 % interval
covers the truth about 95 % of the time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from mrc.impact import estimators as E
from tests.impact.simulation import as_observations, simulate_pairs

SETS = 200
DRAWS = 399
EFFECT, TREND = -0.10, -0.03


def naive_interval(pairs: pd.DataFrame) -> tuple[float, float, float]:
    """What an estimator ignoring the clustering would report (for the power check)."""
    stacked = pd.DataFrame({
        "y": np.concatenate([pairs["y0"], pairs["y1"]]),
        "treated": np.tile(pairs["treated"], 2), "post": np.repeat([0, 1], len(pairs))})
    model = smf.ols("y ~ treated + post + treated:post", stacked).fit()
    low, high = model.conf_int().loc["treated:post"]
    return float(model.params["treated:post"]), float(low), float(high)


@pytest.fixture(scope="module")
def simulations() -> list[pd.DataFrame]:
    rng = np.random.default_rng(20240601)
    return [simulate_pairs(rng, effect=EFFECT, trend=TREND) for _ in range(SETS)]


def passes(estimates: list[float], covered: list[bool], truth: float) -> bool:
    """Unbiased within 0.01 (the mean of 200 estimates has a standard error of about
    0.002) and 95 % intervals covering the truth in 90–99 % of the sets."""
    return abs(float(np.mean(estimates)) - truth) < 0.01 and 0.90 <= np.mean(covered) <= 0.99


def test_did_is_unbiased_and_its_interval_covers(simulations) -> None:
    estimates, covered = [], []
    for pairs in simulations:
        result = E.difference_in_differences(pairs, "irregular", 1, draws=DRAWS)
        assert result is not None and result.method == "wild_cluster_bootstrap"
        assert result.clusters == 7
        assert result.ci_low is not None and result.ci_high is not None
        estimates.append(result.estimate)
        covered.append(result.ci_low <= EFFECT <= result.ci_high)
    assert abs(np.mean(estimates) - EFFECT) < 0.01
    assert 0.90 <= np.mean(covered) <= 0.99
    assert passes(estimates, covered, EFFECT)


@pytest.fixture(scope="module")
def before_after(simulations) -> list[E.Estimate]:
    return [E.before_after(pairs, "irregular", 1, draws=DRAWS) for pairs in simulations]


def test_before_after_is_unbiased_for_trend_plus_effect_and_covers(before_after) -> None:
    estimates, covered = [], []
    truth = TREND + EFFECT
    for result in before_after:
        estimates.append(result.estimate)
        covered.append(result.ci_low is not None and result.ci_low <= truth <= result.ci_high)
    assert passes(estimates, covered, truth)


def test_the_check_fails_for_wrong_estimators(simulations, before_after) -> None:
    # A biased estimator (the clients' before/after taken as the effect: it includes the
    # common trend) fails.
    biased = before_after
    assert not passes([e.estimate for e in biased],
                      [e.ci_low is not None and e.ci_low <= EFFECT <= e.ci_high for e in biased],
                      EFFECT)
    # So does an interval that ignores pairing and clustering (iid OLS on the stacked rows:
    # here far too wide).
    naive = [naive_interval(pairs) for pairs in simulations]
    assert not passes([b for b, _, _ in naive], [lo <= EFFECT <= hi for _, lo, hi in naive],
                      EFFECT)


def test_did_is_the_difference_of_mean_changes_with_statsmodels_cr1_errors() -> None:
    pairs = simulate_pairs(np.random.default_rng(3))
    result = E.difference_in_differences(pairs, "irregular", 1, draws=99)
    assert result is not None
    change = pairs.assign(d=pairs["y1"] - pairs["y0"]).groupby("treated")["d"].mean()
    assert result.estimate == pytest.approx(change[1] - change[0], abs=1e-12)
    assert (result.n_treated, result.n_comparison) == (
        int((pairs["treated"] == 1).sum()), int((pairs["treated"] == 0).sum()))
    # The bootstrap's own CR1 standard error agrees with statsmodels'.
    stacked = pd.DataFrame({
        "y": np.concatenate([pairs["y0"], pairs["y1"]]), "treated": np.tile(pairs["treated"], 2),
        "post": np.repeat([0, 1], len(pairs)), "cluster": np.tile(pairs["cluster"], 2)})
    model = smf.ols("y ~ treated + post + treated:post", stacked).fit(
        cov_type="cluster", cov_kwds={"groups": stacked["cluster"]})
    boot = E._WildBootstrap(np.asarray(model.model.exog), np.asarray(model.model.endog),
                            stacked["cluster"].to_numpy(), 3, E.bootstrap_weights(7, 9))
    assert boot.se == pytest.approx(float(model.bse["treated:post"]), rel=1e-9)
    # Same data, same interval (fixed bootstrap seed).
    again = E.difference_in_differences(pairs, "irregular", 1, draws=99)
    assert again == result


def test_many_clusters_use_cluster_robust_t_intervals() -> None:
    pairs = simulate_pairs(np.random.default_rng(4), clusters=40, sizes=((10, 20), (10, 20)))
    result = E.difference_in_differences(pairs, "irregular", 1)
    assert result is not None and result.method == "cluster_robust" and result.clusters == 40
    assert result.ci_low < result.estimate < result.ci_high


def two_sample_se(pairs: pd.DataFrame) -> float:
    """The textbook standard error of a difference of two groups' mean changes, people
    independent: what an interval clustered by person only should come close to."""
    d = pairs["y1"] - pairs["y0"]
    t, c = d[pairs["treated"] == 1], d[pairs["treated"] == 0]
    return float(np.sqrt(t.var(ddof=1) / len(t) + c.var(ddof=1) / len(c)))


def test_too_few_clusters_give_an_interval_not_clustered_by_mrc() -> None:
    rng = np.random.default_rng(5)
    one = simulate_pairs(rng, clusters=1)
    result = E.difference_in_differences(one, "irregular", 1)
    assert result is not None and result.method == "person_robust" and result.clusters == 1
    assert result.ci_low < result.estimate < result.ci_high
    # Clustered by person: a person's baseline and follow-up stay one unit (treating the
    # stacked rows as independent would give another width).
    half_width = (result.ci_high - result.ci_low) / 2
    assert half_width == pytest.approx(1.96 * two_sample_se(one), rel=0.05)
    # Two MRCs: the wild bootstrap cannot bound an interval; the person-level one is given.
    two = simulate_pairs(rng, clusters=2)
    result = E.difference_in_differences(two, "irregular", 1, draws=199)
    assert result is not None and result.method == "person_robust" and result.clusters == 2
    assert result.ci_low is not None and result.ci_low < result.estimate < result.ci_high
    before = E.before_after(two, "irregular", 1, draws=199)
    assert before.method == "person_robust" and before.ci_low is not None


def test_person_interval_covers_the_effect_in_the_mrc_itself() -> None:
    """What the interval not clustered by MRC is valid for: the people of the MRC as it is.
    Over simulated single-MRC studies it covers that MRC's own effect about 95 % of the
    time (and is no interval for the network: the MRC's effect varies around it)."""
    rng = np.random.default_rng(11)
    covered = []
    for _ in range(200):
        effect_g = float(rng.normal(-0.10, 0.05))
        pairs = simulate_pairs(rng, clusters=1, effect=effect_g, heterogeneity=0.0,
                               sizes=((150, 250), (150, 250)))
        p0 = pairs["y0"].mean()  # the clip of the simulation never binds around 0.2
        assert 0.05 < p0 < 0.6
        result = E.difference_in_differences(pairs, "irregular", 1)
        assert result is not None and result.method == "person_robust"
        covered.append(result.ci_low <= effect_g <= result.ci_high)
    assert 0.90 <= np.mean(covered) <= 0.99


def test_outcomes_are_defined_among_people_considering_migration() -> None:
    frame = pd.DataFrame({
        "person": [1, 2, 3, 4, 1], "cluster": 1, "treated": 1, "wave": [0, 0, 0, 0, 1],
        "intention": ["irregular", "regular", "undecided", "none", None],
        "awareness": [3, None, 5, 8, 6], "used_info": [None, None, None, None, 1.0]})
    data = E.derive_outcomes(frame)
    assert data["irregular"].tolist()[:3] == [1.0, 0.0, 0.0]
    assert np.isnan(data["irregular"].iloc[3]) and np.isnan(data["irregular"].iloc[4])
    assert data["regular"].tolist()[:3] == [0.0, 1.0, 0.0]
    assert data["used_info"].tolist()[-1] == 1.0
    pairs = E.paired(data, "awareness", 1)
    assert pairs[["person", "y0", "y1"]].values.tolist() == [[1, 3.0, 6.0]]


def test_estimate_all_from_observations() -> None:
    pairs = simulate_pairs(np.random.default_rng(6))
    results = E.estimate_all(as_observations(pairs), draws=99)
    designs = {(e.outcome, e.design) for e in results}
    assert ("irregular", "did") in designs and ("irregular", "before_after") in designs
    did = next(e for e in results if (e.outcome, e.design) == ("irregular", "did"))
    direct = E.difference_in_differences(pairs, "irregular", 1, draws=99)
    assert direct is not None and did.estimate == pytest.approx(direct.estimate)


def make(design: str = "did", n_treated: int = 50, n_comparison: int | None = 40,
         ones: tuple[int, ...] = (10, 6, 9, 9), outcome: str = "irregular") -> E.Estimate:
    return E.Estimate(outcome, 1, design, n_treated, n_comparison, 0.2, 0.12, 0.22, 0.22,  # type: ignore[arg-type]
                      -0.08, -0.12, -0.04, 0.01, 7, "wild_cluster_bootstrap", ones=ones)


def test_threshold_suppresses_estimates_on_few_people() -> None:
    kept, few_clients, few_comparison = E.apply_threshold(
        [make(), make(n_treated=4), make(n_comparison=3)], 5)
    assert not kept.suppressed and kept.estimate == -0.08 and kept.baseline == 0.2
    for hidden in (few_clients, few_comparison):
        assert hidden.suppressed
        assert (hidden.estimate, hidden.ci_low, hidden.ci_high, hidden.baseline,
                hidden.comparison_followup) == (None, None, None, None, None)


def test_threshold_hides_levels_with_small_numerators() -> None:
    clients_small, comparison_small, zero = E.apply_threshold(
        [make(ones=(10, 3, 9, 9)), make(ones=(10, 6, 9, 2)), make(ones=(10, 0, 9, 9))], 5)
    assert (clients_small.baseline, clients_small.followup) == (None, None)
    assert clients_small.comparison_baseline == 0.22
    assert (comparison_small.comparison_baseline, comparison_small.comparison_followup) \
        == (None, None)
    assert comparison_small.baseline == 0.2
    assert zero.followup == 0.12 and zero.estimate == -0.08  # a zero count is structural
    assert zero.withheld == frozenset()


def test_a_change_is_never_published_without_its_parts() -> None:
    """A change and the people count would give a hidden level's numerator back: when a
    level is suppressed, the change, its interval and its p-value are suppressed too."""
    clients_small, comparison_small = E.apply_threshold(
        [make(ones=(10, 3, 9, 9)), make(ones=(10, 6, 9, 2))], 5)
    for e in (clients_small, comparison_small):
        assert (e.estimate, e.ci_low, e.ci_high, e.p_value) == (None, None, None, None)
        assert {"estimate", "ci_low", "ci_high"} <= e.withheld
        assert not e.suppressed and e.n_treated == 50  # the rest of the row is published
    assert {"baseline", "followup"} <= clients_small.withheld
    assert "comparison_baseline" not in clients_small.withheld
    assert {"comparison_baseline", "comparison_followup"} <= comparison_small.withheld
    before_after = E.apply_threshold([make("before_after", n_comparison=None,
                                           ones=(4, 12))], 5)[0]
    assert before_after.baseline is None and before_after.estimate is None
    level = E.apply_threshold([make("level", n_comparison=None, ones=(2,),
                                    outcome="used_info")], 5)[0]
    assert level.suppressed and level.followup is None
    awareness = E.apply_threshold([make(ones=(), outcome="awareness")], 5)[0]
    assert awareness.baseline == 0.2 and not awareness.suppressed

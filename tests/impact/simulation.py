"""Simulated impact studies with a known (planted) effect, for the estimator tests.

Each data set has ``clusters`` MRCs; in each, clients and comparison respondents are
observed at a baseline and a follow-up. The outcome is binary (intends irregular
migration). Per MRC, a common trend shock hits both groups, and the clients' effect varies
around ``effect`` (so outcomes are correlated within MRCs and clustered inference
matters). The expected difference in differences is ``effect``; the expected clients'
before/after change is ``trend + effect``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_pairs(rng: np.random.Generator, *, effect: float = -0.10, trend: float = -0.03,
                   clusters: int = 7, heterogeneity: float = 0.03,
                   sizes: tuple[tuple[int, int], tuple[int, int]] = ((30, 90), (20, 60)),
                   persistence: float = 0.6) -> pd.DataFrame:
    """Paired observations (person, cluster, treated, y0, y1) of one simulated study."""
    frames = []
    person = 0
    for g in range(clusters):
        trend_g = rng.normal(trend, 0.03)
        effect_g = rng.normal(effect, heterogeneity)
        for treated, (low, high) in ((1, sizes[0]), (0, sizes[1])):
            n = int(rng.integers(low, high))
            p0 = float(np.clip(0.21 + rng.normal(0, 0.03), 0.05, 0.9))
            p1 = float(np.clip(p0 + trend_g + (effect_g if treated else 0.0), 0.01, 0.99))
            u0 = rng.random(n)
            u1 = np.where(rng.random(n) < persistence, u0, rng.random(n))
            frames.append(pd.DataFrame({
                "person": np.arange(person, person + n), "cluster": g, "treated": treated,
                "y0": (u0 < p0).astype(float), "y1": (u1 < p1).astype(float)}))
            person += n
    return pd.concat(frames, ignore_index=True)


def as_observations(pairs: pd.DataFrame) -> pd.DataFrame:
    """The long observation frame of ``estimators`` for paired binary outcomes."""
    rows = []
    for wave, column in ((0, "y0"), (1, "y1")):
        rows.append(pd.DataFrame({
            "person": pairs["person"], "cluster": pairs["cluster"], "treated": pairs["treated"],
            "wave": wave,
            "intention": np.where(pairs[column] == 1, "irregular", "regular"),
            "awareness": np.nan, "used_info": np.nan}))
    return pd.concat(rows, ignore_index=True)

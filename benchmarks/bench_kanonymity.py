"""Benchmark of panel anonymisation: pseudonyms and k-anonymity on synthetic panels.

``python -m benchmarks.bench_kanonymity [--persons 30000 300000] [--waves 3] [--k 5]``
prints a Markdown section: wall time of each step (best of ``--repeat`` runs) and the
peak memory traced by tracemalloc during a separate run (NumPy and pandas buffers are
traced; the input frame itself is not counted).

The synthetic panel looks like the reference network's: 7 MRCs in 5 countries, about 30
provinces per country with a skewed (Zipf-like) distribution and some clients from
another country's provinces, ages 16-65 skewed young, a few nationalities per site,
five migrant statuses, six education levels, three waves (by default every person has
all three: the 900k-row worst case of the export budget; ``--attrition`` drops a share of
follow-up rows), and a few outcome columns, 11 columns in all. Each size is run with
equal weights and with age weighted 3 (the ``weights`` knob: a heavier variable is
generalised later).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from mrc.privacy.kanonymity import AgeBands, anonymise, province_hierarchy
from mrc.privacy.pseudonyms import new_study_key, pseudonyms

SITES = {  # MRC → (country, share of clients)
    "AF-KBL": ("AF", 0.16), "PK-ISB": ("PK", 0.18), "PK-LHE": ("PK", 0.17),
    "BD-DAC": ("BD", 0.2), "IQ-BGW": ("IQ", 0.1), "IQ-EBL": ("IQ", 0.07),
    "TJ-DYU": ("TJ", 0.12),
}
COUNTRIES = ["AF", "PK", "BD", "IQ", "TJ"]
PROVINCES_PER_COUNTRY = 30
STATUSES = ["prospective", "returnee", "family_of_migrant", "current_migrant", "displaced"]
STATUS_P = [0.55, 0.2, 0.12, 0.08, 0.05]
EDUCATION = ["none", "primary", "lower_secondary", "secondary", "tertiary", "vocational"]
EDUCATION_P = [0.12, 0.18, 0.2, 0.28, 0.14, 0.08]
INTENTIONS = ["none", "undecided", "regular", "irregular"]
REFERENCE_YEAR = 2025
QUASI_IDENTIFIERS = ["sex", "birth_year", "province", "nationality", "migrant_status",
                     "education", "site"]


def synthetic_panel(persons: int, waves: int = 3, seed: int = 1,
                    attrition: float = 0.0) -> pd.DataFrame:
    """A long-format panel (person × wave) with baseline covariates repeated per wave."""
    rng = np.random.default_rng(seed)
    site_names = np.array(list(SITES))
    shares = np.array([share for _, share in SITES.values()])
    site = rng.choice(len(site_names), persons, p=shares / shares.sum())
    site_country = np.array([COUNTRIES.index(SITES[s][0]) for s in site_names])[site]
    # 92% live in the site's country; the rest in a neighbour's provinces.
    home = np.where(rng.random(persons) < 0.92, site_country,
                    rng.integers(0, len(COUNTRIES), persons))
    zipf = 1 / np.arange(1, PROVINCES_PER_COUNTRY + 1) ** 0.9
    province_index = rng.choice(PROVINCES_PER_COUNTRY, persons, p=zipf / zipf.sum())
    province = np.char.add(np.char.add(np.array(COUNTRIES)[home], "-"),
                           np.char.zfill((province_index + 1).astype(str), 2))
    nationality = np.where(rng.random(persons) < 0.95, np.array(COUNTRIES)[home],
                           rng.choice(["SY", "IR", "MM", "IN", "UZ"], persons))
    age = np.clip(16 + rng.gamma(2.2, 7.5, persons).astype(int), 16, 65)
    base = pd.DataFrame({
        "person_id": np.arange(1, persons + 1) * 7919 % 10_000_019,
        "sex": rng.choice(["female", "male"], persons, p=[0.38, 0.62]),
        "birth_year": REFERENCE_YEAR - age,
        "province": province,
        "nationality": nationality,
        "migrant_status": rng.choice(STATUSES, persons, p=STATUS_P),
        "education": rng.choice(EDUCATION, persons, p=EDUCATION_P),
        "site": site_names[site],
    })
    rows = base.loc[base.index.repeat(waves)].reset_index(drop=True)
    rows["wave"] = np.tile(np.arange(waves), persons)
    # Attrition: a share of follow-up rows is missing (never reached).
    reached = (rows["wave"] == 0) | (rng.random(len(rows)) >= attrition)
    rows = rows.loc[reached].reset_index(drop=True)
    n = len(rows)
    rows["months_since_baseline"] = rows["wave"] * 3 + rng.integers(0, 2, n)
    rows["intention"] = rng.choice(INTENTIONS, n, p=[0.3, 0.25, 0.35, 0.1])
    rows["awareness"] = rng.integers(0, 9, n)
    return rows


def _best_time(func: Callable[[], Any], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def _peak_mib(func: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def run(persons_list: list[int], waves: int, k: int, repeat: int, attrition: float) -> str:
    lines = [
        "## k-anonymity and pseudonyms",
        "",
        f"Synthetic panels (7 sites in 5 countries, {PROVINCES_PER_COUNTRY} provinces per "
        f"country, ages 16-65, {waves} waves, {attrition:.0%} attrition, 11 columns); k = {k}, "
        f"{len(QUASI_IDENTIFIERS)} quasi-identifiers (age from birth year 5 → 10 years → *, "
        "province → country → *, others kept or *), at most 5% of persons locally suppressed. "
        f"Times are the best of {repeat}; peak memory from tracemalloc in a separate run.",
        "",
        "| persons | rows | weights | pseudonyms (s) | anonymise (s) | peak memory (MiB) | "
        "k reached | recoding | persons suppressed | cells blanked | lattice nodes "
        "evaluated | information loss |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    hierarchies = {"birth_year": AgeBands(REFERENCE_YEAR), "province": province_hierarchy()}
    for persons in persons_list:
        frame = synthetic_panel(persons, waves, attrition=attrition)
        key = new_study_key()
        ids = frame["person_id"].to_numpy()
        pseudo_time = _best_time(lambda: pseudonyms(key, ids), repeat)  # noqa: B023
        frame["person_id"] = pseudonyms(key, ids)
        for label, weights in (("equal", {}), ("age 3", {"birth_year": 3.0})):

            def work(frame: pd.DataFrame = frame, weights: dict[str, float] = weights) -> Any:
                return anonymise(frame, QUASI_IDENTIFIERS, hierarchies, k=k, weights=weights)

            anon_time = _best_time(work, repeat)
            peak = _peak_mib(work)
            report = work().report
            recoding = ", ".join(r.describe() for r in report.recodings if r.generalised)
            lines.append(
                f"| {persons:,} | {len(frame):,} | {label} | {pseudo_time:.2f} | "
                f"{anon_time:.2f} | {peak:.0f} | {report.k_reached} | {recoding or 'none'} | "
                f"{report.persons_suppressed} | {report.cells_blanked} | "
                f"{report.lattice_nodes_evaluated}/{report.lattice_nodes} | "
                f"{report.information_loss:.3f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--persons", type=int, nargs="+", default=[30_000, 300_000])
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--attrition", type=float, default=0.0)
    args = parser.parse_args(argv)
    print(run(args.persons, args.waves, args.k, args.repeat, args.attrition))


if __name__ == "__main__":
    main()

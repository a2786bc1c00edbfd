"""The migration context of the demo's sessions (route considered, fee quoted, source of
information), and the one trend the demo plants so that the signals have something to find.

The draws come from their own random stream (spawned from the demo's), so adding them left
every other demo value of a seed as it was.

Planted trend (:data:`PLANT`): from ``start_weeks_ago`` weeks before the demo's today, at
one MRC, a growing share of the sessions that answered the route question name the planted
route instead of the one drawn: 1/6 of ``share`` in the first week of the rise, the whole
``share`` from the sixth week on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mrc.cases import vocab
from mrc.demo.sampling import (
    BoolArray,
    IntArray,
    ObjectArray,
    objects,
    pick_rows,
    probability_table,
)

# Share of sessions that were asked the context questions, by intention; each asked
# question is still left unanswered now and then.
ASKED = {"none": 0.15, "undecided": 0.55, "regular": 0.65, "irregular": 0.75}
UNANSWERED = 0.08

# Routes considered, by country and by whether the intention is irregular.
ROUTES: dict[str, dict[bool, dict[str, float]]] = {
    "AF": {False: {"air_direct": 0.45, "air_gulf": 0.30, "land_iran": 0.15,
                   "land_turkiye": 0.05, "other": 0.05},
           True: {"land_iran": 0.50, "land_turkiye": 0.30, "air_gulf": 0.08,
                  "sea_mediterranean": 0.07, "other": 0.05}},
    "PK": {False: {"air_direct": 0.70, "air_gulf": 0.22, "other": 0.08},
           True: {"land_iran": 0.45, "air_gulf": 0.25, "sea_mediterranean": 0.20,
                  "other": 0.10}},
    "BD": {False: {"air_direct": 0.72, "air_gulf": 0.20, "other": 0.08},
           True: {"air_gulf": 0.40, "sea_mediterranean": 0.45, "other": 0.15}},
    "IQ": {False: {"air_direct": 0.75, "air_gulf": 0.10, "land_turkiye": 0.10, "other": 0.05},
           True: {"land_turkiye": 0.70, "sea_mediterranean": 0.20, "other": 0.10}},
    "TJ": {False: {"air_direct": 0.85, "other": 0.15},
           True: {"air_direct": 0.50, "other": 0.50}},
}
FEES: dict[bool, dict[str, float]] = {
    False: {"none": 0.40, "under_1000": 0.25, "1000_2999": 0.22, "3000_4999": 0.09,
            "5000_9999": 0.03, "10000_plus": 0.01},
    True: {"none": 0.05, "under_1000": 0.08, "1000_2999": 0.20, "3000_4999": 0.30,
           "5000_9999": 0.27, "10000_plus": 0.10},
}
SOURCES: dict[bool, dict[str, float]] = {
    False: {"relative_abroad": 0.35, "broker": 0.15, "social_media": 0.22, "mrc": 0.20,
            "other": 0.08},
    True: {"relative_abroad": 0.30, "broker": 0.35, "social_media": 0.28, "mrc": 0.02,
           "other": 0.05},
}


@dataclass(frozen=True)
class Plant:
    mrc: str
    route: str
    start_weeks_ago: int
    ramp_weeks: int
    share: float


PLANT = Plant(mrc="AF-KBL", route="land_turkiye", start_weeks_ago=10, ramp_weeks=6, share=0.45)

ROUTE_CODES = objects(tuple(vocab.ROUTE))
FEE_CODES = objects(tuple(vocab.FEE_BAND))
SOURCE_CODES = objects(tuple(vocab.INFO_SOURCE))


def plant_start(today: int) -> int:
    """The day (ordinal) the planted rise starts: a Monday, ``start_weeks_ago`` weeks back."""
    monday = today - (today - 1) % 7  # date.fromordinal(1) is a Monday
    return monday - 7 * PLANT.start_weeks_ago


def _answered(rng: np.random.Generator, draws: ObjectArray, asked: BoolArray) -> list[Any]:
    keep = asked & (rng.random(len(draws)) >= UNANSWERED)
    return [code if k else None for code, k in zip(draws.tolist(), keep.tolist(), strict=True)]


def draw_context(rng: np.random.Generator, country: ObjectArray, mrc_code: ObjectArray,
                 intention: ObjectArray, ordinals: IntArray, today: int) -> dict[str, list[Any]]:
    """route, fee_band, info_source and context_version of each session."""
    n = len(intention)
    if n == 0:
        return {name: [] for name in (*vocab.CONTEXT_FIELDS, "context_version")}
    rate = np.zeros(n)
    for code, share in ASKED.items():
        rate[intention == code] = share
    asked = rng.random(n) < rate
    irregular = (intention == "irregular").astype(np.int64)
    countries, inverse = np.unique(country.astype(str), return_inverse=True)
    route_probs = probability_table(ROUTE_CODES.tolist(), [
        ROUTES.get(c, ROUTES["PK"])[flag] for c in countries.tolist() for flag in (False, True)])
    route = ROUTE_CODES[pick_rows(rng, route_probs[inverse * 2 + irregular])]
    weeks_in = (ordinals - plant_start(today)) // 7
    switch = rng.random(n) < PLANT.share * np.clip((weeks_in + 1) / PLANT.ramp_weeks, 0, 1)
    route = np.where((mrc_code == PLANT.mrc) & (weeks_in >= 0) & switch, PLANT.route, route)
    fees = probability_table(FEE_CODES.tolist(), [FEES[False], FEES[True]])
    sources = probability_table(SOURCE_CODES.tolist(), [SOURCES[False], SOURCES[True]])
    out = {
        "route": _answered(rng, objects(route.tolist()), asked),
        "fee_band": _answered(rng, FEE_CODES[pick_rows(rng, fees[irregular])], asked),
        "info_source": _answered(rng, SOURCE_CODES[pick_rows(rng, sources[irregular])], asked),
    }
    any_answer = [any(v) for v in zip(*out.values(), strict=True)]
    out["context_version"] = [vocab.CONTEXT_VERSION if a else None for a in any_answer]
    return out

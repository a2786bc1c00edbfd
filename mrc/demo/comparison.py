"""A synthetic comparison group for the demo: people who never visited an MRC, surveyed at
a baseline and at the clients' follow-up offsets, deterministic for a seed.

Pure generation (numpy; no Flask, no database), like :mod:`mrc.demo.generator`, whose
profiles it shares: respondents look like clients (same MRCs, sex, age, province and
migrant status distributions, same baseline intentions and knowledge), but their
intentions drift only a little between waves (:data:`INTENTION_AFTER`) and their awareness
barely grows, while clients' irregular intentions fall from about 21 % to about 8 % of those
considering migration. The difference is the *planted effect* the impact estimates should
find (about −12 percentage points for irregular intentions).

The draws come from their own random stream (``seed`` mixed with a constant), so adding a
comparison group leaves the clients of the same seed unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from mrc.cases import awareness
from mrc.demo import profiles as P
from mrc.demo.network import DemoMrc, Network
from mrc.demo.sampling import (
    AwarenessDraws,
    DayTable,
    objects,
    pick,
    pick_rows,
    probability_table,
    timestamps,
    with_none,
)
from mrc.demo.tables import Table

RESPONDENT_COLUMNS = ("id", "mrc_id", "external_id", "sex", "birth_year", "province",
                      "migrant_status", "created_at")
RESPONSE_COLUMNS = ("id", "respondent_id", "mrc_id", "wave", "survey_date", "intention",
                    "location_status", "awareness_version", "awareness_answers",
                    "awareness_score", "external_id", "created_at")
STREAM = 0xC0C0  # mixed with the seed: the comparison group's own random stream

# Intention at a follow-up wave given the baseline intention: a small secular drift only.
INTENTION_AFTER: dict[str, dict[str, float]] = {
    "none": {"none": 0.85, "undecided": 0.06, "regular": 0.07, "irregular": 0.02},
    "undecided": {"none": 0.15, "undecided": 0.45, "regular": 0.28, "irregular": 0.12},
    "regular": {"none": 0.08, "undecided": 0.06, "regular": 0.80, "irregular": 0.06},
    "irregular": {"none": 0.08, "undecided": 0.07, "regular": 0.20, "irregular": 0.65},
}
KNOWLEDGE_GAIN = 0.03  # per follow-up wave, from media and word of mouth
SURVEYED_AT_WAVE = 0.78  # share of respondents found again at each follow-up wave
AWARENESS_ASKED = 0.90
LOCATION: dict[str, float] = {"stayed": 0.80, "migrated_regular": 0.10,
                              "migrated_irregular": 0.05, "returned": 0.05}
BASELINE_SPAN_DAYS = 2 * 365


@dataclass(frozen=True)
class ComparisonSpec:
    seed: int
    respondents: int
    today: date
    waves_days: tuple[int, ...]
    mrcs: tuple[DemoMrc, ...]
    first_respondent_id: int = 1
    first_response_id: int = 1


@dataclass
class ComparisonTables:
    respondents: Table
    responses: Table


def generate_comparison(spec: ComparisonSpec) -> ComparisonTables:
    """Respondents and their survey waves (waves whose date is not after ``today``)."""
    rng = np.random.default_rng([spec.seed, STREAM])
    net = Network(spec.mrcs)
    n = spec.respondents
    today = spec.today.toordinal()
    days = DayTable(today - BASELINE_SPAN_DAYS - 1, today + max(spec.waves_days, default=0) + 60)
    aw = AwarenessDraws()

    baseline = np.sort(today - rng.integers(0, BASELINE_SPAN_DAYS + 1, size=n)).astype(np.int64)
    mrc = pick(rng, n, net.weights)
    country = net.mrc_country[mrc]
    countries = net.countries
    sex_codes = objects(tuple(P.SEX["PK"]))
    sex_probs = probability_table(sex_codes.tolist(), [P.SEX[c] for c in countries])
    sex = sex_codes[pick_rows(rng, sex_probs[country])]
    age = np.clip(16 + rng.gamma(2.2, 5.5, size=n), 16, 75).astype(np.int64)
    birth_year = days.year(baseline) - age
    birth_unknown = rng.random(n) < 0.03
    province: np.ndarray = np.empty(n, dtype=object)
    for i in range(len(net.mrcs)):
        where = np.flatnonzero(mrc == i)
        options, probs = net.province_options(i)
        province[where] = options[pick(rng, len(where), probs)]
    status_codes = objects(tuple(P.MIGRANT_STATUS["PK"]))
    status_probs = probability_table(status_codes.tolist(),
                                     [P.MIGRANT_STATUS[c] for c in countries])
    status = status_codes[pick_rows(rng, status_probs[country])]
    knowledge = rng.beta(4, 4, size=n) * 0.85
    intention_codes = objects(tuple(P.BASELINE_INTENTION))
    intentions = intention_codes.tolist()
    base_intention = pick(rng, n, probability_table(intentions, [P.BASELINE_INTENTION])[0])
    after = probability_table(intentions, [INTENTION_AFTER[c] for c in intentions])

    ids = np.arange(spec.first_respondent_id, spec.first_respondent_id + n, dtype=np.int64)
    baseline_days = days.strings(baseline)
    respondents = Table(RESPONDENT_COLUMNS, {
        "id": ids.tolist(),
        "mrc_id": net.ids[mrc].tolist(),
        "external_id": [f"demo-{i}" for i in ids.tolist()],
        "sex": sex.tolist(),
        "birth_year": with_none(birth_year.tolist(), birth_unknown),
        "province": province.tolist(),
        "migrant_status": status.tolist(),
        "created_at": timestamps(rng, baseline_days),
    })

    # Waves: the baseline for everyone, each follow-up for those found again by today.
    offsets = np.array((0, *spec.waves_days), dtype=np.int64)
    n_waves = len(offsets)
    owner = np.repeat(np.arange(n), n_waves)
    wave = np.tile(np.arange(n_waves), n)
    when = baseline[owner] + offsets[wave] + np.where(wave > 0, rng.integers(0, 21, size=len(owner)), 0)
    found = (wave == 0) | (rng.random(len(owner)) < SURVEYED_AT_WAVE)
    keep = found & (when <= today)
    drift = pick_rows(rng, after[base_intention[owner]])
    intention = intention_codes[np.where(wave == 0, base_intention[owner], drift)]
    location_codes = objects(tuple(LOCATION))
    location_probs = probability_table(location_codes.tolist(), [LOCATION])[0]
    location = location_codes[pick(rng, len(owner), location_probs)]
    level = np.minimum(0.97, knowledge[owner] + KNOWLEDGE_GAIN * wave)
    asked = rng.random(len(owner)) < AWARENESS_ASKED
    answers, scores = aw.draw(rng, level, asked)
    stamps = timestamps(rng, days.strings(when))

    kept = np.flatnonzero(keep)
    response_ids = list(range(spec.first_response_id, spec.first_response_id + len(kept)))
    kept_list = kept.tolist()
    responses = Table(RESPONSE_COLUMNS, {
        "id": response_ids,
        "respondent_id": ids[owner[kept]].tolist(),
        "mrc_id": net.ids[mrc[owner[kept]]].tolist(),
        "wave": wave[kept].tolist(),
        "survey_date": days.strings(when[kept]).tolist(),
        "intention": intention[kept].tolist(),
        "location_status": with_none(location[kept].tolist(), wave[kept] == 0),
        "awareness_version": with_none([awareness.CURRENT_VERSION] * len(kept),
                                        ~asked[kept]),
        "awareness_answers": [answers[k] for k in kept_list],
        "awareness_score": [scores[k] for k in kept_list],
        "external_id": [f"demo-{i}" for i in response_ids],
        "created_at": [stamps[k] for k in kept_list],
    })
    return ComparisonTables(respondents, responses)

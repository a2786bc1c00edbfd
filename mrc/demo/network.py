"""The MRC network as the demo generators see it: each MRC's ids and country, and the
per-MRC probability tables (counsellors, session languages, destinations, provinces)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mrc.demo import profiles as P
from mrc.demo.sampling import FloatArray, IntArray, ObjectArray, objects, pick_rows, probabilities


@dataclass(frozen=True)
class DemoMrc:
    """An MRC as the generator needs it: ids, code, country, and its counsellors' user
    ids (the first one does most of the work)."""

    id: int
    code: str
    country: str
    provinces: tuple[str, ...]
    counsellor_ids: tuple[int, ...]


class Network:
    """Per-MRC lookup tables built from the spec and the profiles."""

    def __init__(self, mrcs: Sequence[DemoMrc]) -> None:
        self.mrcs = list(mrcs)
        self.countries = sorted({m.country for m in mrcs})
        self.mrc_country = np.array([self.countries.index(m.country) for m in mrcs])
        self.codes = objects([m.code for m in mrcs])
        self.country_codes = objects(self.countries)
        self.ids = np.array([m.id for m in mrcs], dtype=np.int64)
        self.weights = probabilities(P.MRC_WEIGHTS, [m.code for m in mrcs])
        width = max(len(m.counsellor_ids) for m in mrcs)
        self.counsellors = np.zeros((len(mrcs), width), dtype=np.int64)
        self.counsellor_probs = np.zeros((len(mrcs), width))
        for i, m in enumerate(mrcs):
            staff = len(m.counsellor_ids)
            self.counsellors[i, :staff] = m.counsellor_ids
            self.counsellor_probs[i, 0] = 1.0
            if staff > 1:
                self.counsellor_probs[i, 0] = 0.8
                self.counsellor_probs[i, 1:staff] = 0.2 / (staff - 1)
        self.languages = objects(sorted({lang for t in P.SESSION_LANGUAGES.values() for lang in t}))
        self.language_probs = np.array([
            probabilities(P.SESSION_LANGUAGES.get(m.code, {"en": 1.0}), self.languages.tolist())
            for m in mrcs])
        self.destinations = objects(sorted({d for t in P.DESTINATIONS.values() for d in t}))
        self.destination_probs = np.array([
            probabilities(P.DESTINATIONS.get(c, {"SA": 1.0}), self.destinations.tolist())
            for c in self.countries])

    def counsellor(self, rng: np.random.Generator, mrc_index: IntArray) -> list[Any]:
        """A counsellor's user id for each row's MRC (the first one does most of the work)."""
        k = pick_rows(rng, self.counsellor_probs[mrc_index])
        return list(self.counsellors[mrc_index, k].tolist())

    def province_options(self, i: int) -> tuple[ObjectArray, FloatArray]:
        """The provinces of MRC ``i`` (None last: not recorded) and their probabilities."""
        mrc = self.mrcs[i]
        listed = P.PROVINCE_WEIGHTS.get(mrc.code, {})
        known = [p for p in mrc.provinces if p in listed]
        others = [p for p in mrc.provinces if p not in listed]
        codes: list[str | None] = [*known, *others, None]
        weights = [listed[p] for p in known]
        rest = P.OTHER_PROVINCES_WEIGHT if known else 1.0
        weights += [rest / len(others)] * len(others) if others else []
        scale = (1 - P.PROVINCE_UNKNOWN) / sum(weights) if weights else 0.0
        probs = np.array([w * scale for w in weights] + [P.PROVINCE_UNKNOWN])
        return objects(codes), probs / probs.sum()

"""Vectorised draws shared by the demo generators (clients and comparison group): indexes
drawn with given probabilities, per-segment counters, awareness answers and day strings.

Pure numpy. Each function consumes the random generator in a fixed order, which is what
keeps a demo deterministic for its seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from mrc.cases import awareness
from mrc.demo import profiles as P

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]


def probabilities(table: Mapping[str, float], codes: Sequence[str]) -> FloatArray:
    """The table's weights of ``codes``, normalised to sum to 1."""
    weights = np.array([table.get(c, 0.0) for c in codes], dtype=np.float64)
    total = weights.sum()
    # Codes the table does not know (an MRC outside the reference network) share evenly.
    return weights / total if total > 0 else np.full(len(codes), 1 / len(codes))


def probability_table(codes: Sequence[str], tables: Sequence[Mapping[str, float]]
                      ) -> FloatArray:
    """One row of :func:`probabilities` of ``codes`` per table."""
    return np.array([probabilities(t, codes) for t in tables])


def pick(rng: np.random.Generator, n: int, probs: FloatArray) -> IntArray:
    """n indexes drawn with the given probabilities."""
    return np.asarray(rng.choice(len(probs), size=n, p=probs), dtype=np.int64)


def pick_rows(rng: np.random.Generator, probs: FloatArray) -> IntArray:
    """One index per row of ``probs`` (rows are probability vectors)."""
    cumulative = probs.cumsum(axis=1)
    u = rng.random(len(probs))[:, None] * cumulative[:, -1:]
    return np.asarray(np.minimum((u >= cumulative).sum(axis=1), probs.shape[1] - 1),
                      dtype=np.int64)


def segment_cumsum(values: IntArray, counts: IntArray) -> IntArray:
    """Cumulative sums restarting at each segment (segments given by their lengths)."""
    total = np.concatenate(([0], np.cumsum(values)))
    starts = np.cumsum(counts) - counts
    return np.asarray(total[1:] - np.repeat(total[starts], counts), dtype=np.int64)


def positions(counts: IntArray) -> IntArray:
    """0, 1, … within each segment."""
    starts = np.cumsum(counts) - counts
    return np.asarray(np.arange(int(counts.sum())) - np.repeat(starts, counts), dtype=np.int64)


def objects(values: Sequence[Any]) -> ObjectArray:
    """An object array of ``values`` (numpy would make tuples or None-mixed lists 2-D or
    strings)."""
    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    return array


def with_none(values: list[Any], missing: BoolArray) -> list[Any]:
    """``values`` with None where ``missing``."""
    return [None if m else v for v, m in zip(values, missing.tolist(), strict=True)]


class AwarenessDraws:
    """Every possible answers string of the current questionnaire, indexed by its base-3
    encoding (0 correct, 1 wrong, 2 don't know per question), with its score."""

    def __init__(self) -> None:
        questions = awareness.questions()
        self.n = len(questions)
        combos = 3 ** self.n
        digits = (np.arange(combos)[:, None] // (3 ** np.arange(self.n)[::-1])) % 3
        correct = np.array([q.correct for q in questions])
        wrong = np.where(correct == awareness.TRUE, awareness.FALSE, awareness.TRUE)
        symbols = np.where(digits == 0, correct, np.where(digits == 1, wrong,
                                                          awareness.DONT_KNOW))
        self.answers = objects(["".join(row) for row in symbols.tolist()])
        self.scores = (digits == 0).sum(axis=1).astype(np.int64)
        self.weights = 3 ** np.arange(self.n)[::-1]

    def draw(self, rng: np.random.Generator, p_correct: FloatArray,
             asked: BoolArray) -> tuple[list[Any], list[Any]]:
        """Answers strings and scores (None where not asked) for knowledge levels."""
        u = rng.random((len(p_correct), self.n))
        p = p_correct[:, None]
        state = np.where(u < p, 0, np.where(u < p + P.DONT_KNOW_RATE * (1 - p), 2, 1))
        index = state @ self.weights
        answers = self.answers[index].tolist()
        scores = self.scores[index].tolist()
        return with_none(answers, ~asked), with_none(scores, ~asked)


class DayTable:
    """ISO strings of day ordinals, looked up in bulk."""

    def __init__(self, first: int, last: int) -> None:
        self.first = first
        self.iso = objects([date.fromordinal(o).isoformat() for o in range(first, last + 1)])
        self.years = np.array([date.fromordinal(o).year for o in range(first, last + 1)])

    def strings(self, ordinals: IntArray) -> ObjectArray:
        result: ObjectArray = self.iso[ordinals - self.first]
        return result

    def year(self, ordinals: IntArray) -> IntArray:
        return np.asarray(self.years[ordinals - self.first], dtype=np.int64)


_TIMES = objects([f" {h:02d}:{m:02d}:00" for h in range(8, 17) for m in range(60)])


def timestamps(rng: np.random.Generator, days: ObjectArray) -> list[Any]:
    """'YYYY-MM-DD HH:MM:SS' (UTC) within office hours of each day."""
    times = _TIMES[rng.integers(0, len(_TIMES), size=len(days))]
    return list((days + times).tolist())

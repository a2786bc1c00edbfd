"""Quasi-identifiers encoded per person as integer codes, at every level of their hierarchy.

Anonymity is counted in **persons**, not rows: the quasi-identifiers are baseline
covariates, constant per person. :func:`encode` turns one column of the long-format panel
into a :class:`Variable` (one code per person, and per level a map from values to level
codes); :func:`group_ids` groups equal keys. Missing values are a category of their own.

Guarantee: :func:`encode` refuses a quasi-identifier that is not constant within persons,
a value or label equal to the reserved "*", and a hierarchy whose levels are not each a
coarsening of the one before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from mrc.privacy.kanonymity.hierarchies import SUPPRESSED, SUPPRESSED_LEVEL, Hierarchy

IntArray = npt.NDArray[np.int64]
# Class keys are int64: a product of code ranges must stay below this.
KEY_LIMIT = 2**62


@dataclass
class Variable:
    """One quasi-identifier, encoded per person at every level of its hierarchy."""

    source: str
    output: str
    level_names: tuple[str, ...]  # suppressed level included
    categories: list[list[Any]]  # labels per level (NaN for missing)
    base: IntArray  # person → distinct-value index (missing = last)
    value_to_level: list[IntArray]  # per level: distinct-value index → level code
    step: list[IntArray]  # per level l < top: level-l code → level-(l+1) code
    weight: float

    @property
    def top(self) -> int:
        return len(self.level_names) - 1

    def cards(self, level: int) -> int:
        return len(self.categories[level])

    def person_codes(self, level: int) -> IntArray:
        return self.value_to_level[level][self.base]


def group_ids(key: IntArray) -> tuple[IntArray, IntArray]:
    """Group ids (0..g-1, in order of first appearance) and each group's first row."""
    ids, _ = pd.factorize(key)
    ids = ids.astype(np.int64)
    if ids.size == 0:
        return ids, ids
    before = np.empty_like(ids)
    before[0] = -1
    np.maximum.accumulate(ids[:-1], out=before[1:])
    return ids, np.flatnonzero(ids > before)


def encode(
    df: pd.DataFrame,
    column: str,
    hierarchy: Hierarchy,
    weight: float,
    person_codes: IntArray,
    first_rows: IntArray,
) -> Variable:
    codes, uniques = pd.factorize(df[column], use_na_sentinel=True)
    per_person = codes[first_rows]
    if not np.array_equal(codes, per_person[person_codes]):
        varying = np.unique(person_codes[codes != per_person[person_codes]]).size
        raise ValueError(
            f"quasi-identifier {column!r} is not constant within persons "
            f"({varying} persons have several values)"
        )
    n_values = len(uniques)
    base = np.where(per_person < 0, n_values, per_person).astype(np.int64)
    names = hierarchy.level_names
    labels = hierarchy.labels(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    if len(labels) != len(names):
        raise ValueError(f"hierarchy of {column!r} gives {len(labels)} levels, not {len(names)}")
    categories: list[list[Any]] = []
    value_to_level: list[IntArray] = []
    for level_labels in labels:
        level_labels = np.asarray(level_labels, dtype=object)
        if len(level_labels) != n_values:
            raise ValueError(f"hierarchy of {column!r} does not label every value")
        if np.any(level_labels == SUPPRESSED):
            raise ValueError(f"{column!r} has a value or label {SUPPRESSED!r}, which is reserved")
        with_missing = np.concatenate([level_labels, np.array([None], dtype=object)])
        level_codes, level_uniques = pd.factorize(with_missing, use_na_sentinel=False)
        value_to_level.append(level_codes.astype(np.int64))
        categories.append(list(level_uniques))
    value_to_level.append(np.zeros(n_values + 1, dtype=np.int64))
    categories.append([SUPPRESSED])
    steps: list[IntArray] = []
    for level in range(len(names)):
        finer, coarser = value_to_level[level], value_to_level[level + 1]
        step = np.zeros(len(categories[level]), dtype=np.int64)
        step[finer] = coarser
        if not np.array_equal(step[finer], coarser):
            raise ValueError(
                f"hierarchy of {column!r}: level {level + 1} is not a coarsening of level {level}"
            )
        steps.append(step)
    output = hierarchy.output_column or column
    return Variable(
        column, output, (*names, SUPPRESSED_LEVEL), categories, base, value_to_level, steps,
        weight,
    )

"""Distinct l-diversity of the released classes (optional).

A class is l-diverse when the sensitive variable has at least ``l`` distinct values among
its rows -- in every wave separately when a wave column is given. Missing sensitive values
do not count as a distinct value. Classes that fail get all their cells blanked; if the
all-"*" class then fails ``k`` or ``l``, its persons are dropped.

Guarantee: after :func:`enforce_l_diversity` every class of the persons kept is l-diverse
or is the all-"*" class that passes both ``k`` and ``l``; the caller checks it again.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from mrc.privacy.kanonymity.blanking import Cells
from mrc.privacy.kanonymity.encoding import IntArray, group_ids


def _distinct_per_group(group: IntArray, values: IntArray, n_groups: int) -> IntArray:
    """Number of distinct non-negative values per group id (missing = -1 not counted)."""
    present = values >= 0
    if not present.any():
        return np.zeros(n_groups, dtype=np.int64)
    width = int(values.max()) + 1
    pairs = np.unique(group[present] * width + values[present])
    return np.bincount(pairs // width, minlength=n_groups).astype(np.int64)


def _l_groups(
    df: pd.DataFrame,
    class_of_row: IntArray,
    row_mask: npt.NDArray[np.bool_],
    wave_column: str | None,
) -> tuple[IntArray, IntArray]:
    """Group id per kept row (class, or class × wave) and the class of every group."""
    classes = class_of_row[row_mask]
    if wave_column is None:
        return classes, np.arange(int(classes.max()) + 1 if classes.size else 0)
    waves, _ = pd.factorize(df[wave_column].to_numpy()[row_mask], use_na_sentinel=False)
    group, first = group_ids(classes * (int(waves.max()) + 1 if waves.size else 1) + waves)
    return group, classes[first]


def class_distinct(
    df: pd.DataFrame,
    key: IntArray,
    persons_mask: npt.NDArray[np.bool_],
    person_codes: IntArray,
    sensitive: str,
    wave_column: str | None,
) -> tuple[IntArray, IntArray, IntArray]:
    """For the persons in the mask: class id per person (-1 outside), and the smallest
    number of distinct sensitive values per class (over its rows or its waves)."""
    class_of_person = np.full(len(key), -1, dtype=np.int64)
    ids, _ = group_ids(key[persons_mask])
    class_of_person[persons_mask] = ids
    n_classes = int(ids.max()) + 1 if ids.size else 0
    row_mask = persons_mask[person_codes]
    values, _ = pd.factorize(df[sensitive].to_numpy()[row_mask], use_na_sentinel=True)
    group, class_of_group = _l_groups(df, class_of_person[person_codes], row_mask, wave_column)
    distinct = _distinct_per_group(group, values.astype(np.int64), len(class_of_group))
    per_class = np.full(n_classes, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(per_class, class_of_group, distinct)
    return class_of_person, per_class, ids


def enforce_l_diversity(
    df: pd.DataFrame,
    cells: Cells,
    dropped: npt.NDArray[np.bool_],
    person_codes: IntArray,
    k: int,
    l: int,  # noqa: E741
    sensitive: str,
    wave_column: str | None,
) -> int:
    """Blank every cell of the classes that are not l-diverse, then drop the all-"*" class
    if it fails k or l (only the persons blanked here, if it was fine without them).
    Modifies ``cells`` and ``dropped``; returns the number of persons dropped here."""
    kept = ~dropped
    if not kept.any():
        return 0
    key = cells.keys()
    class_of_person, per_class, _ = class_distinct(df, key, kept, person_codes, sensitive,
                                                    wave_column)
    failing = kept & (per_class[np.maximum(class_of_person, 0)] < l)
    if not failing.any():
        return 0
    star_key = cells.star_key()
    before = kept & ~failing & (key == star_key)
    cells.blank(failing, range(len(cells.codes)))
    in_star = kept & (cells.keys() == star_key)

    def acceptable(mask: npt.NDArray[np.bool_]) -> bool:
        if int(mask.sum()) < k:
            return False
        _, distinct, _ = class_distinct(df, np.zeros(len(mask), np.int64), mask,
                                         person_codes, sensitive, wave_column)
        return bool(distinct.size and distinct[0] >= l)

    if acceptable(in_star):
        return 0
    to_drop = in_star & ~before if acceptable(before) else in_star
    dropped[to_drop] = True
    return int(to_drop.sum())

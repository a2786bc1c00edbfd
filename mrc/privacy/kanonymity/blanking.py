"""Local suppression: blanking quasi-identifier cells of the persons in too-small classes.

After global recoding, the persons still in classes smaller than ``k`` (the *outliers*)
get some of their quasi-identifier cells set to "*" so that they join a class of at least
``k`` persons: the sets of variables tried are the smallest first, the least important
(lowest weight) first. Outliers that cannot reach ``k`` even with every cell blanked are
**dropped** (all their rows). Blanking keeps their outcome data in the panel.

"*" is treated as a value of its own, never as a wildcard: a blanked cell only matches
other blanked cells. That is the conservative reading (a blanked record does not count
towards the classes it could belong to) and the one ``pycanon`` and other checkers use, so
the released frame is k-anonymous by plain equality of its quasi-identifier columns.

Guarantee: every class accepted keeps at least ``k`` persons; classes only ever gain
members.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mrc.privacy.kanonymity.encoding import KEY_LIMIT, IntArray, Variable, group_ids

# Above this many quasi-identifiers eligible for blanking, only blank one or two variables
# at a time before blanking them all (2**n patterns would be too many).
_ALL_PATTERNS_UP_TO = 10


def _patterns(
    eligible: list[int], variables: list[Variable], cards: list[int]
) -> list[tuple[int, ...]]:
    """Sets of variables to blank, in the order they are tried: fewest variables first,
    then least important (lowest weight), then most detailed (most categories)."""
    if len(eligible) <= _ALL_PATTERNS_UP_TO:
        sizes: Iterable[int] = range(1, len(eligible) + 1)
    else:
        sizes = (1, 2)
    subsets = [s for size in sizes for s in itertools.combinations(eligible, size)]
    subsets.sort(key=lambda s: (len(s), sum(variables[q].weight for q in s),
                                -sum(cards[q] for q in s), s))
    everything = tuple(eligible)
    if eligible and subsets[-1] != everything:
        subsets.append(everything)
    return subsets


class _Counter:
    """Persons per class key, for the classes accepted so far."""

    def __init__(self, keys: IntArray) -> None:
        self.keys, counts = np.unique(keys, return_counts=True)
        self.counts = counts.astype(np.int64)

    def lookup(self, keys: IntArray) -> IntArray:
        if self.keys.size == 0:
            return np.zeros(keys.size, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
        return np.where(self.keys[pos] == keys, self.counts[pos], 0)

    def add(self, keys: IntArray, counts: IntArray) -> None:
        merged, inverse = np.unique(np.concatenate([self.keys, keys]), return_inverse=True)
        weights = np.concatenate([self.counts, counts]).astype(float)
        self.counts = np.bincount(inverse.reshape(-1), weights=weights).astype(np.int64)
        self.keys = merged


@dataclass
class Cells:
    """Person-level codes at the chosen node, with one extra "*" code per variable (the
    suppressed level's only code when the variable is suppressed globally), and which
    cells local suppression blanked."""

    codes: list[IntArray]
    star: list[int]
    multipliers: IntArray
    blanked: list[npt.NDArray[np.bool_]]

    @classmethod
    def at(cls, variables: list[Variable], node: tuple[int, ...]) -> Cells:
        pairs = list(zip(variables, node, strict=True))
        codes = [v.person_codes(lv) for v, lv in pairs]
        star = [0 if lv == v.top else v.cards(lv) for v, lv in pairs]
        radices = [v.cards(lv) + (0 if lv == v.top else 1) for v, lv in pairs]
        if math.prod(radices) >= KEY_LIMIT:
            raise ValueError("too many combinations of quasi-identifier values: add hierarchies")
        multipliers = np.array([math.prod(radices[i + 1:]) for i in range(len(radices))],
                               dtype=np.int64)
        persons = len(codes[0])
        return cls(codes, star, multipliers, [np.zeros(persons, dtype=bool) for _ in pairs])

    def keys(self, columns: Sequence[IntArray] | None = None) -> IntArray:
        """Class key (mixed radix, exact) of every person, or of the given code columns."""
        columns = self.codes if columns is None else columns
        key = np.zeros(len(columns[0]), dtype=np.int64)
        for c, m in zip(columns, self.multipliers, strict=True):
            key += c.astype(np.int64) * m
        return key

    def star_key(self) -> int:
        return int(self.keys([np.array([s], dtype=np.int64) for s in self.star])[0])

    def blank(self, persons: IntArray | npt.NDArray[np.bool_], variables: Iterable[int]) -> None:
        for q in variables:
            self.blanked[q][persons] |= self.codes[q][persons] != self.star[q]
            self.codes[q][persons] = self.star[q]


def blank_outliers(
    cells: Cells, variables: list[Variable], node: tuple[int, ...], k: int
) -> npt.NDArray[np.bool_]:
    """Local suppression: blank cells of the persons in classes below k until they join a
    class of k; returns the persons to drop (those that even all-"*" cannot hide).

    A set of variables is applied to all remaining outliers at once, and accepted for
    exactly those whose new class (with the persons already accepted) reaches k; the
    others are left unchanged, so every accepted class keeps at least k persons: classes
    only ever gain members.
    """
    key = cells.keys()
    class_ids, _ = group_ids(key)
    small = np.bincount(class_ids)[class_ids] < k if key.size else np.zeros(0, dtype=bool)
    pending = np.flatnonzero(small)
    counter = _Counter(key[~small])
    eligible = [q for q, (v, lv) in enumerate(zip(variables, node, strict=True)) if lv < v.top]
    cards = [v.cards(lv) for v, lv in zip(variables, node, strict=True)]
    for pattern in _patterns(eligible, variables, cards):
        if pending.size == 0:
            break
        trial = [
            np.full(pending.size, cells.star[q], dtype=np.int64) if q in pattern
            else cells.codes[q][pending]
            for q in range(len(variables))
        ]
        uniques, inverse, counts = np.unique(cells.keys(trial), return_inverse=True,
                                             return_counts=True)
        enough = counts + counter.lookup(uniques) >= k
        accepted = enough[inverse.reshape(-1)]
        if accepted.any():
            cells.blank(pending[accepted], pattern)
            counter.add(uniques[enough], counts[enough].astype(np.int64))
            pending = pending[~accepted]
    dropped = np.zeros(len(key), dtype=bool)
    dropped[pending] = True
    return dropped

"""The cell key method: the same cell gets the same protected count in every output.

Suppression (:mod:`mrc.privacy.suppression`) protects the tables of one request together;
two requests can be differenced. The cell key method (the one census table builders use)
makes the protected value a function of *which records* contribute to a cell, so a cell
asked for twice, by anybody, in any table or format, gets the same answer, and asking again
gains nothing. This module is the pure part of it (no Flask, no database); the design, its
reasoning and its limits are in ``docs/disclosure.md``.

**Record keys.** Every contributing record carries a key drawn once, uniformly, from
``[0, KEY_MODULUS)`` (:func:`new_record_key`), stored with the record and never exported.
A cell's key sum is the sum of its records' keys; sums are additive, so summary tables can
keep them beside the counts and the key of any aggregation of summary rows is the sum of
their key sums, without touching a record. The cell key ``(key sum mod KEY_MODULUS) /
KEY_MODULUS`` is uniform on ``[0, 1)`` and independent of the count.

**Perturbation table.** Row ``n`` is a probability distribution over published values for a
true count ``n``; the cell key picks the value by its cumulative distribution
(:meth:`PerturbationTable.publish`). Every row (see :func:`perturbation_table`):

* is exactly unbiased: its mean is ``n`` (probabilities are exact fractions);
* never publishes a value in ``1 .. threshold - 1``: a true ``0`` stays ``0``; a small
  count ``1 .. threshold - 1`` becomes ``0`` or ``threshold`` (``threshold`` with
  probability ``n / threshold``); a count ``n >= threshold`` moves by at most
  ``max_noise``, staying ``>= threshold``, except that ``n == threshold`` only moves to
  ``threshold + 1`` or, rarely, ``0`` (so that a published ``0`` does not say "fewer than
  ``threshold``");
* lets every count below ``threshold + max_noise`` be published ``0``, rarely (with
  probability ``decay ** n``: one cell of 6 in 730, of 10 in 59,000), so that a published
  ``0`` leaves all of ``0 .. threshold + max_noise - 1`` open. When only counts up to the
  threshold could be ``0``, subtracting a neighbour published ``threshold`` (so at least 1)
  from a total published ``0`` (so at most ``threshold``) left a small cell fewer than
  ``threshold`` candidates: the attack over everything published
  (:mod:`mrc.privacy.attacker.releases`) found such cells on one in five targets;
* favours small moves: weights fall geometrically with the distance to ``n`` (``decay``),
  so the bound ``max_noise`` an attacker may rely on is wide and almost never reached.

What an attacker who knows the table learns from one published value is its *preimage*, the
true counts that can produce it (:meth:`PerturbationTable.preimage`): for every value a
small count can produce, the preimage is an interval at least ``threshold`` wide.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

KEY_MODULUS = 2**31  # record keys fit a signed 32-bit column; key sums a 64-bit one
DEFAULT_MAX_NOISE = 12
DEFAULT_DECAY = Fraction(1, 3)

Row = tuple[tuple[int, Fraction], ...]  # (published value, probability), values ascending


def new_record_key() -> int:
    """A fresh record key, uniform on ``[0, KEY_MODULUS)``, from the system's CSPRNG."""
    return secrets.randbelow(KEY_MODULUS)


def new_record_keys(count: int) -> list[int]:
    """``count`` fresh record keys at once (bulk loads)."""
    raw = secrets.token_bytes(4 * count)
    return [int.from_bytes(raw[i:i + 4], "little") % KEY_MODULUS for i in range(0, 4 * count, 4)]


def cell_key(key_sum: int) -> Fraction:
    """The cell key of a cell whose records' keys add up to ``key_sum``: in ``[0, 1)``."""
    return Fraction(key_sum % KEY_MODULUS, KEY_MODULUS)


def scrambled(key_sum: int, secret: bytes) -> int:
    """The cell key (as an integer in ``[0, KEY_MODULUS)``) of a cell whose records' keys add
    up to ``key_sum``, under the deployment's secret: HMAC-SHA256 of the key sum. Uniform,
    the same for the same records, and unpredictable without the secret even to someone
    holding every record key (a database copy without the secret store). The secret, like
    the record keys, never changes once figures are published."""
    message = (key_sum % KEY_MODULUS).to_bytes(4, "big")
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % KEY_MODULUS  # 2**31 divides 2**64: uniform


def _unbiased(weights: dict[int, Fraction], n: int) -> Row:
    """The distribution proportional to ``weights``, mixed with a point mass at the end of
    its support away from which its mean lies, so that the mean is exactly ``n``."""
    total = sum(weights.values())
    probs = {v: w / total for v, w in weights.items()}
    mean = sum((v * p for v, p in probs.items()), Fraction(0))
    if mean != n:
        end = min(probs) if mean > n else max(probs)
        share = Fraction(mean - n) / (mean - end)  # in (0, 1]: n lies strictly between end and mean
        probs = {v: p * (1 - share) for v, p in probs.items()}
        probs[end] += share
    return tuple((v, p) for v, p in sorted(probs.items()) if p)


@cache
def _row(n: int, threshold: int, max_noise: int, decay: Fraction) -> Row:
    zero, one = Fraction(0), Fraction(1)
    if n == 0:
        return ((0, one),)
    if n < threshold:
        return _unbiased({0: Fraction(threshold - n), threshold: Fraction(n)}, n)
    if n == threshold:
        # Nothing between 0 and threshold can balance an upward move, so moves are rare here
        # and the balance is a rare 0 (which also keeps a published 0 from meaning "< 5").
        return _unbiased({0: zero, threshold: one, threshold + 1: decay / threshold}, n)
    weights = {v: decay ** abs(v - n)
               for v in range(max(threshold, n - max_noise), n + max_noise + 1)}
    row = _unbiased(weights, n)
    if n >= threshold + max_noise:
        return row  # the steady row: pure noise, shifted for every larger count
    # A rare 0 for every count below threshold + max_noise, so that a published 0 leaves
    # that whole range open: ``zero`` at 0 and the rest of a mean-n pair at n + max_noise,
    # mixed in, keep the row unbiased.
    zero = decay ** n
    pair = zero * (n + max_noise) / max_noise  # the pair's share of the row
    mixed = {v: p * (1 - pair) for v, p in row}
    mixed[0] = zero
    mixed[n + max_noise] += pair - zero
    return tuple(sorted(mixed.items()))


@cache
def _cutoffs(n: int, threshold: int, max_noise: int,
             decay: Fraction) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Row ``n`` as its values and, for each, the first key *not* mapped to it or before:
    ``key / KEY_MODULUS < cumulative`` exactly when ``key < ceil(cumulative * KEY_MODULUS)``
    (integers only, so publishing is a binary search)."""
    row = _row(n, threshold, max_noise, decay)
    values = tuple(v for v, _ in row)
    cumulative = Fraction(0)
    cutoffs = []
    for _, probability in row:
        cumulative += probability
        cutoffs.append(math.ceil(cumulative * KEY_MODULUS))
    return values, tuple(cutoffs[:-1])  # the last value takes every key left


@dataclass(frozen=True)
class PerturbationTable:
    """Rows of the perturbation for every true count. ``max_noise`` bounds a move (what an
    attacker may assume); ``decay`` is the ratio of the weights of moves one apart, so moves
    near ``max_noise`` are very rare (with the defaults the noise's standard deviation is
    1.2, and a move of 9 or more happens in about one cell in 13,000). Rows for ``n >= threshold + max_noise`` are one distribution of
    noise, shifted."""

    threshold: int
    max_noise: int
    decay: Fraction = DEFAULT_DECAY

    def __post_init__(self) -> None:
        if self.threshold < 2 or self.max_noise < 1 or not 0 < self.decay < 1:
            raise ValueError("threshold must be at least 2, max_noise at least 1 "
                             "and decay between 0 and 1")

    def row(self, n: int) -> Row:
        """The distribution of the published value for a true count ``n``."""
        if n < 0:
            raise ValueError("a count is never negative")
        steady = self.threshold + self.max_noise
        row = _row(min(n, steady), self.threshold, self.max_noise, self.decay)
        return row if n <= steady else tuple((v + n - steady, p) for v, p in row)

    def publish(self, count: int, key_sum: int) -> int:
        """The protected value of a cell with true ``count`` and records' ``key_sum``: the
        first value of the row whose cumulative probability exceeds the cell key."""
        if count == 0:
            return 0
        if count < 0:
            raise ValueError("a count is never negative")
        steady = self.threshold + self.max_noise
        values, cutoffs = _cutoffs(min(count, steady), self.threshold, self.max_noise,
                                   self.decay)
        value = values[bisect_right(cutoffs, key_sum % KEY_MODULUS)]
        return value if count <= steady else value + count - steady

    def preimage(self, value: int) -> tuple[int, int] | None:
        """The smallest and largest true counts that can be published as ``value``, or
        ``None`` if no count can."""
        return _preimage(self, value)


@cache
def _preimage(table: PerturbationTable, value: int) -> tuple[int, int] | None:
    # A count above the threshold moves by at most max_noise, or to 0 below threshold +
    # max_noise; the small ones publish 0 or the threshold: only these rows can hold ``value``.
    near = range(max(0, value - table.max_noise), value + table.max_noise + 1)
    candidates = [n for n in {*near, *range(table.threshold + table.max_noise)}
                  if any(v == value for v, _ in table.row(n))]
    return (min(candidates), max(candidates)) if candidates else None


@cache
def perturbation_table(threshold: int = 5, max_noise: int = DEFAULT_MAX_NOISE,
                       decay: Fraction = DEFAULT_DECAY) -> PerturbationTable:
    """The perturbation table for a suppression threshold (one per process and setting)."""
    return PerturbationTable(threshold, max_noise, decay)


def perturb(values: Sequence[int], key_sums: Sequence[int], threshold: int,
            secret: bytes = b"") -> list[int]:
    """The protected values of cells given their true counts and key sums (the default
    table for ``threshold``); with a ``secret``, each cell key is :func:`scrambled`."""
    table = perturbation_table(threshold)
    keys = [scrambled(int(k), secret) for k in key_sums] if secret else key_sums
    return [table.publish(int(v), int(k)) for v, k in zip(values, keys, strict=True)]


def with_totals(matrix: Sequence[Sequence[int]]) -> list[list[int]]:
    """A 2-D table with its row totals as a last column and its column totals as a last
    row (counts and key sums alike: both add up)."""
    rows = [[*row, sum(row)] for row in matrix]
    width = len(rows[0]) if rows else 1
    return [*rows, [sum(row[j] for row in rows) for j in range(width)]]

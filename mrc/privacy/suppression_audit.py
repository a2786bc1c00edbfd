"""Audit of a published table with suppressed cells: what can an attacker still work out?

The attacker sees every published (not suppressed) cell, knows every additivity
constraint of the table ("this total is the sum of these cells") and knows that counts are
non-negative. For each suppressed cell ``i`` the values consistent with all that form an
interval ``[lower, upper]``; :mod:`mrc.privacy.attacker` computes it by linear programming
(HiGHS), exactly or certified by witnesses (see there for how).

**Required protection.** A *sensitive* cell is a count ``0 < v < threshold`` (and ``v == 0``
too when zeros are protected, see :mod:`mrc.privacy.suppression`). A table is *safe* when,
for every sensitive cell, ``upper - lower >= protection`` (default: the threshold): the
attacker can neither recompute the count nor narrow it to fewer than ``protection``
consecutive possible values... strictly, to an interval narrower than ``protection``. This
is the "sliding protection range" of tau-ARGUS: it does not say where the interval lies,
only how wide it is, so ``[2, 7]`` is as good as ``[0, 5]``. A sensitive cell that is not
suppressed at all has the interval ``[v, v]`` and always fails.

Guarantee: a cell reported unsafe always carries its exact interval, and a cell reported
safe really is (its interval is one two consistent tables reach, or exact). With
``exact=True`` every suppressed cell gets its exact interval (slower; for tests and for
showing the intervals).

The attacker's model and the LP engine live in :mod:`mrc.privacy.attacker`; their names
(:class:`AttackerModel`, :class:`LinearProgram`, :func:`new_highs`, ...) are re-exported
here for the code that imported them from this module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mrc.privacy.attacker import (
    TOLERANCE,
    AttackerModel,
    FloatArray,
    LinearProgram,
    attacker_intervals,
    constraint_rows,
    new_highs,
)
from mrc.privacy.tables import Table

__all__ = [
    "TOLERANCE",
    "AttackerModel",
    "CellInterval",
    "FloatArray",
    "LinearProgram",
    "UnsafeTableError",
    "assert_safe",
    "attacker_intervals",
    "audit",
    "constraint_rows",
    "is_sensitive",
    "new_highs",
    "unsafe_cells",
]


def is_sensitive(value: int, threshold: int, *, protect_zeros: bool = False) -> bool:
    """The primary-suppression rule: a count below the threshold (zero only if protected)."""
    return value < threshold and (value > 0 or protect_zeros)


@dataclass(frozen=True)
class CellInterval:
    """What an attacker can infer about one cell.

    ``lower``/``upper`` is the feasible interval when ``exact``; otherwise it is an interval
    the attacker provably cannot narrow (two consistent tables reach its ends), so the true
    feasible interval is at least as wide. ``required`` is the width the cell needs
    (0 for cells that are not sensitive).
    """

    index: int
    label: str
    lower: float
    upper: float
    required: int
    exact: bool
    suppressed: bool

    @property
    def width(self) -> float:
        return self.upper - self.lower

    @property
    def safe(self) -> bool:
        return self.width >= self.required - TOLERANCE


class UnsafeTableError(Exception):
    """Raised by :func:`assert_safe`; ``cells`` are the insufficiently protected cells.

    The message names cells and interval widths, never their values.
    """

    def __init__(self, cells: list[CellInterval]) -> None:
        self.cells = cells
        shown = ", ".join(
            f"{c.label} (width {_fmt_width(c.width)} < {c.required})" for c in cells[:10]
        )
        more = f" and {len(cells) - 10} more" if len(cells) > 10 else ""
        super().__init__(f"{len(cells)} sensitive cell(s) insufficiently protected: {shown}{more}")


def _fmt_width(width: float) -> str:
    return "inf" if math.isinf(width) else f"{width:g}"


def audit(
    table: Table,
    suppressed: Sequence[bool],
    threshold: int = 5,
    *,
    protection: int | None = None,
    protect_zeros: bool = False,
    exact: bool = False,
) -> list[CellInterval]:
    """Intervals an attacker can infer, one per suppressed cell and per sensitive cell.

    Returned in cell order. A sensitive cell is safe when its interval is at least
    ``protection`` (default ``threshold``) wide; see the module docstring for the attacker
    model. Cells that fail always carry their exact interval.
    """
    required = threshold if protection is None else protection
    values = np.asarray(table.values, dtype=np.float64)
    mask = np.asarray(suppressed, dtype=bool)
    if mask.shape != values.shape:
        raise ValueError("suppressed mask must have one entry per cell")
    sensitive = np.array(
        [is_sensitive(v, threshold, protect_zeros=protect_zeros) for v in table.values],
        dtype=bool,
    )
    need = np.where(sensitive, float(required), 0.0)
    lower, upper, exact_mask = attacker_intervals(
        values, mask, table.constraints, need, exact=exact
    )
    return [
        CellInterval(
            index=i,
            label=table.label(i),
            lower=float(lower[i]),
            upper=float(upper[i]),
            required=int(need[i]),
            exact=bool(exact_mask[i]),
            suppressed=bool(mask[i]),
        )
        for i in range(len(values))
        if mask[i] or sensitive[i]
    ]


def unsafe_cells(
    table: Table,
    suppressed: Sequence[bool],
    threshold: int = 5,
    *,
    protection: int | None = None,
    protect_zeros: bool = False,
) -> list[CellInterval]:
    """The sensitive cells whose interval is narrower than required (empty: table safe)."""
    return [
        c
        for c in audit(
            table, suppressed, threshold, protection=protection, protect_zeros=protect_zeros
        )
        if not c.safe
    ]


def assert_safe(
    table: Table,
    suppressed: Sequence[bool],
    threshold: int = 5,
    *,
    protection: int | None = None,
    protect_zeros: bool = False,
) -> None:
    """Raise :class:`UnsafeTableError` unless every sensitive cell is protected."""
    bad = unsafe_cells(
        table, suppressed, threshold, protection=protection, protect_zeros=protect_zeros
    )
    if bad:
        raise UnsafeTableError(bad)

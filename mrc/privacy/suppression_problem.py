"""One table to protect, as the arrays every step of the suppression solver works on.

:func:`mrc.privacy.suppression.suppress` builds a :class:`SuppressionProblem` once and passes
it to the greedy pass, the exact MIP, the repair and the cleanup; the pattern being built
(a boolean mask) is the only state passed alongside, so no step can see a different
threshold, cost or set of candidate cells than another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class SuppressionError(Exception):
    """No safe pattern was reached. Not expected: constraints are homogeneous, so with
    every non-zero cell suppressed the attacker can scale all of them by any factor and
    each ranges over ``[0, inf)``; a safe pattern always exists."""


@dataclass(frozen=True, eq=False)
class SuppressionProblem:
    """The cells, constraints and rules of one suppression.

    ``values`` are the counts (as floats, for the LPs); ``sensitive`` the cells primary
    suppression hides; ``movable`` the cells that may be suppressed at all (sensitive or
    non-zero: published zeros are never complementary cells); ``weights`` the cost of
    losing each cell; ``width`` the protection every sensitive cell needs and ``need`` the
    same per cell (0 for cells that are not sensitive).
    """

    values: FloatArray
    constraints: Sequence[tuple[int, Sequence[int]]]
    sensitive: BoolArray
    movable: BoolArray
    weights: FloatArray
    width: float
    need: FloatArray

    @classmethod
    def build(
        cls,
        values: FloatArray,
        constraints: Sequence[tuple[int, Sequence[int]]],
        sensitive: BoolArray,
        weights: FloatArray,
        width: float,
    ) -> SuppressionProblem:
        """The problem with ``movable`` and ``need`` derived from the sensitive cells."""
        return cls(
            values=values,
            constraints=constraints,
            sensitive=sensitive,
            movable=sensitive | (values > 0),
            weights=weights,
            width=width,
            need=np.where(sensitive, width, 0.0),
        )

    @cached_property
    def cells_of(self) -> list[list[int]]:
        """Cells of every constraint, the total first."""
        return [[total, *parts] for total, parts in self.constraints]

    @cached_property
    def cons_of(self) -> list[list[int]]:
        """Constraints each cell is in, in constraint order."""
        cons_of: list[list[int]] = [[] for _ in range(len(self.values))]
        for k, cells in enumerate(self.cells_of):
            for c in cells:
                cons_of[c].append(k)
        return cons_of

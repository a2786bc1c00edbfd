"""The linear-programming engine: HiGHS models kept in memory between solves.

:class:`LinearProgram` wraps one HiGHS model ``min c.x  s.t.  row_lower <= A x <= row_upper``
with column bounds (and optionally integer columns). It is used by the attacker's model
(:mod:`mrc.privacy.attacker.model`) and by the suppression solver (the repair LP and the
exact MIP). Guarantees: every instance is silent (:func:`new_highs` keeps the HiGHS banner
off the process's standard output, where commands print their data) and deterministic
(one thread, fixed random seed: the same table gives the same pattern on any machine).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence

import highspy
import numpy as np
import numpy.typing as npt
from scipy import sparse

FloatArray = npt.NDArray[np.float64]

# Absolute slack on widths: LP solutions are floating point; counts are integers.
TOLERANCE = 1e-6


def constraint_rows(
    constraints: Sequence[tuple[int, Sequence[int]]],
) -> list[tuple[list[int], list[float]]]:
    """Each constraint as a homogeneous row: ``x[total] - sum(x[parts]) == 0``."""
    return [([total, *parts], [1.0] + [-1.0] * len(parts)) for total, parts in constraints]


_DEFINITE = (
    highspy.HighsModelStatus.kOptimal,
    highspy.HighsModelStatus.kUnbounded,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
    highspy.HighsModelStatus.kInfeasible,
)


_banner_lock = threading.Lock()
_banner_done = False


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance.

    HiGHS prints its copyright banner to the process's standard output (file descriptor 1,
    below Python's ``sys.stdout``) when the first instance of a process is built, before
    ``output_flag`` can be set. Commands print their data on stdout, so the first instance
    is built with descriptor 1 pointed at the null device; later instances print nothing.
    """
    global _banner_done
    with _banner_lock:
        if _banner_done:
            return highspy.Highs()
        sys.stdout.flush()
        saved = os.dup(1)
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            highs = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
            _banner_done = True
        return highs


class LinearProgram:
    """A HiGHS LP ``min c.x  s.t.  row_lower <= A x <= row_upper, col bounds``, kept in
    memory so that successive solves with other costs or bounds start from the last basis."""

    def __init__(
        self,
        matrix: sparse.csc_matrix,
        row_lower: FloatArray,
        row_upper: FloatArray,
        col_lower: FloatArray,
        col_upper: FloatArray,
        integrality: Sequence[int] | None = None,
        options: dict[str, float | int | bool | str] | None = None,
    ) -> None:
        n_rows, n_cols = matrix.shape
        self.n_cols = n_cols
        lp = highspy.HighsLp()
        lp.num_col_ = n_cols
        lp.num_row_ = n_rows
        lp.col_cost_ = np.zeros(n_cols)
        lp.col_lower_ = np.asarray(col_lower, dtype=np.float64)
        lp.col_upper_ = np.asarray(col_upper, dtype=np.float64)
        lp.row_lower_ = np.asarray(row_lower, dtype=np.float64)
        lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
        lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
        lp.a_matrix_.value_ = matrix.data.astype(np.float64)
        if integrality is not None:
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
                for flag in integrality
            ]
        self._all = np.arange(n_cols, dtype=np.int32)
        self.highs = new_highs()
        self.highs.setOptionValue("output_flag", False)
        # Deterministic: same table, same pattern, on any machine.
        self.highs.setOptionValue("threads", 1)
        self.highs.setOptionValue("random_seed", 0)
        for key, value in (options or {}).items():
            self.highs.setOptionValue(key, value)
        self.highs.passModel(lp)

    def set_cost(self, cost: FloatArray) -> None:
        self.highs.changeColsCost(self.n_cols, self._all, np.asarray(cost, dtype=np.float64))

    def set_bounds(self, cols: npt.NDArray[np.int32], lower: FloatArray, upper: FloatArray) -> None:
        if len(cols):
            self.highs.changeColsBounds(
                len(cols),
                np.asarray(cols, dtype=np.int32),
                np.asarray(lower, dtype=np.float64),
                np.asarray(upper, dtype=np.float64),
            )

    def solve(self, *, fresh: bool = False) -> tuple[str, FloatArray | None]:
        """("optimal" | "unbounded" | "infeasible" | "feasible" | other, primal values).
        ``fresh``: drop the last basis and presolve again (faster when the cost has changed
        in every column: the attack over all releases solves ten times faster so)."""
        if fresh:
            self.highs.clearSolver()
        self.highs.run()
        status = self.highs.getModelStatus()
        if status not in _DEFINITE:
            # A warm start occasionally ends undecided ("Unknown"): solve from scratch.
            self.highs.clearSolver()
            self.highs.run()
            status = self.highs.getModelStatus()
        values = np.asarray(self.highs.getSolution().col_value, dtype=np.float64)
        if status == highspy.HighsModelStatus.kOptimal:
            return "optimal", values
        if status in (
            highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return "unbounded", None
        if status == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", None
        has_solution = self.highs.getInfo().primal_solution_status == 2  # kSolutionStatusFeasible
        if has_solution and len(values) == self.n_cols:
            return "feasible", values
        return self.highs.modelStatusToString(status), None

"""The exact suppression MIP, for small tables.

A mixed-integer programme (HiGHS) with one binary per candidate cell. For each sensitive
cell ``p`` it holds two attacker "moves" ``y`` (up) and ``z`` (down): changes to the table
that satisfy every constraint, keep it non-negative and touch only suppressed cells, with
``y_p - z_p >= width`` -- exactly the guarantee of :mod:`mrc.privacy.suppression`, since
``x + y`` and ``x + z`` are two tables the attacker cannot tell from the true one ``x``.
Moves are bounded by ``width`` per cell, which loses nothing when the constraint matrix is
a network matrix (1-D, 2-D, and 1-D hierarchical tables: a cheapest move is a sum of
cycles through ``p``); for other structures (hierarchy x categories, 3-D) the pattern is
still safe but may not be minimal. A node limit, not a time limit, bounds the search, so a
table always gets the same pattern.

Guarantee: the pattern returned is the cheapest one when reported optimal; either way it
still goes through the audit before :func:`~mrc.privacy.suppression.suppress` returns it.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from mrc.privacy.attacker import LinearProgram, constraint_rows
from mrc.privacy.suppression_problem import BoolArray, SuppressionProblem

# Branch-and-bound nodes for the MIP: a work limit rather than a time limit, so that the same
# table gives the same pattern on any machine. The best pattern found so far is used.
MIP_MAX_NODES = 2000
MIP_TIME_LIMIT = 30.0  # seconds; a safety net only


def mip_pattern(problem: SuppressionProblem) -> tuple[BoolArray, bool] | None:
    """Minimum-cost pattern with an explicit up and down move per sensitive cell.

    Returns (suppressed mask, proven optimal) or ``None`` if the solver found no pattern.
    """
    mip = _Mip(problem)
    lp = LinearProgram(
        sparse.csc_matrix((mip.data, (mip.r_i, mip.c_i)), shape=(mip.row, mip.n_cols)),
        np.asarray(mip.row_lo),
        np.asarray(mip.row_hi),
        mip.col_lo,
        mip.col_hi,
        integrality=[1] * mip.n_s + [0] * (mip.n_cols - mip.n_s),
        options={"mip_max_nodes": MIP_MAX_NODES, "time_limit": MIP_TIME_LIMIT},
    )
    cost = np.zeros(mip.n_cols)
    cost[: mip.n_s] = problem.weights[mip.choice]
    lp.set_cost(cost)
    status, sol = lp.solve()
    if sol is None or status not in ("optimal", "feasible"):
        return None
    suppressed = problem.sensitive.copy()
    suppressed[mip.choice] = sol[: mip.n_s] > 0.5
    return suppressed, status == "optimal"


class _Mip:
    """The MIP's columns and rows (sparse, in COO lists).

    Columns: one binary per candidate cell (``choice``), then per sensitive cell four
    blocks over the movable cells: up+, up-, down+, down- (a move is ``plus - minus``).
    """

    def __init__(self, problem: SuppressionProblem) -> None:
        values, sensitive, movable = problem.values, problem.sensitive, problem.movable
        self.width = problem.width
        mov = np.flatnonzero(movable)
        self.local = np.full(len(values), -1, dtype=np.int64)
        self.local[mov] = np.arange(len(mov))
        self.k = len(mov)
        self.choice = np.flatnonzero(movable & ~sensitive)  # cells the MIP may add
        self.s_col = np.full(len(values), -1, dtype=np.int64)
        self.s_col[self.choice] = np.arange(len(self.choice))
        self.n_s = len(self.choice)
        big_m = self.width
        self.plus_ub = np.full(self.k, big_m)
        self.minus_ub = np.minimum(values[mov], big_m)
        rows_cells = [
            [(int(self.local[c]), co) for c, co in zip(cells, coefs, strict=True) if movable[c]]
            for cells, coefs in constraint_rows(problem.constraints)
        ]
        self.rows_cells = [r for r in rows_cells if r]

        self.r_i: list[int] = []
        self.c_i: list[int] = []
        self.data: list[float] = []
        self.row_lo: list[float] = []
        self.row_hi: list[float] = []
        self.row = 0
        prim = np.flatnonzero(sensitive)
        self.n_cols = self.n_s + len(prim) * 4 * self.k
        self.col_lo = np.zeros(self.n_cols)
        self.col_hi = np.zeros(self.n_cols)
        self.col_hi[: self.n_s] = 1.0
        for q, p in enumerate(prim):
            self._add_sensitive(self.n_s + q * 4 * self.k, int(self.local[p]))

    def _add_sensitive(self, base: int, j: int) -> None:
        """An up and a down move for the sensitive cell at local index ``j``."""
        k = self.k
        for d in range(2):
            plus = base + 2 * d * k
            minus = plus + k
            self.col_hi[plus : plus + k] = self.plus_ub
            self.col_hi[minus : minus + k] = self.minus_ub
            self._add_move_rows(plus, minus)
            self._add_link_rows(plus, minus)
        up_p, up_m = base + j, base + k + j
        dn_p, dn_m = base + 2 * k + j, base + 3 * k + j
        # (up+ - up-) - (down+ - down-) >= width: the two tables are width apart at p.
        self._add_row([up_p, up_m, dn_p, dn_m], [1.0, -1.0, -1.0, 1.0], self.width, np.inf)

    def _add_move_rows(self, plus: int, minus: int) -> None:
        """The move satisfies every constraint: ``A (plus - minus) == 0``."""
        for cells in self.rows_cells:
            cols: list[int] = []
            coefs: list[float] = []
            for j, co in cells:
                cols += [plus + j, minus + j]
                coefs += [co, -co]
            self._add_row(cols, coefs, 0.0, 0.0)

    def _add_link_rows(self, plus: int, minus: int) -> None:
        """A candidate cell moves only if suppressed: ``move <= bound * binary``."""
        for c in self.choice:
            j = int(self.local[c])
            for col, bound in ((plus + j, self.plus_ub[j]), (minus + j, self.minus_ub[j])):
                self._add_row([col, int(self.s_col[c])], [1.0, -bound], -np.inf, 0.0)

    def _add_row(self, cols: list[int], coefs: list[float], lo: float, hi: float) -> None:
        self.r_i += [self.row] * len(cols)
        self.c_i += cols
        self.data += coefs
        self.row_lo.append(lo)
        self.row_hi.append(hi)
        self.row += 1

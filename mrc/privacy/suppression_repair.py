"""Making a suppression pattern safe, then small again: audit, repair and cleanup.

* :func:`make_safe` audits a pattern (:class:`~mrc.privacy.attacker.AttackerModel`) and,
  while a sensitive cell is too narrow, repairs it: an LP finds the cheapest upward move
  from the true table (cost 0 on cells already suppressed) that widens the interval
  enough, and every cell it touches is suppressed; a move stays valid when more cells are
  suppressed, so one pass protects every such cell; then the audit again.
* :func:`cleanup` tries complementary cells for publication, costliest first, and
  publishes one when the audit (run incrementally) still passes.

Guarantee: :func:`make_safe` returns only once the audit finds every sensitive cell
protected (or raises :class:`~mrc.privacy.suppression_problem.SuppressionError`); the
cleanup never publishes a cell the audit needs. Widths are compared with an absolute
tolerance of 1e-6 (counts are integers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from mrc.privacy.attacker import TOLERANCE, AttackerModel, LinearProgram, constraint_rows
from mrc.privacy.suppression_problem import BoolArray, SuppressionError, SuppressionProblem


@dataclass
class Checked:
    """A pattern the audit passed: its attacker model, and whether it needed a repair."""

    attacker: AttackerModel
    repaired: bool


def make_safe(problem: SuppressionProblem, suppressed: BoolArray) -> Checked:
    """Audit; repair short cells (adding to ``suppressed`` in place) and audit again until
    the pattern is safe."""
    repair: _Repair | None = None
    values, need = problem.values, problem.need
    for _ in range(5):
        attacker = AttackerModel(values, suppressed, problem.constraints, need)
        attacker.certify()
        short = attacker.short()
        if len(short) == 0:
            return Checked(attacker, repair is not None)
        lower, _upper, _exact = attacker.intervals()
        if repair is None:
            repair = _Repair(problem)
        for p in short:
            # lower[p] is exact for a short cell and only falls as cells are added.
            repair.protect(int(p), float(need[p] - (values[p] - lower[p])), suppressed)
    raise SuppressionError("could not reach a safe pattern")  # pragma: no cover


def cleanup(attacker: AttackerModel, problem: SuppressionProblem, suppressed: BoolArray) -> None:
    """Publish again every complementary cell that is not needed, costliest first.

    A cell whose publication would break a necessary condition is kept without solving
    anything (see :func:`_breaks_necessary_condition`). Otherwise
    :meth:`AttackerModel.try_publish` decides, with LPs.
    """
    weights = problem.weights
    candidates = np.flatnonzero(suppressed & ~problem.sensitive).tolist()
    for c in sorted(candidates, key=lambda c: (-weights[c], c)):
        if _breaks_necessary_condition(problem, suppressed, c):
            continue
        if attacker.try_publish(c):
            suppressed[c] = False


def _breaks_necessary_condition(
    problem: SuppressionProblem, suppressed: BoolArray, c: int
) -> bool:
    """Whether publishing ``c`` leaves a sensitive cell alone among the suppressed cells of
    a constraint, or a published total whose suppressed parts (with a sensitive one among
    them) add up to less than the sensitive cell's required width (each part then lies in
    ``[0, sum]``)."""
    values, sensitive, need = problem.values, problem.sensitive, problem.need
    for k in problem.cons_of[c]:
        cells = problem.cells_of[k]
        hidden = [x for x in cells if suppressed[x] and x != c]
        if len(hidden) == 1 and sensitive[hidden[0]]:
            return True
        total = cells[0]
        if total == c or not suppressed[total]:
            parts = [x for x in hidden if x != total]
            sens_need = max((need[x] for x in parts if sensitive[x]), default=0.0)
            if sens_need and sum(values[x] for x in parts) < sens_need - TOLERANCE:
                return True
    return False


class _Repair:
    """LP over the whole table: an attacker move ``y = y_plus - y_minus`` with
    ``A y = 0``, ``x + y >= 0``, zero on published zeros, ``y_p >= target``; cost is the
    weight of each not yet suppressed cell it touches (per unit moved). The cells it
    touches are then suppressed, so ``x + y`` becomes a table the attacker cannot exclude
    and ``upper(p) >= x_p + target``."""

    def __init__(self, problem: SuppressionProblem) -> None:
        values, movable, weights = problem.values, problem.movable, problem.weights
        n = len(values)
        self.n = n
        self.values = values
        self.weights = weights
        self.lp_cost = np.concatenate([weights, weights])
        r_i: list[int] = []
        c_i: list[int] = []
        data: list[float] = []
        for r, (cells, coefs) in enumerate(constraint_rows(problem.constraints)):
            for c, co in zip(cells, coefs, strict=True):
                r_i += [r, r]
                c_i += [c, n + c]
                data += [co, -co]
        m = len(problem.constraints)
        matrix = sparse.csc_matrix((data, (r_i, c_i)), shape=(m, 2 * n))
        self.plus_upper = np.where(movable, np.inf, 0.0)
        self.minus_upper = np.where(movable, values, 0.0)
        self.lp = LinearProgram(
            matrix,
            np.zeros(m),
            np.zeros(m),
            np.zeros(2 * n),
            np.concatenate([self.plus_upper, self.minus_upper]),
        )
        self.cost_set = np.zeros(n, dtype=bool)

    def protect(self, p: int, target: float, suppressed: BoolArray) -> None:
        n = self.n
        cost = self.lp_cost.copy()
        cost[:n][suppressed] = 0.0
        cost[n:][suppressed] = 0.0
        self.lp.set_cost(cost)
        cols = np.array([p, n + p], dtype=np.int32)
        self.lp.set_bounds(cols, np.array([target, 0.0]), np.array([np.inf, 0.0]))
        status, sol = self.lp.solve()
        self.lp.set_bounds(cols, np.zeros(2), np.array([self.plus_upper[p], self.minus_upper[p]]))
        if status != "optimal" or sol is None:
            raise SuppressionError(f"repair LP failed: {status}")  # pragma: no cover
        move = sol[:n] - sol[n:]
        scale = max(1.0, target)
        suppressed |= np.abs(move) > 1e-7 * scale

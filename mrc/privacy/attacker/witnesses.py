"""One connected block of the attacker's LP, with the witnesses found so far.

A *witness* is an LP solution: a table consistent with everything published, which the
attacker therefore cannot rule out. Per cell, the lowest and highest witnessed values bound
its feasible interval from inside; a bound is marked exact only when an LP proved it
(``min``/``max`` of that cell). Guarantee: ``intervals()`` never reports an interval wider
than the true feasible one, so a cell it certifies is protected.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import sparse

from mrc.privacy.attacker.lp import TOLERANCE, FloatArray, LinearProgram

Row = tuple[list[int], list[float], float]


class Component:
    """One connected block of the attacker's LP, with its witnesses."""

    def __init__(
        self,
        cells: npt.NDArray[np.intp],
        values: FloatArray,
        need: FloatArray,
        rows: list[Row],
    ) -> None:
        k = len(cells)
        self.cells = cells
        self.k = k
        self.values = values
        self.need = need
        self.sens = np.flatnonzero(need > 0)
        n_s = len(self.sens)
        self.n_s = n_s
        # Columns: x (k cells), then t (one per sensitive cell), t_p <= x_p: maximising
        # t_p with t_p <= cap_p pushes x_p up without an unbounded objective.
        data: list[float] = []
        r_i: list[int] = []
        c_i: list[int] = []
        rhs: list[float] = []
        for r, (idx, coefs, b) in enumerate(rows):
            r_i += [r] * len(idx)
            c_i += idx
            data += coefs
            rhs.append(b)
        m = len(rows)
        for j, s in enumerate(self.sens):
            r_i += [m + j, m + j]
            c_i += [k + j, int(s)]
            data += [1.0, -1.0]
        matrix = sparse.csc_matrix((data, (r_i, c_i)), shape=(m + n_s, k + n_s))
        self.lp = LinearProgram(
            matrix,
            np.concatenate([np.asarray(rhs), np.full(n_s, -np.inf)]),
            np.concatenate([np.asarray(rhs), np.zeros(n_s)]),
            np.zeros(k + n_s),
            np.concatenate([np.full(k, np.inf), np.zeros(n_s)]),
        )
        self.t_cols = np.arange(k, k + n_s, dtype=np.int32)
        self.t_of = np.full(k, -1, dtype=np.int64)
        self.t_of[self.sens] = np.arange(n_s)
        # Witness tables, one per row; the true table is the first.
        self.points = np.empty((16, k))
        self.alive = np.zeros(16, dtype=bool)
        self.n_points = 0
        self.lo = values.copy()
        self.hi = values.copy()
        self.lo_src = np.zeros(k, dtype=np.int64)
        self.hi_src = np.zeros(k, dtype=np.int64)
        self.exact_lo = np.zeros(k, dtype=bool)
        self.exact_hi = np.zeros(k, dtype=bool)
        self._add(values)

    # -- witnesses ------------------------------------------------------------------

    def _add(self, point: FloatArray) -> None:
        if self.n_points == len(self.points):
            grow = len(self.points)
            self.points = np.vstack([self.points, np.empty((grow, self.k))])
            self.alive = np.concatenate([self.alive, np.zeros(grow, dtype=bool)])
        pid = self.n_points
        self.points[pid] = point
        self.alive[pid] = True
        self.n_points += 1
        lower = point < self.lo
        self.lo[lower] = point[lower]
        self.lo_src[lower] = pid
        self.exact_lo[lower] = False
        higher = point > self.hi
        self.hi[higher] = point[higher]
        self.hi_src[higher] = pid
        self.exact_hi[higher] = False

    def _rescan(self, cols: npt.NDArray[np.intp]) -> None:
        """Recompute bounds of ``cols`` from the live witnesses."""
        if len(cols) == 0:
            return
        live = np.flatnonzero(self.alive[: self.n_points])
        block = self.points[np.ix_(live, cols)]
        self.lo[cols] = block.min(axis=0)
        self.lo_src[cols] = live[block.argmin(axis=0)]
        self.hi[cols] = block.max(axis=0)
        self.hi_src[cols] = live[block.argmax(axis=0)]
        self.exact_lo[cols] = False
        self.exact_hi[cols] = False

    def _short(self, cells: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        return cells[self.hi[cells] - self.lo[cells] < self.need[cells] - TOLERANCE]

    def intervals(self) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        exact_lo = self.exact_lo | (self.lo <= TOLERANCE)  # x >= 0: a bound at 0 is exact
        return np.maximum(self.lo, 0.0), self.hi.copy(), exact_lo & self.exact_hi

    # -- linear programmes ----------------------------------------------------------

    def _run(self, cost: FloatArray) -> str:
        self.lp.set_cost(cost)
        status, point = self.lp.solve()
        if status == "optimal" and point is not None:
            self._add(point[: self.k])
            return status
        if status == "unbounded":
            return status
        # The true table is feasible, so anything else is a solver failure: do not guess.
        raise RuntimeError(f"audit LP failed: {status}")

    def _minimise_sum(self, cells: npt.NDArray[np.intp]) -> None:
        cost = np.zeros(self.k + self.n_s)
        cost[cells] = 1.0
        self._run(cost)

    def _maximise_capped(self, cells: npt.NDArray[np.intp]) -> npt.NDArray[np.bool_]:
        """Push ``cells`` up to ``lo + need`` together; returns which reached the cap."""
        t = self.t_of[cells]
        cap = np.zeros(self.n_s)
        cap[t] = self.lo[cells] + self.need[cells]
        self.lp.set_bounds(self.t_cols, np.zeros(self.n_s), cap)
        cost = np.zeros(self.k + self.n_s)
        cost[self.k + t] = -1.0
        try:
            self._run(cost)
        finally:
            self.lp.set_bounds(self.t_cols, np.zeros(self.n_s), np.zeros(self.n_s))
        # Below the cap, t_p == max x_p: the maximum is exact.
        reached: npt.NDArray[np.bool_] = self.hi[cells] >= cap[t] - TOLERANCE
        return reached

    def _exact_max(self, cell: int) -> None:
        cost = np.zeros(self.k + self.n_s)
        cost[cell] = -1.0
        if self._run(cost) == "unbounded":
            self.hi[cell] = math.inf
            self.hi_src[cell] = -1
        self.exact_hi[cell] = True

    def _exact_min(self, cell: int) -> None:
        cost = np.zeros(self.k + self.n_s)
        cost[cell] = 1.0
        self._run(cost)
        self.exact_lo[cell] = True

    def _settle(self, cell: int) -> bool:
        """Witness or refute one sensitive cell; exact bounds when it is short."""
        if self.hi[cell] - self.lo[cell] >= self.need[cell] - TOLERANCE:
            return True
        if not self._maximise_capped(np.array([cell]))[0]:
            self.exact_hi[cell] = True
        if self.hi[cell] - self.lo[cell] >= self.need[cell] - TOLERANCE:
            return True
        self._exact_min(cell)
        return bool(self.hi[cell] - self.lo[cell] >= self.need[cell] - TOLERANCE)

    def certify(self, *, exact: bool) -> None:
        if exact:
            for cell in range(self.k):
                self._exact_max(cell)
                self._exact_min(cell)
            return
        todo = self._short(self.sens)
        for _ in range(4):
            if len(todo) == 0:
                break
            before = len(todo)
            self._minimise_sum(todo)
            todo = self._short(todo)
            if len(todo):
                self._maximise_capped(todo)
                todo = self._short(todo)
            if len(todo) > 0.75 * before:
                break
        for cell in todo:
            self._settle(int(cell))

    def try_fix(self, j: int) -> bool:
        """Fix local cell ``j`` at its value; keep it fixed only if all stays safe."""
        saved = (
            self.lo.copy(),
            self.hi.copy(),
            self.lo_src.copy(),
            self.hi_src.copy(),
            self.exact_lo.copy(),
            self.exact_hi.copy(),
            self.alive[: self.n_points].copy(),
        )
        start = self.n_points
        value = self.values[j]
        self.lp.set_bounds(np.array([j], dtype=np.int32), np.array([value]), np.array([value]))
        used = self.n_points
        stale = np.abs(self.points[:used, j] - value) > TOLERANCE
        self.alive[:used] &= ~stale
        # Unbounded maxima have no witness (source -1): re-check them too.
        affected = np.flatnonzero(
            (self.lo_src < 0)
            | (self.hi_src < 0)
            | stale[np.maximum(self.lo_src, 0)]
            | stale[np.maximum(self.hi_src, 0)]
        )
        self._rescan(affected)
        ok = all(self._settle(int(c)) for c in self._short(self.sens))
        if ok:
            return True
        # Roll back; witnesses found meanwhile satisfy the fixed cell, so stay valid.
        self.lp.set_bounds(np.array([j], dtype=np.int32), np.zeros(1), np.array([np.inf]))
        lo, hi, lo_src, hi_src, exact_lo, exact_hi, alive = saved
        self.lo, self.hi, self.lo_src, self.hi_src = lo, hi, lo_src, hi_src
        self.exact_lo, self.exact_hi = exact_lo, exact_hi
        self.alive[:start] = alive
        for pid in range(start, self.n_points):
            point = self.points[pid].copy()
            self.n_points = pid  # _add appends at n_points: re-add in place
            self._add(point)
        return False

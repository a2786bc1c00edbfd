"""Audit of a published table with suppressed cells: what can an attacker still work out?

The attacker sees every published (not suppressed) cell, knows every additivity
constraint of the table ("this total is the sum of these cells") and knows that counts are
non-negative. For each suppressed cell ``i`` the values consistent with all that form an
interval ``[lower, upper]`` (the feasible set is a polyhedron, its projection on one cell is
an interval); its ends are two linear programmes, solved here with HiGHS (``highspy``).

**Required protection.** A *sensitive* cell is a count ``0 < v < threshold`` (and ``v == 0``
too when zeros are protected, see :mod:`mrc.privacy.suppression`). A table is *safe* when,
for every sensitive cell, ``upper - lower >= protection`` (default: the threshold): the
attacker can neither recompute the count nor narrow it to fewer than ``protection``
consecutive possible values... strictly, to an interval narrower than ``protection``. This
is the "sliding protection range" of tau-ARGUS: it does not say where the interval lies,
only how wide it is, so ``[2, 7]`` is as good as ``[0, 5]``. A sensitive cell that is not
suppressed at all has the interval ``[v, v]`` and always fails.

**How it is computed.** Published cells are constants, so only suppressed cells are LP
variables, and the constraints split into independent connected components that are
solved separately. Solving two LPs per cell is exact but slow on big tables, so by default
the audit first looks for *witnesses*: every LP solution is a table the attacker cannot
rule out, and if two such tables differ by at least ``protection`` in a cell, that cell
is certified safe without its own LPs. A few joint LPs (push all uncertified sensitive
cells down together, then up together) certify most cells; the rest get their own exact
``min``/``max`` LPs. A cell reported unsafe always has its exact interval. With
``exact=True`` every suppressed cell gets its exact interval (slower; for tests and for
showing the intervals). :class:`AttackerModel` keeps the LPs and witnesses in memory so
that :mod:`mrc.privacy.suppression` can try publishing cells one at a time cheaply.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import highspy
import numpy as np
import numpy.typing as npt
from scipy import sparse

if TYPE_CHECKING:
    from mrc.privacy.suppression import Table

FloatArray = npt.NDArray[np.float64]

# Absolute slack on widths: LP solutions are floating point; counts are integers.
TOLERANCE = 1e-6


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


# --- the linear programmes -------------------------------------------------------------


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

    def solve(self) -> tuple[str, FloatArray | None]:
        """("optimal" | "unbounded" | "infeasible" | "feasible" | other, primal values)."""
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


def attacker_intervals(
    values: FloatArray,
    suppressed: npt.NDArray[np.bool_],
    constraints: Sequence[tuple[int, Sequence[int]]],
    need: FloatArray,
    *,
    exact: bool = False,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Interval bounds per cell (published cells: their value) and which are exact.

    ``need[i]`` is the width cell ``i`` must reach. Cells with ``need > 0`` are either
    certified by witnesses (two consistent tables at least ``need`` apart) or given exact
    bounds; with ``exact`` every suppressed cell gets exact bounds.
    """
    model = AttackerModel(values, suppressed, constraints, need)
    model.certify(exact=exact)
    return model.intervals()


class AttackerModel:
    """The attacker's LPs for one suppression pattern, kept in memory.

    Suppressed cells are variables (``x >= 0``), published cells constants. Constraints
    split into connected components, one HiGHS model each. Every LP solution is kept as a
    *witness* (a table the attacker cannot rule out); per cell the lowest and highest
    witnessed values bound its interval from inside. :meth:`try_publish` tentatively
    publishes a suppressed cell (fixes its variable) and re-checks only the cells whose
    witnesses disagree with the published value, which makes trying many cells cheap.
    """

    def __init__(
        self,
        values: FloatArray,
        suppressed: npt.NDArray[np.bool_],
        constraints: Sequence[tuple[int, Sequence[int]]],
        need: FloatArray,
    ) -> None:
        n = len(values)
        self.values = values
        self.need = need
        self.suppressed = suppressed.copy()
        supp_idx = np.flatnonzero(suppressed)
        pos = np.full(n, -1, dtype=np.int64)
        pos[supp_idx] = np.arange(len(supp_idx))

        # Rows over suppressed cells only; the published part moves to the right-hand side.
        rows: list[tuple[list[int], list[float], float]] = []
        for cells, coefs in constraint_rows(constraints):
            idx = [int(pos[c]) for c in cells if suppressed[c]]
            if not idx:
                continue
            co = [k for c, k in zip(cells, coefs, strict=True) if suppressed[c]]
            rhs = -sum(
                k * values[c] for c, k in zip(cells, coefs, strict=True) if not suppressed[c]
            )
            rows.append((idx, co, float(rhs)))

        parent = list(range(len(supp_idx)))

        def find(a: int) -> int:
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for idx, _, _ in rows:
            root = find(idx[0])
            for j in idx[1:]:
                other = find(j)
                if other != root:
                    parent[other] = root
        members: dict[int, list[int]] = {}
        for local in range(len(supp_idx)):
            members.setdefault(find(local), []).append(local)
        comp_rows: dict[int, list[int]] = {}
        for r, (idx, _, _) in enumerate(rows):
            comp_rows.setdefault(find(idx[0]), []).append(r)

        self.component_of = np.full(n, -1, dtype=np.int64)
        self.local_of = np.full(n, -1, dtype=np.int64)
        # Suppressed cells in no constraint: bounded by non-negativity only.
        self.unconstrained = np.zeros(n, dtype=bool)
        self.components: list[_Component] = []
        for root, locals_ in members.items():
            members_idx = supp_idx[locals_]
            if root not in comp_rows:
                self.unconstrained[members_idx] = True
                continue
            local_of = {int(c): k for k, c in enumerate(locals_)}
            comp_rows_local = [
                ([local_of[i] for i in rows[r][0]], rows[r][1], rows[r][2]) for r in comp_rows[root]
            ]
            self.component_of[members_idx] = len(self.components)
            self.local_of[members_idx] = np.arange(len(members_idx))
            self.components.append(
                _Component(members_idx, values[members_idx], need[members_idx], comp_rows_local)
            )

    def certify(self, *, exact: bool = False) -> None:
        """Witness or solve every component (see :func:`attacker_intervals`)."""
        for comp in self.components:
            comp.certify(exact=exact)

    def intervals(self) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        """(lower, upper, exact) for every cell, after :meth:`certify`."""
        lower = self.values.copy()
        upper = self.values.copy()
        exact = ~self.suppressed
        lower[self.unconstrained] = 0.0
        upper[self.unconstrained] = math.inf
        exact[self.unconstrained] = True
        for comp in self.components:
            lo, hi, ex = comp.intervals()
            lower[comp.cells] = lo
            upper[comp.cells] = hi
            exact[comp.cells] = ex
        return lower, upper, exact

    def short(self) -> npt.NDArray[np.intp]:
        """Cells whose interval is (so far) narrower than needed."""
        lower, upper, _ = self.intervals()
        return np.flatnonzero((self.need > 0) & (upper - lower < self.need - TOLERANCE))

    def try_publish(self, cell: int) -> bool:
        """Publish a suppressed cell if every cell keeps its protection; report whether."""
        if not self.suppressed[cell]:
            return True
        if self.unconstrained[cell]:
            if self.need[cell] > 0:
                return False
            self.suppressed[cell] = False
            self.unconstrained[cell] = False
            return True
        comp = self.components[int(self.component_of[cell])]
        if comp.try_fix(int(self.local_of[cell])):
            self.suppressed[cell] = False
            return True
        return False


class _Component:
    """One connected block of the attacker's LP, with its witnesses."""

    def __init__(
        self,
        cells: npt.NDArray[np.intp],
        values: FloatArray,
        need: FloatArray,
        rows: list[tuple[list[int], list[float], float]],
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

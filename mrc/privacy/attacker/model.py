"""The attacker's model of one suppression pattern: its LPs and witnesses, kept in memory.

Suppressed cells are variables (``x >= 0``), published cells constants, so each additivity
constraint becomes a row over its suppressed cells with the published part moved to the
right-hand side. Rows split into connected components, one HiGHS model each
(:class:`~mrc.privacy.attacker.witnesses.Component`); a suppressed cell in no constraint is
bounded by non-negativity only (``[0, inf)``).

Guarantee: after :meth:`AttackerModel.certify`, every cell with ``need > 0`` either has an
interval of at least ``need`` that two consistent tables reach (so the attacker cannot
narrow it), or its exact feasible interval. :meth:`AttackerModel.try_publish` keeps that
invariant while publishing cells one at a time, which is what makes the suppression
solver's cleanup cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from mrc.privacy.attacker.lp import TOLERANCE, FloatArray, constraint_rows
from mrc.privacy.attacker.witnesses import Component, Row


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
        rows = _reduced_rows(values, suppressed, pos, constraints)
        members, comp_rows = _connected_components(len(supp_idx), rows)

        self.component_of = np.full(n, -1, dtype=np.int64)
        self.local_of = np.full(n, -1, dtype=np.int64)
        # Suppressed cells in no constraint: bounded by non-negativity only.
        self.unconstrained = np.zeros(n, dtype=bool)
        self.components: list[Component] = []
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
                Component(members_idx, values[members_idx], need[members_idx], comp_rows_local)
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


def _reduced_rows(
    values: FloatArray,
    suppressed: npt.NDArray[np.bool_],
    pos: npt.NDArray[np.int64],
    constraints: Sequence[tuple[int, Sequence[int]]],
) -> list[Row]:
    """Rows over suppressed cells only (``pos``: their index among them); the published
    part moves to the right-hand side. Constraints with no suppressed cell are left out."""
    rows: list[Row] = []
    for cells, coefs in constraint_rows(constraints):
        idx = [int(pos[c]) for c in cells if suppressed[c]]
        if not idx:
            continue
        co = [k for c, k in zip(cells, coefs, strict=True) if suppressed[c]]
        rhs = -sum(
            k * values[c] for c, k in zip(cells, coefs, strict=True) if not suppressed[c]
        )
        rows.append((idx, co, float(rhs)))
    return rows


def _connected_components(
    n_cells: int, rows: list[Row]
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Union-find over cells sharing a row: (cells per root, rows per root), each in order."""
    parent = list(range(n_cells))

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
    for local in range(n_cells):
        members.setdefault(find(local), []).append(local)
    comp_rows: dict[int, list[int]] = {}
    for r, (idx, _, _) in enumerate(rows):
        comp_rows.setdefault(find(idx[0]), []).append(r)
    return members, comp_rows

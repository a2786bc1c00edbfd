"""Statistical disclosure control for published count tables: cell suppression.

Every aggregate that leaves the system (dashboards, reports, ``mrc aggregates``) goes
through :func:`suppress`. The unit is a :class:`Table`: a vector of non-negative counts and
a list of additivity constraints ``values[total] == sum(values[parts])``. One
representation covers a 1-D table with its total, a 2-D table with row, column and grand
totals, a hierarchy (MRC within country within region, each level's totals) and a
hierarchy crossed with categories (MRC x sex, with totals at every level); totals may be
parts of other constraints.

**Primary suppression.** A count ``0 < v < threshold`` (default 5) is *sensitive* and is
suppressed. Zero is a structural value and is published: a true zero says nothing about
any individual person, and hiding zeros would mostly hide the shape of the table. Caveat:
a published zero can still disclose an *attribute* of a group (if a row is all zero but
one cell, everybody in that row has that cell's attribute: "all clients of this MRC
intend to migrate irregularly"). ``protect_zeros=True`` treats zeros as sensitive too.
Published zeros are never used as complementary cells either, since an attacker may know
a zero is structural.

**Complementary suppression and the guarantee.** An attacker sees every published cell,
knows every constraint and that counts are non-negative (and nothing else: tables that
share cells must be suppressed together, as one :class:`Table` holding all their
constraints). For a suppressed cell the consistent values form an interval
``[lower, upper]``. The guarantee of :func:`suppress`: for every sensitive cell
``upper - lower >= protection`` (default ``protection = threshold``), i.e. the count can
be neither recomputed nor narrowed to an interval narrower than the threshold
(tau-ARGUS's "sliding protection range"). The pattern returned has passed a fresh run of
the audit (:mod:`mrc.privacy.suppression_audit`, linear programming); the audit is the
proof, and a pattern that fails it is never returned. A safe pattern always exists:
constraints are homogeneous, so with every non-zero cell hidden the attacker can scale
them all and each ranges over ``[0, inf)``. Caveat: the interval need not contain 0, so
an attacker may learn that a suppressed cell is not empty ("at least one client of this
MRC answered X"), the same kind of group disclosure as a published zero.

**Which cells are lost.** Among patterns that give the guarantee, :func:`suppress`
minimises the total cost of the complementary cells (exactly for small tables, by a
heuristic for large ones). Default cost = the cell's value (``cost="value"``: the number
of people whose count is hidden, which also makes totals expensive to lose);
``cost="cells"`` counts cells instead, or pass one weight per cell.

**Method.** ``SuppressionResult.method`` says which path produced a pattern.

* Small tables (sensitive cells x non-zero cells up to ``MIP_BUDGET``): an exact
  mixed-integer programme (HiGHS), one binary per candidate cell. For each sensitive
  cell ``p`` it holds two attacker "moves" ``y`` (up) and ``z`` (down): changes to the
  table that satisfy every constraint, keep it non-negative and touch only suppressed
  cells, with ``y_p - z_p >= protection`` -- exactly the guarantee, since ``x + y`` and
  ``x + z`` are two tables the attacker cannot tell from the true one ``x``. Moves are
  bounded by ``protection`` per cell, which loses nothing when the constraint matrix is
  a network matrix (1-D, 2-D, and 1-D hierarchical tables: a cheapest move is a sum of
  cycles through ``p``); for other structures (hierarchy x categories, 3-D) the pattern
  is still safe but may not be minimal. A node limit, not a time limit, bounds the
  search, so a table always gets the same pattern.
* Larger tables: a heuristic. (1) Greedy, over the constraints: no constraint may have
  exactly one suppressed cell, and where a total is published the suppressed parts of a
  constraint holding a sensitive part must add up to at least ``protection`` (each lies
  in ``[0, their sum]`` otherwise); the cell added is the cheapest, counting the
  suppressions it will force in constraints that had none. (2) The audit. (3) Repair:
  for each sensitive cell still too narrow, an LP finds the cheapest upward move from
  the true table (cost 0 on cells already suppressed) that widens the interval enough,
  and every cell it touches is suppressed; a move stays valid when more cells are
  suppressed, so one pass protects every such cell; then the audit again. (4) Cleanup:
  complementary cells are tried for publication, costliest first, and published when
  the audit (run incrementally) still passes. The heuristic has no optimality bound; on
  random small tables its loss was within a few percent of the MIP's.

The MIP's result goes through the same audit (and repair, should numerical tolerance
ever leave a cell short, followed by the cleanup). Widths are compared with an absolute
tolerance of 1e-6 (counts are integers).

Rates: :func:`suppress_rates` suppresses a rate whenever its numerator or denominator is
suppressed (a published rate and denominator would give the numerator back).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import sparse

from mrc.privacy.suppression_audit import (
    TOLERANCE,
    AttackerModel,
    LinearProgram,
    constraint_rows,
    is_sensitive,
)

__all__ = [
    "MIP_BUDGET",
    "HierarchyNode",
    "RateResult",
    "SuppressionError",
    "SuppressionResult",
    "Table",
    "suppress",
    "suppress_rates",
]

# Largest (sensitive cells x non-zero cells) given to the exact MIP; bigger tables use the
# heuristic. At this size the MIP takes up to about 2 s (see benchmarks/bench_suppression.py).
MIP_BUDGET = 1500
# Branch-and-bound nodes for the MIP: a work limit rather than a time limit, so that the same
# table gives the same pattern on any machine. The best pattern found so far is used.
MIP_MAX_NODES = 2000
MIP_TIME_LIMIT = 30.0  # seconds; a safety net only

HierarchyNode: TypeAlias = "int | Sequence[int] | Mapping[str, HierarchyNode]"
Cost: TypeAlias = Literal["value", "cells"] | Sequence[float]
Method: TypeAlias = Literal["auto", "mip", "heuristic"]


class SuppressionError(Exception):
    """No safe pattern was reached. Not expected: constraints are homogeneous, so with
    every non-zero cell suppressed the attacker can scale all of them by any factor and
    each ranges over ``[0, inf)``; a safe pattern always exists."""


@dataclass(frozen=True)
class Table:
    """Non-negative counts plus additivity constraints ``values[total] == sum(values[parts])``.

    ``labels`` name cells in reports and error messages; ``shape`` is set by
    :meth:`from_2d` (the table is then row-major, totals in the last row and column).
    """

    values: list[int]
    constraints: list[tuple[int, list[int]]] = field(default_factory=list)
    labels: list[str] | None = None
    shape: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        n = len(self.values)
        for v in self.values:
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
                raise ValueError("table values must be non-negative integers")
        for total, parts in self.constraints:
            cells = [total, *parts]
            if not parts:
                raise ValueError(f"constraint on cell {total} has no parts")
            if any(not 0 <= c < n for c in cells):
                raise ValueError(f"constraint on cell {total} refers to a cell out of range")
            if len(set(cells)) != len(cells):
                raise ValueError(f"constraint on cell {total} repeats a cell")
            if self.values[total] != sum(self.values[p] for p in parts):
                raise ValueError(f"cell {self.label(total)} is not the sum of its parts")
        if self.labels is not None and len(self.labels) != n:
            raise ValueError("one label per cell")
        if self.shape is not None and self.shape[0] * self.shape[1] != n:
            raise ValueError("shape does not match the number of cells")

    def label(self, index: int) -> str:
        return self.labels[index] if self.labels is not None else f"cell {index}"

    def index(self, label: str) -> int:
        """The cell with this label."""
        if self.labels is None:
            raise KeyError(label)
        return self.labels.index(label)

    @classmethod
    def from_1d(
        cls,
        values: Sequence[int],
        *,
        with_total: bool = True,
        labels: Sequence[str] | None = None,
        total_label: str = "Total",
    ) -> Table:
        """A list of counts, plus (by default) its total as the last cell."""
        names = list(labels) if labels is not None else [str(i) for i in range(len(values))]
        if len(names) != len(values):
            raise ValueError("one label per value")
        if not with_total:
            return cls(list(values), [], names)
        n = len(values)
        return cls([*values, sum(values)], [(n, list(range(n)))], [*names, total_label])

    @classmethod
    def from_2d(
        cls,
        matrix: Sequence[Sequence[int]],
        *,
        with_margins: bool = True,
        row_labels: Sequence[str] | None = None,
        col_labels: Sequence[str] | None = None,
        total_label: str = "Total",
    ) -> Table:
        """A rows x columns table; with margins it becomes (rows+1) x (columns+1), row
        totals in the last column, column totals in the last row, the grand total last."""
        n_rows = len(matrix)
        n_cols = len(matrix[0]) if n_rows else 0
        if n_rows == 0 or n_cols == 0 or any(len(r) != n_cols for r in matrix):
            raise ValueError("a 2-D table needs equally long, non-empty rows")
        rl = list(row_labels) if row_labels is not None else [str(i) for i in range(n_rows)]
        cl = list(col_labels) if col_labels is not None else [str(j) for j in range(n_cols)]
        if len(rl) != n_rows or len(cl) != n_cols:
            raise ValueError("one label per row and per column")
        if not with_margins:
            values = [int(v) for row in matrix for v in row]
            labels = [f"{r} | {c}" for r in rl for c in cl]
            return cls(values, [], labels, (n_rows, n_cols))
        width = n_cols + 1

        def at(i: int, j: int) -> int:
            return i * width + j

        values = []
        for row in matrix:
            values += [int(v) for v in row] + [sum(int(v) for v in row)]
        col_totals = [sum(int(matrix[i][j]) for i in range(n_rows)) for j in range(n_cols)]
        values += [*col_totals, sum(col_totals)]
        rl.append(total_label)
        cl.append(total_label)
        labels = [f"{r} | {c}" for r in rl for c in cl]
        constraints = [(at(i, n_cols), [at(i, j) for j in range(n_cols)]) for i in range(n_rows)]
        constraints += [(at(n_rows, j), [at(i, j) for i in range(n_rows)]) for j in range(n_cols)]
        constraints.append((at(n_rows, n_cols), [at(n_rows, j) for j in range(n_cols)]))
        constraints.append((at(n_rows, n_cols), [at(i, n_cols) for i in range(n_rows)]))
        return cls(values, constraints, labels, (n_rows + 1, n_cols + 1))

    @classmethod
    def from_hierarchy(
        cls,
        tree: Mapping[str, HierarchyNode],
        *,
        categories: Sequence[str] | None = None,
        total_label: str = "Total",
    ) -> Table:
        """A hierarchy of nested mappings whose leaves are counts, e.g.
        ``{"South Asia": {"PK": {"PK-ISB": 12, "PK-LHE": 3}}, ...}``; every internal node
        (and a root labelled ``total_label``) becomes a total cell labelled by its path
        ("South Asia/PK"). Leaves may instead be lists of counts by category (e.g. by sex):
        every node then has one cell per category plus a node total, and each category and
        the node totals add up through the hierarchy.
        """
        leaf_len: list[int] = []

        def check(node: HierarchyNode, path: str) -> None:
            if isinstance(node, Mapping):
                if not node:
                    raise ValueError(f"empty group in hierarchy: {path or total_label}")
                for name, child in node.items():
                    check(child, f"{path}/{name}" if path else str(name))
            elif isinstance(node, int | np.integer) and not isinstance(node, bool):
                leaf_len.append(0)
            elif isinstance(node, Sequence) and not isinstance(node, str):
                leaf_len.append(len(node))
            else:
                raise ValueError(f"hierarchy leaf {path} is not a count or list of counts")

        check(tree, "")
        if len(set(leaf_len)) != 1 or (leaf_len[0] == 0 and categories is not None):
            raise ValueError("hierarchy leaves must all be counts or all equally long lists")
        n_cat = leaf_len[0]
        if n_cat and categories is not None and len(categories) != n_cat:
            raise ValueError("one category label per leaf entry")
        cat_names = list(categories) if categories is not None else [str(c) for c in range(n_cat)]

        values: list[int] = []
        labels: list[str] = []
        constraints: list[tuple[int, list[int]]] = []

        def add(node: HierarchyNode, path: str) -> list[int]:
            """Cells of this node: [total] or [category cells..., total]."""
            name = path or total_label
            start = len(values)
            if n_cat:
                for c in cat_names:
                    values.append(0)
                    labels.append(f"{name} | {c}")
                values.append(0)
                labels.append(f"{name} | {total_label}")
                own = list(range(start, start + n_cat + 1))
            else:
                values.append(0)
                labels.append(name)
                own = [start]
            if isinstance(node, Mapping):
                children = [
                    add(child, f"{path}/{key}" if path else str(key)) for key, child in node.items()
                ]
                for pos, cell in enumerate(own):
                    parts = [ch[pos] for ch in children]
                    values[cell] = sum(values[p] for p in parts)
                    constraints.append((cell, parts))
            else:
                counts = [int(node)] if isinstance(node, int | np.integer) else list(node)
                if n_cat:
                    for pos, v in enumerate(counts):
                        values[own[pos]] = int(v)
                    values[own[-1]] = sum(int(v) for v in counts)
                else:
                    values[own[0]] = counts[0]
            if n_cat:
                constraints.append((own[-1], own[:-1]))
            return own

        add(tree, "")
        return cls(values, constraints, labels)


@dataclass(frozen=True)
class SuppressionResult:
    """A suppression pattern and its cost; ``suppressed[i]`` hides cell ``i``.

    Guarantee (checked by the audit before this is returned): every sensitive cell's
    feasible interval, given the published cells and the constraints, is at least
    ``protection`` wide.
    """

    table: Table
    threshold: int
    protection: int
    suppressed: list[bool]
    primary: list[int]
    complementary: list[int]
    method: str

    @property
    def suppressed_cells(self) -> int:
        return len(self.primary) + len(self.complementary)

    @property
    def suppressed_value(self) -> int:
        """Information loss: the sum of the complementary cells' counts."""
        return sum(self.table.values[i] for i in self.complementary)

    def published(self) -> list[int | None]:
        """The values to publish, ``None`` where suppressed."""
        return [None if s else v for v, s in zip(self.table.values, self.suppressed, strict=True)]

    def published_2d(self) -> list[list[int | None]]:
        """For tables built by :meth:`Table.from_2d`: rows of published values."""
        if self.table.shape is None:
            raise ValueError("not a 2-D table")
        flat = self.published()
        width = self.table.shape[1]
        return [flat[i : i + width] for i in range(0, len(flat), width)]


def suppress(
    table: Table,
    threshold: int = 5,
    *,
    protection: int | None = None,
    protect_zeros: bool = False,
    cost: Cost = "value",
    method: Method = "auto",
) -> SuppressionResult:
    """Primary and complementary suppression with the guarantee in the module docstring.

    ``method``: ``"mip"`` (exact, for small tables), ``"heuristic"``, or ``"auto"`` (the
    MIP when sensitive cells x non-zero cells <= ``MIP_BUDGET``). Either way the pattern
    returned has passed the audit. A safe pattern always exists (see
    :class:`SuppressionError`).
    """
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    width = threshold if protection is None else protection
    if width < 0:
        raise ValueError("protection must be non-negative")
    values = np.asarray(table.values, dtype=np.float64)
    n = len(values)
    sensitive = np.array(
        [is_sensitive(v, threshold, protect_zeros=protect_zeros) for v in table.values],
        dtype=bool,
    )
    weights = _weights(table, cost)
    primary = [int(i) for i in np.flatnonzero(sensitive)]
    if not primary:
        return SuppressionResult(table, threshold, width, [False] * n, [], [], "none needed")
    movable = sensitive | (values > 0)
    need = np.where(sensitive, float(width), 0.0)

    if method not in ("auto", "mip", "heuristic"):
        raise ValueError(f"unknown method {method!r}")
    suppressed: npt.NDArray[np.bool_] | None = None
    used = "heuristic"
    small = len(primary) * int(movable.sum()) <= MIP_BUDGET
    if method == "mip" or (method == "auto" and small):
        mip = _mip(values, table.constraints, sensitive, movable, weights, float(width))
        if mip is not None:
            suppressed, optimal = mip
            used = "mip-optimal" if optimal else "mip (search limit reached)"
    if suppressed is None:
        suppressed = sensitive.copy()
        _greedy(values, table.constraints, sensitive, movable, weights, float(width), suppressed)

    model = _make_safe(values, table.constraints, movable, weights, need, suppressed)
    if model.repaired or used != "mip-optimal":
        if model.repaired:
            used += " + repair"
        _cleanup(model.attacker, table.constraints, sensitive, weights, need, suppressed)
        # The proof: a fresh audit of the final pattern, sharing nothing with the above.
        final = _make_safe(values, table.constraints, movable, weights, need, suppressed)
        if final.repaired:  # pragma: no cover - a bug in the cleanup bookkeeping
            used += " + repair"

    complementary = [int(i) for i in np.flatnonzero(suppressed & ~sensitive)]
    return SuppressionResult(
        table=table,
        threshold=threshold,
        protection=width,
        suppressed=[bool(s) for s in suppressed],
        primary=primary,
        complementary=complementary,
        method=used,
    )


def _weights(table: Table, cost: Cost) -> npt.NDArray[np.float64]:
    if cost == "value":
        return np.asarray(table.values, dtype=np.float64)
    if cost == "cells":
        return np.ones(len(table.values))
    if isinstance(cost, str):
        raise ValueError(f"unknown cost {cost!r}")
    weights = np.asarray(cost, dtype=np.float64)
    if weights.shape != (len(table.values),) or (weights < 0).any():
        raise ValueError("cost needs one non-negative weight per cell")
    return weights


# --- greedy pass (large tables) --------------------------------------------------------


def _greedy(
    values: npt.NDArray[np.float64],
    constraints: Sequence[tuple[int, Sequence[int]]],
    sensitive: npt.NDArray[np.bool_],
    movable: npt.NDArray[np.bool_],
    weights: npt.NDArray[np.float64],
    width: float,
    suppressed: npt.NDArray[np.bool_],
) -> None:
    """Suppress cells until every constraint passes two local tests (see module docstring).

    Local tests are necessary, not sufficient; the audit and repair that follow make the
    pattern safe. This pass only makes the repair's work small.
    """
    n = len(values)
    cells_of = [[total, *parts] for total, parts in constraints]
    cons_of: list[list[int]] = [[] for _ in range(n)]
    for k, cells in enumerate(cells_of):
        for c in cells:
            cons_of[c].append(k)
    n_cons = len(cells_of)
    count = np.zeros(n_cons, dtype=np.int64)
    mass = np.zeros(n_cons)  # suppressed parts' total value
    max_sens = np.zeros(n_cons)  # largest suppressed sensitive part
    cheapest = np.zeros(n_cons)  # static estimate of the cost of fixing a new singleton
    for k, cells in enumerate(cells_of):
        options = [weights[c] for c in cells if movable[c]]
        cheapest[k] = min(options) if options else 0.0

    def mark(c: int) -> None:
        suppressed[c] = True
        for k in cons_of[c]:
            count[k] += 1
            if c != cells_of[k][0]:
                mass[k] += values[c]
                if sensitive[c]:
                    max_sens[k] = max(max_sens[k], values[c])

    flagged = suppressed.copy()
    suppressed[:] = False
    for c in np.flatnonzero(flagged):
        mark(int(c))

    def deficit(k: int) -> float:
        # Alone, a published total T = S + (published parts) gives each suppressed part
        # the interval [0, S], S the suppressed parts' sum: it must be >= the width.
        if suppressed[cells_of[k][0]] or max_sens[k] == 0:
            return 0.0
        return max(0.0, float(width - mass[k]))

    queue = deque(k for k in range(n_cons) if count[k])
    queued = np.zeros(n_cons, dtype=bool)
    queued[list(queue)] = True
    while queue:
        k = queue.popleft()
        queued[k] = False
        lack = deficit(k)
        if count[k] != 1 and lack <= TOLERANCE:
            continue
        cells = cells_of[k]
        best = -1
        best_score = np.inf
        for pos, c in enumerate(cells):
            if suppressed[c] or not movable[c]:
                continue
            forced = sum(cheapest[j] for j in cons_of[c] if j != k and count[j] == 0)
            score = weights[c] + forced
            if lack > TOLERANCE:
                cover = lack if pos == 0 else min(values[c], lack)
                score /= cover
            if score < best_score:
                best, best_score = c, score
        if best < 0:
            continue  # nothing left to add here; the repair step handles it
        mark(best)
        for j in cons_of[best]:
            if not queued[j]:
                queued[j] = True
                queue.append(j)


def _cleanup(
    attacker: AttackerModel,
    constraints: Sequence[tuple[int, Sequence[int]]],
    sensitive: npt.NDArray[np.bool_],
    weights: npt.NDArray[np.float64],
    need: npt.NDArray[np.float64],
    suppressed: npt.NDArray[np.bool_],
) -> None:
    """Publish again every complementary cell that is not needed, costliest first.

    A cell whose publication would break a necessary condition is kept without solving
    anything: a sensitive cell alone among the suppressed cells of a constraint, or a
    published total whose suppressed parts (with a sensitive one among them) add up to
    less than the sensitive cell's required width (each part then lies in ``[0, sum]``).
    Otherwise :meth:`AttackerModel.try_publish` decides, with LPs.
    """
    values = attacker.values
    cells_of = [[total, *parts] for total, parts in constraints]
    cons_of: list[list[int]] = [[] for _ in range(len(values))]
    for k, cells in enumerate(cells_of):
        for c in cells:
            cons_of[c].append(k)

    def breaks_necessary_condition(c: int) -> bool:
        for k in cons_of[c]:
            cells = cells_of[k]
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

    candidates = np.flatnonzero(suppressed & ~sensitive).tolist()
    for c in sorted(candidates, key=lambda c: (-weights[c], c)):
        if breaks_necessary_condition(c):
            continue
        if attacker.try_publish(c):
            suppressed[c] = False


@dataclass
class _Checked:
    attacker: AttackerModel
    repaired: bool


def _make_safe(
    values: npt.NDArray[np.float64],
    constraints: Sequence[tuple[int, Sequence[int]]],
    movable: npt.NDArray[np.bool_],
    weights: npt.NDArray[np.float64],
    need: npt.NDArray[np.float64],
    suppressed: npt.NDArray[np.bool_],
) -> _Checked:
    """Audit; repair short cells and audit again until the pattern is safe."""
    repair: _Repair | None = None
    for _ in range(5):
        attacker = AttackerModel(values, suppressed, constraints, need)
        attacker.certify()
        short = attacker.short()
        if len(short) == 0:
            return _Checked(attacker, repair is not None)
        lower, _upper, _exact = attacker.intervals()
        if repair is None:
            repair = _Repair(values, constraints, movable, weights)
        for p in short:
            # lower[p] is exact for a short cell and only falls as cells are added.
            repair.protect(int(p), float(need[p] - (values[p] - lower[p])), suppressed)
    raise SuppressionError("could not reach a safe pattern")  # pragma: no cover


# --- repair: cheapest upward move per short cell ---------------------------------------


class _Repair:
    """LP over the whole table: an attacker move ``y = y_plus - y_minus`` with
    ``A y = 0``, ``x + y >= 0``, zero on published zeros, ``y_p >= target``; cost is the
    weight of each not yet suppressed cell it touches (per unit moved). The cells it
    touches are then suppressed, so ``x + y`` becomes a table the attacker cannot exclude
    and ``upper(p) >= x_p + target``."""

    def __init__(
        self,
        values: npt.NDArray[np.float64],
        constraints: Sequence[tuple[int, Sequence[int]]],
        movable: npt.NDArray[np.bool_],
        weights: npt.NDArray[np.float64],
    ) -> None:
        n = len(values)
        self.n = n
        self.values = values
        self.weights = weights
        self.lp_cost = np.concatenate([weights, weights])
        r_i: list[int] = []
        c_i: list[int] = []
        data: list[float] = []
        for r, (cells, coefs) in enumerate(constraint_rows(constraints)):
            for c, co in zip(cells, coefs, strict=True):
                r_i += [r, r]
                c_i += [c, n + c]
                data += [co, -co]
        m = len(constraints)
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

    def protect(self, p: int, target: float, suppressed: npt.NDArray[np.bool_]) -> None:
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


# --- exact MIP (small tables) ----------------------------------------------------------


def _mip(
    values: npt.NDArray[np.float64],
    constraints: Sequence[tuple[int, Sequence[int]]],
    sensitive: npt.NDArray[np.bool_],
    movable: npt.NDArray[np.bool_],
    weights: npt.NDArray[np.float64],
    width: float,
) -> tuple[npt.NDArray[np.bool_], bool] | None:
    """Minimum-cost pattern with an explicit up and down move per sensitive cell.

    Returns (suppressed mask, proven optimal) or ``None`` if the solver found no pattern.
    """
    mov = np.flatnonzero(movable)
    local = np.full(len(values), -1, dtype=np.int64)
    local[mov] = np.arange(len(mov))
    k = len(mov)
    prim = np.flatnonzero(sensitive)
    choice = np.flatnonzero(movable & ~sensitive)  # cells the MIP may add
    s_col = np.full(len(values), -1, dtype=np.int64)
    s_col[choice] = np.arange(len(choice))
    n_s = len(choice)
    big_m = width
    plus_ub = np.full(k, big_m)
    minus_ub = np.minimum(values[mov], big_m)

    rows_cells = [
        [(int(local[c]), co) for c, co in zip(cells, coefs, strict=True) if movable[c]]
        for cells, coefs in constraint_rows(constraints)
    ]
    rows_cells = [r for r in rows_cells if r]

    r_i: list[int] = []
    c_i: list[int] = []
    data: list[float] = []
    row_lo: list[float] = []
    row_hi: list[float] = []
    row = 0
    n_cols = n_s + len(prim) * 4 * k
    col_lo = np.zeros(n_cols)
    col_hi = np.zeros(n_cols)
    col_hi[:n_s] = 1.0
    for q, p in enumerate(prim):
        base = n_s + q * 4 * k
        # blocks: up+ up- down+ down-
        for d in range(2):
            plus = base + 2 * d * k
            minus = plus + k
            col_hi[plus : plus + k] = plus_ub
            col_hi[minus : minus + k] = minus_ub
            for cells in rows_cells:
                for j, co in cells:
                    r_i += [row, row]
                    c_i += [plus + j, minus + j]
                    data += [co, -co]
                row_lo.append(0.0)
                row_hi.append(0.0)
                row += 1
            for c in choice:
                j = int(local[c])
                for col, bound in ((plus + j, plus_ub[j]), (minus + j, minus_ub[j])):
                    r_i += [row, row]
                    c_i += [col, int(s_col[c])]
                    data += [1.0, -bound]
                    row_lo.append(-np.inf)
                    row_hi.append(0.0)
                    row += 1
        j = int(local[p])
        up_p, up_m = base + j, base + k + j
        dn_p, dn_m = base + 2 * k + j, base + 3 * k + j
        r_i += [row] * 4
        c_i += [up_p, up_m, dn_p, dn_m]
        data += [1.0, -1.0, -1.0, 1.0]
        row_lo.append(width)
        row_hi.append(np.inf)
        row += 1
    matrix = sparse.csc_matrix((data, (r_i, c_i)), shape=(row, n_cols))
    integrality = [1] * n_s + [0] * (n_cols - n_s)
    lp = LinearProgram(
        matrix,
        np.asarray(row_lo),
        np.asarray(row_hi),
        col_lo,
        col_hi,
        integrality=integrality,
        options={"mip_max_nodes": MIP_MAX_NODES, "time_limit": MIP_TIME_LIMIT},
    )
    cost = np.zeros(n_cols)
    cost[:n_s] = weights[choice]
    lp.set_cost(cost)
    status, sol = lp.solve()
    if sol is None or status not in ("optimal", "feasible"):
        return None
    suppressed = sensitive.copy()
    suppressed[choice] = sol[:n_s] > 0.5
    return suppressed, status == "optimal"


# --- rates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RateResult:
    """Rates ``numerator / denominator`` per cell; ``None`` where suppressed or where the
    denominator is zero (``suppressed`` tells the two apart)."""

    rates: list[float | None]
    suppressed: list[bool]
    numerators: SuppressionResult
    denominators: SuppressionResult


def suppress_rates(
    numerators: Table,
    denominators: Table,
    threshold: int = 5,
    *,
    protection: int | None = None,
    protect_zeros: bool = False,
    cost: Cost = "value",
) -> RateResult:
    """Suppress both count tables (each with its own complementary cells) and every rate
    whose numerator or denominator is suppressed.

    The two tables must have the same cells (same layout); numerators may not exceed
    denominators. The guarantee of :func:`suppress` holds for each count table; a
    published rate reveals nothing more because its numerator and denominator are both
    published. Caveat: ``denominator - numerator`` (people *without* the attribute) is not
    protected; publish it as its own numerator if it matters.
    """
    if len(numerators.values) != len(denominators.values):
        raise ValueError("numerator and denominator tables must have the same cells")
    if any(a > b for a, b in zip(numerators.values, denominators.values, strict=True)):
        raise ValueError("a numerator exceeds its denominator")
    num = suppress(
        numerators, threshold, protection=protection, protect_zeros=protect_zeros, cost=cost
    )
    den = suppress(
        denominators, threshold, protection=protection, protect_zeros=protect_zeros, cost=cost
    )
    rates: list[float | None] = []
    hidden: list[bool] = []
    for a, b, sa, sb in zip(
        numerators.values, denominators.values, num.suppressed, den.suppressed, strict=True
    ):
        hide = sa or sb
        hidden.append(hide)
        rates.append(None if hide or b == 0 else a / b)
    return RateResult(rates=rates, suppressed=hidden, numerators=num, denominators=den)

"""Statistical disclosure control for published count tables: cell suppression.

Every aggregate that leaves the system (dashboards, reports, ``mrc aggregates``) goes
through :func:`suppress`. The unit is a :class:`~mrc.privacy.tables.Table`: a vector of
non-negative counts and a list of additivity constraints
``values[total] == sum(values[parts])`` (1-D and 2-D tables with their totals,
hierarchies, hierarchies crossed with categories; see :mod:`mrc.privacy.tables`).

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
  mixed-integer programme (HiGHS), one binary per candidate cell, with an explicit
  attacker move up and down per sensitive cell (:mod:`mrc.privacy.suppression_mip`).
  Exact for 1-D, 2-D and 1-D hierarchical tables; for other structures (hierarchy x
  categories, 3-D) the pattern is still safe but may not be minimal. A node limit, not a
  time limit, bounds the search, so a table always gets the same pattern.
* Larger tables: a heuristic. (1) Greedy, over the constraints
  (:mod:`mrc.privacy.suppression_greedy`): local necessary conditions, cheapest cell
  first. (2) The audit. (3) Repair: for each sensitive cell still too narrow, an LP finds
  the cheapest upward move that widens its interval enough, and every cell it touches is
  suppressed; then the audit again. (4) Cleanup: complementary cells are tried for
  publication, costliest first, and published when the audit (run incrementally) still
  passes (:mod:`mrc.privacy.suppression_repair`). The heuristic has no optimality bound;
  on random small tables its loss was within a few percent of the MIP's.

The MIP's result goes through the same audit (and repair, should numerical tolerance
ever leave a cell short, followed by the cleanup). Widths are compared with an absolute
tolerance of 1e-6 (counts are integers). Every step shares one
:class:`~mrc.privacy.suppression_problem.SuppressionProblem`, built here.

Rates: :func:`suppress_rates` suppresses a rate whenever its numerator or denominator is
suppressed (a published rate and denominator would give the numerator back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from mrc.privacy.suppression_audit import is_sensitive
from mrc.privacy.suppression_greedy import greedy_pattern
from mrc.privacy.suppression_mip import mip_pattern
from mrc.privacy.suppression_problem import BoolArray, SuppressionError, SuppressionProblem
from mrc.privacy.suppression_repair import cleanup, make_safe
from mrc.privacy.tables import HierarchyNode, Table

__all__ = [
    "MIP_BUDGET",
    "HierarchyNode",
    "Pattern",
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

Cost: TypeAlias = Literal["value", "cells"] | Sequence[float]
Method: TypeAlias = Literal["auto", "mip", "heuristic"]


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
    previous: Pattern | None = None,
) -> SuppressionResult:
    """Primary and complementary suppression with the guarantee in the module docstring.

    ``previous``: the pattern published for an earlier version of the same table (same
    cells and constraints, other numbers). When it hides exactly the same sensitive cells
    and is still safe for the new numbers (or becomes safe by adding cells), it is kept
    instead of searching afresh (``method`` "previous pattern"): a stable pattern is both
    cheaper (an audit instead of a MIP) and safer across releases, since a cell hidden in
    one version and shown in the next, unchanged, would help undo the first version's
    protection. A pattern whose sensitive cells differ is not reused, so complementary
    cells cannot pile up over a table's versions.

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
    problem = SuppressionProblem.build(values, table.constraints, sensitive, weights, float(width))

    if method not in ("auto", "mip", "heuristic"):
        raise ValueError(f"unknown method {method!r}")
    reused = _reusable(previous, primary, n)
    if reused is not None:
        suppressed = reused
        used = "previous pattern" + (" + repair" if make_safe(problem, suppressed).repaired
                                     else "")
    else:
        suppressed, used = _first_pattern(problem, method, len(primary))
        used = _secure(problem, suppressed, used)

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


def _first_pattern(
    problem: SuppressionProblem, method: Method, n_primary: int
) -> tuple[BoolArray, str]:
    """The pattern before the audit, and the method that produced it: the MIP when asked
    for (or small enough under ``"auto"``) and it finds a pattern, else the greedy pass."""
    small = n_primary * int(problem.movable.sum()) <= MIP_BUDGET
    if method == "mip" or (method == "auto" and small):
        mip = mip_pattern(problem)
        if mip is not None:
            suppressed, optimal = mip
            return suppressed, "mip-optimal" if optimal else "mip (search limit reached)"
    suppressed = problem.sensitive.copy()
    greedy_pattern(problem, suppressed)
    return suppressed, "heuristic"


@dataclass(frozen=True)
class Pattern:
    """A published pattern, as kept between versions of a table: the suppressed cells and
    which of them were primary (sensitive)."""

    suppressed: tuple[bool, ...]
    primary: tuple[int, ...]

    @classmethod
    def of(cls, result: SuppressionResult) -> Pattern:
        return cls(tuple(result.suppressed), tuple(result.primary))


def _reusable(previous: Pattern | None, primary: list[int], n: int) -> BoolArray | None:
    """The previous pattern (a copy) when it has these ``n`` cells and the same sensitive
    cells as the new numbers; else ``None``."""
    if previous is None or len(previous.suppressed) != n or list(previous.primary) != primary:
        return None
    return np.asarray(previous.suppressed, dtype=bool)


def _secure(problem: SuppressionProblem, suppressed: BoolArray, used: str) -> str:
    """Audit (and repair) ``suppressed`` in place, clean up unless it is a proven optimum,
    and audit the final pattern afresh; returns ``used`` with the repairs noted."""
    model = make_safe(problem, suppressed)
    if model.repaired or used != "mip-optimal":
        if model.repaired:
            used += " + repair"
        cleanup(model.attacker, problem, suppressed)
        # The proof: a fresh audit of the final pattern, sharing nothing with the above.
        final = make_safe(problem, suppressed)
        if final.repaired:  # pragma: no cover - a bug in the cleanup bookkeeping
            used += " + repair"
    return used


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

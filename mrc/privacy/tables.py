"""Count tables with additivity constraints: the unit of cell suppression.

A :class:`Table` is a vector of non-negative counts and a list of additivity constraints
``values[total] == sum(values[parts])``. One representation covers a 1-D table with its
total, a 2-D table with row, column and grand totals, a hierarchy (MRC within country
within region, each level's totals) and a hierarchy crossed with categories (MRC x sex,
with totals at every level); totals may be parts of other constraints.

Guarantee: a :class:`Table` that exists is consistent -- every value is a non-negative
integer and every constraint holds -- so the true table is always one the attacker of
:mod:`mrc.privacy.suppression_audit` cannot rule out. Tables that share cells must be
suppressed together, as one :class:`Table` holding all their constraints: the attacker is
assumed to know every constraint of what is published.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np

__all__ = ["HierarchyNode", "Table"]

HierarchyNode: TypeAlias = "int | Sequence[int] | Mapping[str, HierarchyNode]"


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
        builder = _HierarchyBuilder(_category_names(tree, categories, total_label), total_label)
        builder.add(tree, "")
        return cls(builder.values, builder.constraints, builder.labels)


def _child_path(path: str, name: object) -> str:
    return f"{path}/{name}" if path else str(name)


def _leaf_lengths(node: HierarchyNode, path: str, total_label: str, out: list[int]) -> None:
    """Append the length of every leaf (0 for a single count); reject malformed nodes."""
    if isinstance(node, Mapping):
        if not node:
            raise ValueError(f"empty group in hierarchy: {path or total_label}")
        for name, child in node.items():
            _leaf_lengths(child, _child_path(path, name), total_label, out)
    elif isinstance(node, int | np.integer) and not isinstance(node, bool):
        out.append(0)
    elif isinstance(node, Sequence) and not isinstance(node, str):
        out.append(len(node))
    else:
        raise ValueError(f"hierarchy leaf {path} is not a count or list of counts")


def _category_names(
    tree: Mapping[str, HierarchyNode], categories: Sequence[str] | None, total_label: str
) -> list[str]:
    """The category labels of a hierarchy's leaves; empty when leaves are single counts."""
    leaf_len: list[int] = []
    _leaf_lengths(tree, "", total_label, leaf_len)
    if len(set(leaf_len)) != 1 or (leaf_len[0] == 0 and categories is not None):
        raise ValueError("hierarchy leaves must all be counts or all equally long lists")
    n_cat = leaf_len[0]
    if n_cat and categories is not None and len(categories) != n_cat:
        raise ValueError("one category label per leaf entry")
    return list(categories) if categories is not None else [str(c) for c in range(n_cat)]


class _HierarchyBuilder:
    """Cells, labels and constraints of a hierarchy, added node by node (pre-order)."""

    def __init__(self, cat_names: list[str], total_label: str) -> None:
        self.cat_names = cat_names
        self.n_cat = len(cat_names)
        self.total_label = total_label
        self.values: list[int] = []
        self.labels: list[str] = []
        self.constraints: list[tuple[int, list[int]]] = []

    def add(self, node: HierarchyNode, path: str) -> list[int]:
        """Cells of this node: [total] or [category cells..., total]."""
        own = self._own_cells(path or self.total_label)
        if isinstance(node, Mapping):
            self._add_group(node, path, own)
        else:
            self._set_leaf(node, own)
        if self.n_cat:
            self.constraints.append((own[-1], own[:-1]))
        return own

    def _own_cells(self, name: str) -> list[int]:
        start = len(self.values)
        if not self.n_cat:
            self.values.append(0)
            self.labels.append(name)
            return [start]
        for c in self.cat_names:
            self.values.append(0)
            self.labels.append(f"{name} | {c}")
        self.values.append(0)
        self.labels.append(f"{name} | {self.total_label}")
        return list(range(start, start + self.n_cat + 1))

    def _add_group(self, node: Mapping[str, HierarchyNode], path: str, own: list[int]) -> None:
        children = [self.add(child, _child_path(path, key)) for key, child in node.items()]
        for pos, cell in enumerate(own):
            parts = [ch[pos] for ch in children]
            self.values[cell] = sum(self.values[p] for p in parts)
            self.constraints.append((cell, parts))

    def _set_leaf(self, node: int | Sequence[int], own: list[int]) -> None:
        counts = [int(node)] if isinstance(node, int | np.integer) else list(node)
        if self.n_cat:
            for pos, v in enumerate(counts):
                self.values[own[pos]] = int(v)
            self.values[own[-1]] = sum(int(v) for v in counts)
        else:
            self.values[own[0]] = counts[0]

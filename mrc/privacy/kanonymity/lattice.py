"""Global recoding: the search of the generalisation lattice for the least-loss node.

The lattice holds every combination of one hierarchy level per quasi-identifier. It is
searched bottom-up and the node with the least information loss is chosen among those
that leave at most ``max_outliers`` persons in classes smaller than ``k``. The loss of a
node is its *generalisation loss* (the weighted mean over the quasi-identifiers of
level / top level, 0 = as recorded, 1 = everything suppressed) plus the share of persons
left in too-small classes. Person counts per class are rolled up level by level
(vectorised); the only Python loops run over lattice nodes and quasi-identifiers.

Guarantee: the node returned is feasible whenever a feasible node exists, and has the
least loss among feasible nodes (ties: fewer outliers, then the lexicographically first
node); with none feasible, the evaluated node with the fewest outliers (the most general
on ties). The same panel always gives the same node.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from mrc.privacy.kanonymity.encoding import KEY_LIMIT, IntArray, Variable, group_ids

# 7 quasi-identifiers with the default hierarchies make 288 nodes; this bounds the search.
MAX_LATTICE_NODES = 20_000

Node = tuple[int, ...]


@dataclass
class LevelTable:
    """Distinct combinations of level codes at a lattice node, with person counts."""

    columns: list[IntArray]
    counts: IntArray


def _small(codes: IntArray) -> IntArray:
    # Lattice tables live a layer at a time; narrow codes keep them small.
    top = int(codes.max()) if codes.size else 0
    dtype = np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.int64
    return codes.astype(dtype)


def _combine(columns: Sequence[npt.NDArray[Any]], cards: Sequence[int]) -> IntArray:
    """An int64 key equal for two rows exactly when all their codes are equal."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    space = 1
    for codes, card in zip(columns, cards, strict=True):
        if space * card >= KEY_LIMIT:
            compact, uniques = pd.factorize(key)
            key, space = compact.astype(np.int64), max(len(uniques), 1)
        key = key * card + codes.astype(np.int64)
        space *= card
    return key


def _rollup(
    table: LevelTable, cards: Sequence[int], q: int | None, step: IntArray | None
) -> LevelTable:
    columns = list(table.columns)
    if q is not None and step is not None:
        columns[q] = step[columns[q]]
    ids, first = group_ids(_combine(columns, cards))
    counts = np.bincount(ids, weights=table.counts, minlength=first.size).astype(np.int64)
    return LevelTable([_small(c[first]) for c in columns], counts)


@dataclass
class SearchResult:
    """The node chosen, its outliers and loss, and how much of the lattice was searched."""

    node: tuple[int, ...]
    outliers: int
    generalisation_loss: float
    nodes: int
    evaluated: int
    feasible: bool


def search_lattice(
    variables: list[Variable], k: int, max_outliers: int, persons: int
) -> SearchResult:
    """Bottom-up search of the generalisation lattice for the least-loss feasible node.

    Feasible: at most ``max_outliers`` persons in classes below k. Loss: generalisation
    loss + outliers / persons. A node whose generalisation loss alone is not below the
    best loss found cannot win, nor can its generalisations (their loss is higher), so
    they are skipped. Each node's table is rolled up from its smallest evaluated child.
    """
    return _LatticeSearch(variables, k, max_outliers, persons).run()


class _LatticeSearch:
    """The state of one search: the best feasible node so far and the fallback."""

    def __init__(self, variables: list[Variable], k: int, max_outliers: int, persons: int) -> None:
        self.variables = variables
        self.k = k
        self.max_outliers = max_outliers
        self.persons = persons
        self.tops = [v.top for v in variables]
        self.n_nodes = math.prod(t + 1 for t in self.tops)
        if self.n_nodes > MAX_LATTICE_NODES:
            raise ValueError(
                f"{self.n_nodes} combinations of generalisation levels: too many to search; "
                "declare fewer quasi-identifiers or shorter hierarchies"
            )
        self.total_weight = sum(v.weight for v in variables)
        self.best: tuple[float, int, Node] | None = None
        self.fallback: tuple[int, Node] | None = None  # fewest outliers if none feasible
        self.evaluated = 0

    def generalisation_loss(self, node: Node) -> float:
        return sum(v.weight * lv / v.top for v, lv in zip(self.variables, node, strict=True)) / (
            self.total_weight
        )

    def cards(self, node: Node) -> list[int]:
        return [v.cards(lv) for v, lv in zip(self.variables, node, strict=True)]

    def run(self) -> SearchResult:
        variables = self.variables
        bottom = tuple(0 for _ in variables)
        base = _rollup(
            LevelTable([v.person_codes(0) for v in variables],
                       np.ones(self.persons, dtype=np.int64)),
            self.cards(bottom), None, None,
        )
        layers: dict[int, list[Node]] = {}
        for node in itertools.product(*(range(t + 1) for t in self.tops)):
            layers.setdefault(sum(node), []).append(node)
        previous: dict[Node, LevelTable] = {}
        for height in sorted(layers):
            current: dict[Node, LevelTable] = {}
            for node in layers[height]:
                loss = self.generalisation_loss(node)
                if self.best is not None and loss >= self.best[0]:
                    continue
                table = base if height == 0 else self._from_child(node, previous)
                if table is None:
                    continue
                self.evaluated += 1
                current[node] = table
                self._consider(node, loss, table)
            previous = current
        return self._result()

    def _from_child(self, node: Node, previous: dict[Node, LevelTable]) -> LevelTable | None:
        """The node's table rolled up from its smallest child evaluated in the layer below
        (``None`` if every child was skipped)."""
        children = [
            (len(previous[child].counts), q, child)
            for q in range(len(node)) if node[q] > 0
            for child in [node[:q] + (node[q] - 1,) + node[q + 1:]]
            if child in previous
        ]
        if not children:
            return None
        _, q, child = min(children)
        return _rollup(previous[child], self.cards(node), q, self.variables[q].step[child[q]])

    def _consider(self, node: Node, loss: float, table: LevelTable) -> None:
        outliers = int(table.counts[table.counts < self.k].sum())
        # Ties go to the more general node: with nothing feasible, release least.
        if self.fallback is None or outliers <= self.fallback[0]:
            self.fallback = (outliers, node)
        if outliers <= self.max_outliers:
            # Rounded so that equal losses tie exactly (then: fewer outliers, then
            # the lexicographically first node, for a deterministic choice).
            candidate = (round(loss + outliers / self.persons, 12), outliers, node)
            if self.best is None or candidate < self.best:
                self.best = candidate

    def _result(self) -> SearchResult:
        if self.best is not None:
            node = self.best[2]
            return SearchResult(node, self.best[1], self.generalisation_loss(node),
                                self.n_nodes, self.evaluated, True)
        if self.fallback is None:  # the bottom node is always evaluated
            raise RuntimeError("internal error: no lattice node evaluated")
        node = self.fallback[1]
        return SearchResult(node, self.fallback[0], self.generalisation_loss(node),
                            self.n_nodes, self.evaluated, False)

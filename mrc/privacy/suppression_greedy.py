"""The greedy pass of the suppression heuristic (large tables).

Over the constraints, two local tests must pass: no constraint may have exactly one
suppressed cell, and where a total is published the suppressed parts of a constraint
holding a sensitive part must add up to at least ``width`` (each lies in
``[0, their sum]`` otherwise). While a constraint fails, the cheapest movable cell of it
is suppressed, counting the suppressions it will force in constraints that had none.

Guarantee: none on its own. The tests are necessary, not sufficient; the audit and the
repair that follow (:mod:`mrc.privacy.suppression_repair`) make the pattern safe. This pass
only makes the repair's work small.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from mrc.privacy.attacker import TOLERANCE
from mrc.privacy.suppression_problem import BoolArray, SuppressionProblem


def greedy_pattern(problem: SuppressionProblem, suppressed: BoolArray) -> None:
    """Add cells to ``suppressed`` (in place) until every constraint passes both tests."""
    state = _Greedy(problem, suppressed)
    flagged = suppressed.copy()
    suppressed[:] = False
    for c in np.flatnonzero(flagged):
        state.mark(int(c))
    state.run()


class _Greedy:
    """Per-constraint bookkeeping of the pattern being built."""

    def __init__(self, problem: SuppressionProblem, suppressed: BoolArray) -> None:
        self.problem = problem
        self.suppressed = suppressed
        n_cons = len(problem.cells_of)
        self.n_cons = n_cons
        self.count = np.zeros(n_cons, dtype=np.int64)
        self.mass = np.zeros(n_cons)  # suppressed parts' total value
        self.max_sens = np.zeros(n_cons)  # largest suppressed sensitive part
        self.cheapest = np.zeros(n_cons)  # static estimate of the cost of fixing a new singleton
        for k, cells in enumerate(problem.cells_of):
            options = [problem.weights[c] for c in cells if problem.movable[c]]
            self.cheapest[k] = min(options) if options else 0.0

    def mark(self, c: int) -> None:
        p = self.problem
        self.suppressed[c] = True
        for k in p.cons_of[c]:
            self.count[k] += 1
            if c != p.cells_of[k][0]:
                self.mass[k] += p.values[c]
                if p.sensitive[c]:
                    self.max_sens[k] = max(self.max_sens[k], p.values[c])

    def deficit(self, k: int) -> float:
        # Alone, a published total T = S + (published parts) gives each suppressed part
        # the interval [0, S], S the suppressed parts' sum: it must be >= the width.
        if self.suppressed[self.problem.cells_of[k][0]] or self.max_sens[k] == 0:
            return 0.0
        lack: float = max(0.0, self.problem.width - self.mass[k])
        return lack

    def best_cell(self, k: int, lack: float) -> int:
        """The cheapest cell to add to constraint ``k`` (-1 if none is left)."""
        p = self.problem
        best = -1
        best_score = np.inf
        for pos, c in enumerate(p.cells_of[k]):
            if self.suppressed[c] or not p.movable[c]:
                continue
            forced = sum(self.cheapest[j] for j in p.cons_of[c] if j != k and self.count[j] == 0)
            score = p.weights[c] + forced
            if lack > TOLERANCE:
                cover = lack if pos == 0 else min(p.values[c], lack)
                score /= cover
            if score < best_score:
                best, best_score = c, score
        return best

    def run(self) -> None:
        """Fix failing constraints until none is left; re-check those a new cell touches."""
        queue = deque(k for k in range(self.n_cons) if self.count[k])
        queued = np.zeros(self.n_cons, dtype=bool)
        queued[list(queue)] = True
        while queue:
            k = queue.popleft()
            queued[k] = False
            lack = self.deficit(k)
            if self.count[k] != 1 and lack <= TOLERANCE:
                continue
            best = self.best_cell(k, lack)
            if best < 0:
                continue  # nothing left to add here; the repair step handles it
            self.mark(best)
            for j in self.problem.cons_of[best]:
                if not queued[j]:
                    queued[j] = True
                    queue.append(j)

"""A synthetic network and everything a table builder could publish of it: the test bench
for a perturbation table against the attack of :mod:`mrc.privacy.attacker.releases`.

Records (people or sessions) at MRCs in countries of one region, each in a month and with
one value per breakdown (skewed, so that small cells are common), each with a random
record key. *Published* is every cell of every table a supervisor can ask for: every scope
(each MRC, each country, the region) × every period (months, quarters, half-years, the
year, or with ``every_range`` every run of consecutive months) × every breakdown's values
and the total, each perturbed from its own records with the cell key method. The attacker's
atoms are (breakdown, MRC, month, value); the totals link the breakdowns (each breakdown
splits the same records of an MRC and month). Used by ``tests/privacy`` and
``benchmarks/bench_disclosure.py``; the network is invented, no record is real.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import product

from mrc.privacy.attacker.releases import Link, PublishedCell
from mrc.privacy.cellkey import KEY_MODULUS, PerturbationTable


@dataclass(frozen=True)
class Network:
    mrcs_per_country: tuple[int, ...] = (2, 2, 2)
    months: int = 12
    dims: tuple[int, ...] = (2, 4, 5)  # values per breakdown
    every_range: bool = False

    @property
    def n_mrcs(self) -> int:
        return sum(self.mrcs_per_country)

    def scopes(self) -> list[tuple[int, ...]]:
        """Each MRC, each country (its MRCs), the region (all)."""
        out, first = [], 0
        for n in self.mrcs_per_country:
            out.append(tuple(range(first, first + n)))
            first += n
        singles = [(m,) for m in range(self.n_mrcs)]
        countries = [c for c in out if len(c) > 1]
        return [*singles, *countries, tuple(range(self.n_mrcs))]

    def periods(self) -> list[tuple[int, ...]]:
        months = self.months
        if self.every_range:
            return [tuple(range(a, b)) for a in range(months) for b in range(a + 1, months + 1)]
        runs = {1, 3, 6, 12}
        return [tuple(range(a, a + n)) for n in sorted(runs) if n <= months
                for a in range(0, months - n + 1, n)]


@dataclass
class Release:
    cells: list[PublishedCell]
    true: list[int]
    links: list[Link]
    n_atoms: int

    def small(self, threshold: int) -> list[int]:
        """The published cells whose true count is 1 .. threshold - 1."""
        return [i for i, n in enumerate(self.true) if 0 < n < threshold]


def _skewed(rng: random.Random, k: int) -> list[float]:
    weights = [rng.uniform(0.05, 1.0) ** 2 for _ in range(k)]
    total = sum(weights)
    return [w / total for w in weights]


def release(network: Network, n_records: int, table: PerturbationTable,
            seed: int = 0) -> Release:
    """Draw ``n_records`` records and publish every cell of every table (deduplicated: a
    cell with the same atoms is the same cell, with the same value)."""
    rng = random.Random(seed)  # noqa: S311 -- an invented network, reproducible by seed
    mrc_weights = _skewed(rng, network.n_mrcs)
    dim_weights = [_skewed(rng, k) for k in network.dims]
    atoms = {key: i for i, key in enumerate(
        (d, m, t, v) for d, k in enumerate(network.dims)
        for m, t, v in product(range(network.n_mrcs), range(network.months), range(k)))}
    count = [0] * len(atoms)
    keys = [0] * len(atoms)
    for _ in range(n_records):
        m = rng.choices(range(network.n_mrcs), mrc_weights)[0]
        t = rng.randrange(network.months)
        key = rng.randrange(KEY_MODULUS)
        for d, k in enumerate(network.dims):
            a = atoms[d, m, t, rng.choices(range(k), dim_weights[d])[0]]
            count[a] += 1
            keys[a] += key
    seen: set[tuple[int, ...]] = set()
    out = Release([], [], _links(network, atoms), len(atoms))
    groups = [(0, tuple(range(network.dims[0])))]  # the total first, then each value
    groups += [(d, (v,)) for d, k in enumerate(network.dims) for v in range(k)]
    for scope, period in product(network.scopes(), network.periods()):
        for d, values in groups:
            cell = tuple(atoms[d, m, t, v] for m in scope for t in period for v in values)
            if cell in seen:
                continue
            seen.add(cell)
            n = sum(count[a] for a in cell)
            out.cells.append(PublishedCell(cell, table.publish(n, sum(keys[a] for a in cell))))
            out.true.append(n)
    return out


def _links(network: Network, atoms: dict[tuple[int, int, int, int], int]) -> list[Link]:
    """Every breakdown splits the same records of an MRC and month as the first one."""
    def split(d: int, m: int, t: int) -> tuple[int, ...]:
        return tuple(atoms[d, m, t, v] for v in range(network.dims[d]))

    return [Link(split(d, m, t), split(0, m, t))
            for d in range(1, len(network.dims))
            for m, t in product(range(network.n_mrcs), range(network.months))]

"""Disclosure control across releases (#11): the attack at scale, and what the cell key
method costs in accuracy.

``python -m benchmarks.bench_disclosure [--database-url URL] [--clients N] [--year Y]
[--skip-attack] [--output FILE | -]``

1. **The attack at scale** (no database): synthetic networks
   (:mod:`mrc.privacy.attacker.synthetic`) publish every table of every scope and period;
   :func:`mrc.privacy.attacker.releases.attack` works on all of it at once. Reported: cells
   published, small true cells attacked, how many were narrowed below the threshold or
   recovered exactly (target 0), the narrowest interval, the time.
2. **Utility** on the demo (a private PostgreSQL, or ``--database-url``; ``--clients``,
   default 30,000, loaded unless the database has clients): every scope a supervisor can
   hold × every month, quarter and the year ``--year`` (default: last year) × every
   breakdown; each count of people or sessions published with the cell key method against
   its true value (the same request with nothing hidden), by level of the hierarchy, and the
   headline rates computed from published counts against the true rates.

A section is appended to ``benchmarks/RESULTS.md`` (or printed, ``--output -``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from benchmarks.harness import demo_app, machine, markdown_table
from mrc.privacy.attacker import releases, synthetic
from mrc.privacy.cellkey import perturbation_table

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
THRESHOLD = 5
NETWORKS = [  # label, network, records, seeds
    ("6 MRCs, calendar periods, 3 breakdowns", synthetic.Network(), 3000, (1, 2, 3)),
    ("6 MRCs, every run of months, 4 breakdowns",
     synthetic.Network(dims=(2, 4, 5, 3), every_range=True), 6000, (1, 2, 3)),
    ("9 MRCs, every run of months, 5 breakdowns",
     synthetic.Network((3, 3, 3), dims=(2, 4, 5, 3, 6), every_range=True), 12000, (1,)),
]
LEVELS = {0: "whole scope", 1: "region", 2: "country", 3: "MRC"}


def attack_rows() -> Iterator[list[str]]:
    table = perturbation_table(THRESHOLD)
    for label, network, records, seeds in NETWORKS:
        for seed in seeds:
            release = synthetic.release(network, records, table, seed)
            targets = release.small(THRESHOLD)
            started = time.perf_counter()
            found = releases.attack(release.cells, release.n_atoms, table, targets, THRESHOLD,
                                    release.links)
            seconds = time.perf_counter() - started
            narrow = [f for f in found if f.width < THRESHOLD - releases.TOLERANCE]
            exact = [f for f in narrow if f.width < releases.TOLERANCE]
            yield [label, str(seed), f"{len(release.cells):,}", f"{release.n_atoms:,}",
                   f"{len(targets):,}", str(len(narrow)), str(len(exact)),
                   f"{min(f.width for f in found):.0f}", f"{seconds:.0f}"]
            print(f"attack: {label}, seed {seed}: {len(release.cells)} cells, "
                  f"{len(targets)} targets, {len(narrow)} narrowed, {seconds:.0f} s", flush=True)


def keyed_tables() -> set[str]:
    """The tables the cell key method publishes (people and sessions, not outreach)."""
    from mrc.aggregates.indicators import INDICATORS, Measure
    from mrc.aggregates.models import LeafletMonth, OutreachMonth

    out: set[str] = set()
    for spec in INDICATORS:
        if not any(isinstance(b.source, Measure) and b.source.model in (OutreachMonth, LeafletMonth)
                   for b in spec.blocks):
            out |= {b.key for b in spec.blocks} | {r[0] for r in spec.rates}
    return out


class Utility:
    """Published against true, once per cell (a cell: period, table, breakdown, MRCs,
    column), by the level of its MRCs."""

    def __init__(self) -> None:
        self.errors: dict[str, list[int]] = defaultdict(list)  # level -> published - true
        self.rates: dict[str, list[float]] = defaultdict(list)  # level -> |points|
        self.headline: dict[str, tuple[Any, Any]] = {}  # rate -> (published, true)
        self.true: dict[str, list[int]] = defaultdict(list)
        self.seen: set[tuple[Any, ...]] = set()

    def add(self, cell: tuple[Any, ...], level: str, kind: str, published: Any,
            true: Any) -> None:
        if cell in self.seen or published is None or true is None:
            return
        self.seen.add(cell)
        if kind == "count":
            self.errors[level].append(int(published) - int(true))
            self.true[level].append(int(true))
        elif kind == "percent":
            self.rates[level].append(abs(published - true))


def utility(app: Any, year: int) -> tuple[Utility, int]:
    from mrc.aggregates import periods, services
    from mrc.aggregates.breakdowns import BREAKDOWNS
    from tests.aggregates.scopes import row_mrcs, scopes_by_level

    keyed = keyed_tables()
    out = Utility()
    requests = 0
    calendar = ([periods.month(year, m) for m in range(1, 13)]
                + [periods.quarter(year, q) for q in range(1, 5)] + [periods.year(year)])
    scopes = list(scopes_by_level())
    level_of = {tuple(ids): level for level, ids in scopes}
    for _level, mrc_ids in reversed(scopes):
        mrcs = row_mrcs(mrc_ids)
        for period in calendar:
            for breakdown in BREAKDOWNS:
                views = []
                for method, threshold in (("cellkey", THRESHOLD), ("suppression", 1)):
                    app.config["MRC_DISCLOSURE_METHOD"] = method
                    views.append(services.indicator_tables(mrc_ids, period, breakdown,
                                                           threshold=threshold))
                requests += 1
                for p, t in zip(*views, strict=True):
                    if p.key not in keyed:
                        continue
                    for r, row in enumerate(p.rows):
                        for c, (column, _l) in enumerate(p.columns):
                            ids = tuple(sorted(mrcs[row.key]))
                            out.add((period.code, p.key, breakdown, ids, column), level_of[ids],
                                    p.kind, p.cells[r][c], t.cells[r][c])
                            if (level_of[ids] == "network" and column == "" and
                                    p.kind == "percent" and period.code == str(year)):
                                out.headline[p.key] = (p.cells[r][c], t.cells[r][c])
    app.config["MRC_DISCLOSURE_METHOD"] = "suppression"
    return out, requests


def _relative(errors: list[int], true: list[int], at_least: int) -> str:
    shares = [abs(e) / n for e, n in zip(errors, true, strict=True) if n >= at_least]
    return f"{100 * statistics.fmean(shares):.1f} %" if shares else "–"


def utility_rows(result: Utility) -> list[list[str]]:
    from tests.aggregates.scopes import LEVELS

    rows = []
    for level in (lv for lv in LEVELS if lv in result.errors):
        errors, true = result.errors[level], result.true[level]
        rates = result.rates.get(level, [])
        rows.append([level, f"{len(errors):,}", f"{statistics.fmean(abs(e) for e in errors):.2f}",
                     _relative(errors, true, 1), _relative(errors, true, 20),
                     f"{100 * sum(1 for e in errors if e) / len(errors):.0f} %",
                     str(max(abs(e) for e in errors)),
                     f"{statistics.fmean(rates):.1f}" if rates else "–"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--clients", type=int, default=30_000)
    parser.add_argument("--year", type=int, default=date.today().year - 1)
    parser.add_argument("--skip-attack", action="store_true")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args()
    info = machine()
    attack = [] if args.skip_attack else list(attack_rows())
    with ExitStack() as stack:
        app = demo_app(stack, args.database_url, f"mrc_bench_disclosure_{args.clients}",
                       args.clients)
        with app.app_context():
            started = time.perf_counter()
            result, requests = utility(app, args.year)
            utility_s = time.perf_counter() - started
    text = section(info, args, attack, result, requests, utility_s)
    if args.output == "-":
        print(text)
        return
    with Path(args.output).open("a", encoding="utf-8") as out:
        out.write(text)
    print(text)


def section(info: dict[str, Any], args: argparse.Namespace, attack: list[list[str]],
            result: Utility, requests: int, utility_s: float) -> str:
    head = (f"\n## Disclosure control across releases (#11), "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
            f"Machine: {info.get('cpu', '?')}, {info['nproc']} cores, Python {info['python']}; "
            f"load average at start {info.get('load', '?')}. Threshold {THRESHOLD}, the cell "
            "key table of `mrc/privacy/cellkey.py` (moves up to 12, standard deviation 1.2).\n")
    parts = [head]
    if attack:
        parts += ["\n**The attack at scale** (`mrc/privacy/attacker/releases.py` on everything "
                  "`mrc/privacy/attacker/synthetic.py` publishes: each MRC, country and the "
                  "region × every period × every breakdown; one linear programme over all "
                  "published cells; target: none narrowed, none recovered):\n\n",
                  markdown_table(["network", "seed", "cells published", "atoms",
                                  "small cells attacked", "narrower than 5", "recovered",
                                  "narrowest width", "seconds"], attack), "\n"]
    headline = [[key, f"{p:.1f}", f"{t:.1f}", f"{abs(p - t):.2f}"]
                for key, (p, t) in sorted(result.headline.items())
                if isinstance(p, float) and isinstance(t, float)]
    parts += [f"\n**Utility** on the demo ({args.clients:,} clients, seed 1), year {args.year}: "
              f"{requests:,} requests (each scope × 12 months, 4 quarters and the year × 8 "
              f"breakdowns) in {utility_s:.0f} s; every count of people or sessions the cell "
              "key method publishes, once per cell, against its true value, by the level of "
              "the cell's MRCs (a country of one MRC counts as an MRC); rates computed from "
              "published counts against true rates, in percentage points:\n\n",
              markdown_table(["level", "cells", "mean absolute error", "mean relative error",
                              "… of cells of 20 or more", "cells moved", "largest move",
                              "rates: mean abs. difference"], utility_rows(result)),
              "\n\nHeadline rates of the whole network over the year (%):\n\n",
              markdown_table(["rate", "published", "true", "difference"], headline), "\n"]
    return "".join(parts)


if __name__ == "__main__":
    main()

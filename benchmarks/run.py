"""``make bench``: performance at demo scale and at ministry scale, on PostgreSQL.

``python -m benchmarks.run [--sizes 3000 300000] [--requests 200] [--output FILE]``

Starts a private PostgreSQL server (as the test suite does), and for each size: creates a
fresh database, migrates it, loads ``mrc demo`` with that many clients (timed), and runs
every benchmark section against it. The report (machine, date, command, tables, and the
ratio of the largest to the smallest size) is written to ``benchmarks/RESULTS.md``.

A section is a module with ``TITLE`` and ``run(app, size, options) -> SectionResult``
(see ``benchmarks.harness``); add its name to ``SECTIONS`` to include it.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text

from benchmarks.harness import (
    Measurement,
    SectionResult,
    app_on_database,
    fmt_ms,
    load_demo_timed,
    machine,
    markdown_table,
    postgres_version,
    vacuum_analyze,
)
from mrc.demo.commands import _Progress
from mrc.demo.services import DemoResult
from mrc.extensions import db
from tests.services import extra_database, postgres_server

SECTIONS = ("benchmarks.cases", "benchmarks.bench_api")
TARGET_P95_MS = 100.0
GROWTH_LIMIT = 1.5  # p95 ratio largest/smallest size above which a request is flagged
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "RESULTS.md"


@dataclass
class SizeRun:
    size: int
    load: DemoResult
    load_seconds: float  # including the commit
    vacuum_seconds: float
    database_bytes: int
    sections: dict[str, SectionResult]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 300_000],
                        help="numbers of demo clients, smallest first")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per kind")
    parser.add_argument("--passes", type=int, default=2,
                        help="alternating measurement passes over the sizes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS))
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    return parser.parse_args(argv)


def load_size(stack: ExitStack, base_url: str, size: int,
              options: argparse.Namespace) -> tuple[Flask, SizeRun]:
    """A fresh database with the demo at ``size`` clients (kept until the stack closes)."""
    print(f"\n== {size:,} clients ==", flush=True)
    url = stack.enter_context(extra_database(base_url, f"mrc_bench_{size}"))
    app = stack.enter_context(app_on_database(url))
    with app.app_context():
        result, load_seconds = load_demo_timed(options.seed, size, progress=_Progress())
        database_bytes = int(db.session.scalar(
            text("SELECT pg_database_size(current_database())")) or 0)
        vacuum_seconds = vacuum_analyze()
    print(f"demo loaded: {result.rows:,} rows in {load_seconds:.1f} s "
          f"(then VACUUM ANALYZE {vacuum_seconds:.1f} s)", flush=True)
    options.pg_version = postgres_version(app)
    return app, SizeRun(size, result, load_seconds, vacuum_seconds, database_bytes, {})


def run_sections(app: Flask, run: SizeRun, options: argparse.Namespace) -> None:
    """Run every section once on ``app`` and merge its samples into ``run``."""
    for name in options.sections:
        module: Any = importlib.import_module(name)
        print(f"-- {short(run.size)}, pass {options.pass_no + 1}: {module.TITLE}", flush=True)
        result: SectionResult = module.run(app, run.size, options)
        for m in result.measurements:
            print(f"   {m.name:<30} p50 {fmt_ms(m.p50):>7} ms  p95 {fmt_ms(m.p95):>7} ms"
                  f"  ({m.how}{', failures: ' + str(m.failures) if m.failures else ''})",
                  flush=True)
        if name not in run.sections:
            run.sections[name] = result
            continue
        merged = run.sections[name]
        for into, more in zip(merged.measurements, result.measurements, strict=True):
            into.samples += more.samples
            into.failures += more.failures
        merged.notes += [n for n in result.notes if n not in merged.notes]


def short(size: int) -> str:
    """300000 → 300k, 3000 → 3k, 250 → 250."""
    return f"{size // 1000}k" if size >= 1000 and size % 1000 == 0 else str(size)


def target(m: Measurement) -> float:
    """The p95 the request should stay under, in milliseconds."""
    return m.target_ms if m.target_ms is not None else TARGET_P95_MS


def render(runs: list[SizeRun], options: argparse.Namespace, info: dict[str, str],
           argv: list[str], total_seconds: float) -> str:
    small, large = runs[0], runs[-1]
    out = [
        "# Benchmark results",
        "",
        f"Generated by `{shlex.join(['python', '-m', 'benchmarks.run', *argv])}` "
        f"(`make bench`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"whole run {total_seconds / 60:.1f} min.",
        "",
        "## Machine",
        "",
        markdown_table(["", ""], [
            ["CPU", info.get("cpu", "?")], ["nproc", info["nproc"]],
            ["memory", info.get("memory", "?")], ["load average at start", info.get("load", "?")],
            ["Python", info["python"]], ["PostgreSQL", getattr(options, "pg_version", "?")],
            ["OS", info["os"]]]),
        "",
        "PostgreSQL is a private server started by the benchmark with the test suite's "
        "settings (`fsync=off`, `synchronous_commit=off`, default `shared_buffers`), on "
        "the same machine as the application: writes are cheaper than on a durable "
        "production server, reads are comparable.",
        "",
        f"## Demo load (`mrc demo --seed {options.seed} --clients N`)",
        "",
        markdown_table(
            ["clients", "sessions", "follow-ups", "attempts", "rows", "load + commit (s)",
             "rows/s", "database size", "then VACUUM ANALYZE (s)"],
            [[f"{r.size:,}", f"{r.load.sessions:,}", f"{r.load.followups:,}",
              f"{r.load.attempts:,}", f"{r.load.rows:,}", f"{r.load_seconds:.1f}",
              f"{r.load.rows / r.load_seconds:,.0f}", f"{r.database_bytes / 2**20:,.0f} MiB",
              f"{r.vacuum_seconds:.1f}"]
             for r in runs]),
        "",
        "The load is one transaction: users, then clients, sessions, follow-ups and attempts "
        "by COPY in chunks of 20,000 clients, id sequences moved, ANALYZE, commit. "
        "After it the benchmark runs VACUUM ANALYZE (what autovacuum soon does on a live "
        "server), timed apart.",
        "",
    ]
    for name in options.sections:
        title = small.sections[name].title
        out += [f"## {title}", ""]
        targets = {target(m) for m in large.sections[name].measurements}
        uniform = len(targets) == 1
        rows = []
        for i, m in enumerate(small.sections[name].measurements):
            big = large.sections[name].measurements[i]
            cells = [m.name, f"`{big.how}`"]
            for r in runs:
                mm = r.sections[name].measurements[i]
                cells += [fmt_ms(mm.p50), fmt_ms(mm.p95)]
            ratio50 = big.p50 / m.p50 if m.p50 else float("nan")
            ratio95 = big.p95 / m.p95 if m.p95 else float("nan")
            ok = "yes" if big.p95 < target(big) and not big.failures else "**no**"
            if not uniform:
                ok += f" (< {target(big):.0f} ms)"
            cells += [f"{ratio50:.2f}", f"{ratio95:.2f}", ok]
            rows.append(cells)
        headers = ["request", "how"]
        for r in runs:
            headers += [f"{r.size:,}: p50 ms", f"{r.size:,}: p95 ms"]
        ratio = f"{short(large.size)}/{short(small.size)}"
        headers += [f"ratio p50 {ratio}", f"ratio p95 {ratio}",
                    f"p95 < {min(targets):.0f} ms" if uniform else "p95 target met"]
        out += [markdown_table(headers, rows), ""]
        out += [f"{options.requests} timed requests of each kind per size (in {options.passes} "
                "passes alternating between the sizes, each after a warm-up), each on a "
                "different randomly chosen client; wall time through the Flask test client "
                "(routing, forms, queries, templates, audit rows, commit; no network)."]
        notes: list[str] = []
        for r in runs:
            notes += [n for n in r.sections[name].notes if n not in notes]
            failures = sum(m.failures for m in r.sections[name].measurements)
            if failures:
                notes.append(f"{r.size:,} clients: {failures} requests gave an unexpected "
                             "response")
        slow = [m.name for m in large.sections[name].measurements
                if not m.p95 < target(m)]
        growing = [m.name for i, m in enumerate(large.sections[name].measurements)
                   if m.p95 > GROWTH_LIMIT * small.sections[name].measurements[i].p95]
        if slow:
            notes.append(f"p95 above {'its target' if not uniform else f'{min(targets):.0f} ms'}"
                         f" at {large.size:,} clients: "
                         + ", ".join(slow))
        if growing:
            notes.append(f"p95 more than {GROWTH_LIMIT}× higher at {large.size:,} than at "
                         f"{small.size:,} clients: " + ", ".join(growing))
        out += [f"- {note}" for note in notes]
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    options = parse_args(argv)
    options.sizes = sorted(options.sizes)
    info = machine()
    started = time.perf_counter()
    runs: list[SizeRun] = []
    with postgres_server() as base_url, ExitStack() as stack:
        apps = []
        for size in options.sizes:
            app, run = load_size(stack, base_url, size, options)
            apps.append(app)
            runs.append(run)
        # The sizes are measured in alternating passes (small→large, large→small, …) so
        # that a change in the machine's load during the run affects every size alike.
        total_requests = options.requests
        options.requests = max(1, total_requests // options.passes)
        for pass_no in range(options.passes):
            options.pass_no = pass_no
            order = list(range(len(runs)))
            for i in order if pass_no % 2 == 0 else reversed(order):
                run_sections(apps[i], runs[i], options)
        options.requests = options.requests * options.passes
    report = render(runs, options, info, argv, time.perf_counter() - started)
    options.output.write_text(report + "\n", encoding="utf-8")
    print("\n" + report)
    print(f"\nWritten to {options.output}")


if __name__ == "__main__":
    main()

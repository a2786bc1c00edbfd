"""Saving a session: the application's CPU time per save (issue #16).

``python -m benchmarks.bench_save --database-url URL [--saves N] [--rounds R]
[--encryption-key KEY] [--output FILE | -]``

On a PostgreSQL database that already holds a demo (load one with
``benchmarks.bench_dashboard --database-url URL`` or ``mrc demo``; the instance directory
must hold the key the demo was encrypted with), the demo counsellor of PK-ISB saves a
complete session for ``N`` random clients of the MRC (``POST
/cases/clients/<id>/sessions/new`` through the Flask test client, CSRF off), ``R`` rounds.
Each save's ``time.process_time()`` is the app's CPU (rendering, SQLAlchemy, psycopg, the
summary deltas), without the database server's own time. The figure per round is the
median and p95; the rounds show the noise. Beside it: the wall time per save (p50, the
app and the database on loopback) and the database server's CPU per save (the mean over the
round, from ``/proc`` for the ``postgres`` processes of this machine: their clock ticks
are too coarse for one save). Compare two checkouts by running this with each on the same
database, alternately.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from benchmarks.cases import _Inputs, _login, session_form
from benchmarks.harness import app_on_database, machine


def postgres_cpu_s() -> float | None:
    """CPU seconds used so far by this machine's ``postgres`` processes (None off Linux)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended
        name, _, rest = text.partition(") ")
        if name.endswith("(postgres"):
            fields = rest.split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Round:
    cpu_ms: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)
    db_cpu_ms: float | None = None  # mean per save


def save_round(url: str, saves: int, seed: int, keys: str | None = None) -> Round:
    """App CPU and wall milliseconds of each of ``saves`` session saves (after five untimed),
    and the database's CPU per save."""
    warmup = 5
    result = Round()
    with app_on_database(url, keys) as app:
        inputs = _Inputs(app, saves + warmup, seed=seed)
        http = _login(app)
        form = session_form(date.today())
        db_started: float | None = None
        for i, client_id in enumerate(inputs.client_ids[:saves + warmup]):
            if i == warmup:
                db_started = postgres_cpu_s()
            started, wall = time.process_time(), time.perf_counter()
            response = http.post(f"/cases/clients/{client_id}/sessions/new", data=form)
            spent, wall = time.process_time() - started, time.perf_counter() - wall
            if response.status_code != 302:
                raise RuntimeError(f"save failed with HTTP {response.status_code}")
            if i >= warmup:
                result.cpu_ms.append(spent * 1000)
                result.wall_ms.append(wall * 1000)
        db_ended = postgres_cpu_s()
        if db_started is not None and db_ended is not None:
            result.db_cpu_ms = (db_ended - db_started) * 1000 / saves
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_save")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--encryption-key", default=None,
                        help="the key the demo was encrypted with (a bench_load database: "
                             "its BENCH_ENCRYPTION_KEY)")
    parser.add_argument("--output", default="benchmarks/RESULTS.md")
    options = parser.parse_args()
    info = machine()
    rows = []
    rng = random.Random()
    for round_no in range(1, options.rounds + 1):
        result = save_round(options.database_url, options.saves, rng.randrange(10**6),
                            options.encryption_key)
        times = sorted(result.cpu_ms)
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        db_cpu = "n/a" if result.db_cpu_ms is None else f"{result.db_cpu_ms:.1f}"
        rows.append(f"| {round_no} | {options.saves} | {statistics.median(times):.1f} "
                    f"| {p95:.1f} | {statistics.median(result.wall_ms):.1f} | {db_cpu} |")
    section = [
        f"\n## Save a session: app CPU ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"Machine: {info.get('cpu', '?')}, {info['nproc']} CPUs, {info.get('memory', '?')}, "
        f"load average at start {info.get('load', '?')}. `POST "
        "/cases/clients/<id>/sessions/new` as counsellor-pk-isb, `time.process_time()` "
        "per save (the app's CPU, not the database's); wall time per save; the `postgres` "
        "processes' CPU per save (mean).",
        "",
        "| round | saves | CPU p50 ms | CPU p95 ms | wall p50 ms | database CPU ms/save |",
        "|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]
    text = "\n".join(section) + "\n"
    print(text)
    if options.output != "-":
        with Path(options.output).open("a", encoding="utf-8") as out:
            out.write(text)


if __name__ == "__main__":
    main()

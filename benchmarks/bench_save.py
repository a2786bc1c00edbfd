"""Saving a session: the application's CPU time per save (issue #16).

``python -m benchmarks.bench_save --database-url URL [--saves N] [--rounds R] [--output FILE | -]``

On a PostgreSQL database that already holds a demo (load one with
``benchmarks.bench_dashboard --database-url URL`` or ``mrc demo``; the instance directory
must hold the key the demo was encrypted with), the demo counsellor of PK-ISB saves a
complete session for ``N`` random clients of the MRC (``POST
/cases/clients/<id>/sessions/new`` through the Flask test client, CSRF off), ``R`` rounds.
Each save's ``time.process_time()`` is the app's CPU (rendering, SQLAlchemy, psycopg, the
summary deltas), without the database server's own time. The figure per round is the
median and p95; the rounds show the noise. Compare two checkouts by running this with
each on the same database, alternately.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date
from pathlib import Path

from benchmarks.cases import _Inputs, _login, session_form
from benchmarks.harness import app_on_database, machine


def save_cpu_ms(url: str, saves: int, seed: int) -> list[float]:
    """CPU milliseconds of each of ``saves`` session saves (after five untimed)."""
    warmup = 5
    with app_on_database(url) as app:
        inputs = _Inputs(app, saves + warmup, seed=seed)
        http = _login(app)
        form = session_form(date.today())
        times = []
        for i, client_id in enumerate(inputs.client_ids[:saves + warmup]):
            started = time.process_time()
            response = http.post(f"/cases/clients/{client_id}/sessions/new", data=form)
            spent = time.process_time() - started
            if response.status_code != 302:
                raise RuntimeError(f"save failed with HTTP {response.status_code}")
            if i >= warmup:
                times.append(spent * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_save")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", default="benchmarks/RESULTS.md")
    options = parser.parse_args()
    info = machine()
    rows = []
    rng = random.Random()
    for round_no in range(1, options.rounds + 1):
        times = sorted(save_cpu_ms(options.database_url, options.saves, rng.randrange(10**6)))
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        rows.append(f"| {round_no} | {options.saves} | {statistics.median(times):.1f} "
                    f"| {p95:.1f} |")
    section = [
        f"\n## Save a session: app CPU ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"Machine: {info.get('cpu', '?')}, {info['nproc']} CPUs, {info.get('memory', '?')}, "
        f"load average at start {info.get('load', '?')}. `POST "
        "/cases/clients/<id>/sessions/new` as counsellor-pk-isb, `time.process_time()` "
        "per save (the app's CPU, not the database's).",
        "",
        "| round | saves | CPU p50 ms | CPU p95 ms |",
        "|---:|---:|---:|---:|",
        *rows,
    ]
    text = "\n".join(section) + "\n"
    print(text)
    if options.output != "-":
        with Path(options.output).open("a", encoding="utf-8") as out:
            out.write(text)


if __name__ == "__main__":
    main()

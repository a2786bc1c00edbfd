"""The weekly signal run (issue #12): scoring every unit of the network for one week.

``python -m benchmarks.bench_signals [--database-url URL] [--clients N] [--rounds R]
[--output FILE | -]``

On a private PostgreSQL server it starts (or on ``--database-url``), with the demo of
``--clients`` clients loaded unless the database holds one already (default 300,000), runs
what ``mrc signals run --scope all`` runs: the weekly counts of 79 weeks for every MRC,
country and region, the scores, and the protection of what is published. Each round is
timed apart (read, score, publish; wall seconds) and with the process's peak memory; the
target is under 10 s for all units on the 300,000-client demo.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path

from benchmarks.harness import demo_app, machine, markdown_table


def run_round() -> tuple[float, float, float, int, int]:
    from sqlalchemy import select

    from mrc.aggregates.hierarchy import org
    from mrc.org.models import MRC
    from mrc.trends import detect, services, weekly

    scope = org(select(MRC.id))  # every MRC of the network
    week = weekly.last_complete_week(date.today())
    started = time.perf_counter()
    series = weekly.load(scope, week, services.HISTORY_WEEKS)
    read = time.perf_counter()
    scores = detect.score(series.x, series.n)
    scored = time.perf_counter()
    shown = services.publish(services.signals_of(series, scores))
    published = time.perf_counter()
    return read - started, scored - read, published - scored, len(series.keys), len(shown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--clients", type=int, default=300_000,
                        help="demo size, loaded when the database holds none")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", default="benchmarks/RESULTS.md")
    args = parser.parse_args()
    with ExitStack() as stack:
        app = demo_app(stack, args.database_url, f"mrc_bench_signals_{args.clients}",
                       args.clients)
        database = str(app.config["SQLALCHEMY_DATABASE_URI"]).split("://")[0]
        with app.app_context():
            rounds = [run_round() for _ in range(args.rounds)]
    if not rounds or rounds[0][3] == 0:
        raise SystemExit("no sessions in the last 79 weeks: load a demo (--clients N) first")
    totals = [sum(r[:3]) for r in rounds]
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    info = machine()
    rows = [[i + 1, f"{r[0]:.2f}", f"{r[1]:.2f}", f"{r[2]:.2f}", f"{sum(r[:3]):.2f}", r[3], r[4]]
            for i, r in enumerate(rounds)]
    text = (f"\n## Weekly signal run (#12), {date.today().isoformat()}\n\n"
            f"Machine: {info.get('cpu', '?')}, {info['nproc']} cores, Python {info['python']}; "
            f"database `{database}`; all units, one week, 79 weeks "
            f"read. Median {statistics.median(totals):.2f} s (target < 10 s); peak memory "
            f"{peak_mib:.0f} MiB.\n\n"
            + markdown_table(["round", "read (s)", "score (s)", "publish (s)", "total (s)",
                              "series", "published signals"], rows) + "\n")
    if args.output == "-":
        print(text)
    else:
        with Path(args.output).open("a", encoding="utf-8") as out:
            out.write(text)
        print(text)


if __name__ == "__main__":
    main()

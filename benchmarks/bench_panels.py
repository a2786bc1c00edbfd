"""Benchmark of the panel export on PostgreSQL with the demo (default 300k clients).

``python -m benchmarks.bench_panels [--clients 300000] [--k 5] [--seed 1]`` starts a
private PostgreSQL server, loads ``mrc demo``, then exports the full long panel (every
MRC, every baseline, both follow-up waves, every variable, all four formats) exactly as
the ``panel_export`` job does, and prints a Markdown section (appended to
``benchmarks/RESULTS.md`` by ``make bench``): wall time and peak resident memory of each
stage (query, anonymise, each writer, documents, zip), the whole export against the
< 30 s / < 1 GB target, and the ratio to bare writes of a same-size frame (the synthetic
panel of ``benchmarks.bench_kanonymity``, written without labels to the same formats).

Peak memory is the process's resident set size sampled every 10 ms by a thread (it
includes the interpreter, the app and the libraries), so a stage's figure is the highest
the process reached during it; ``ru_maxrss`` gives the whole run's high-water mark.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyreadstat
from sqlalchemy import select

from benchmarks.bench_kanonymity import synthetic_panel
from benchmarks.harness import (
    app_on_database,
    load_demo_timed,
    machine,
    markdown_table,
    postgres_version,
    vacuum_analyze,
)
from mrc.extensions import db
from mrc.org.models import MRC
from mrc.panels import services
from mrc.privacy.pseudonyms import new_study_key
from tests.services import extra_database, postgres_server

TARGET_SECONDS = 30.0
TARGET_BYTES = 1 << 30


def _rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize()


class Sampler:
    """Samples the resident set size in a thread; ``stage(name)`` records the wall time
    and the peak RSS of a block."""

    def __init__(self) -> None:
        self.peak = _rss()
        self.stages: dict[str, tuple[float, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _rss())

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.peak = _rss()
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.peak = max(self.peak, _rss())
            self.stages[name] = (elapsed, self.peak)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def bare_writes(rows_wanted: int, directory: Path) -> dict[str, float]:
    """Times of writing a synthetic frame of about the same number of rows to CSV, .dta,
    .sav and Parquet, with no labels: the floor the export is compared with."""
    frame = synthetic_panel(max(1, rows_wanted // 3), 3)
    times: dict[str, float] = {"rows": float(len(frame)), "columns": float(frame.shape[1])}
    for name, write in (
        ("csv", lambda p: frame.to_csv(p, index=False)),
        ("dta", lambda p: pyreadstat.write_dta(frame, str(p))),
        ("sav", lambda p: pyreadstat.write_sav(frame, str(p))),
        ("parquet", lambda p: frame.to_parquet(p, index=False)),
    ):
        started = time.perf_counter()
        write(directory / f"bare.{name}")
        times[name] = time.perf_counter() - started
    return times


def run(clients: int, k: int, seed: int) -> str:
    info = machine()
    with postgres_server() as base_url, \
            extra_database(base_url, f"mrc_bench_panels_{clients}") as url, \
            app_on_database(url) as app, app.app_context():
        demo, load_seconds = load_demo_timed(seed, clients)
        vacuum_analyze()
        pg = postgres_version(app)
        mrc_ids = list(db.session.scalars(select(MRC.id)))
        spec = services.adhoc_spec(mrc_ids, None, None, name="Benchmark", k=k)
        db.session.commit()
        sampler = Sampler()
        with tempfile.TemporaryDirectory(prefix="mrc-bench-panels-") as tmp:
            total_started = time.perf_counter()
            summary = services.export_zip(spec, new_study_key(), Path(tmp) / "panel.zip",
                                          stage=sampler.stage)
            total = time.perf_counter() - total_started
            sampler.stop()
            zip_bytes = (Path(tmp) / "panel.zip").stat().st_size
            with zipfile.ZipFile(Path(tmp) / "panel.zip") as archive:
                sizes = {i.filename: i.file_size for i in archive.infolist()}
            bare = bare_writes(summary.rows, Path(tmp))
        max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return render(info, pg, clients, demo, load_seconds, spec, summary, sampler, total,
                  zip_bytes, sizes, bare, max_rss)


def render(info: dict[str, str], pg: str, clients: int, demo: Any, load_seconds: float,
           spec: Any, summary: services.ExportSummary, sampler: Sampler, total: float,
           zip_bytes: int, sizes: dict[str, int], bare: dict[str, float], max_rss: int) -> str:
    report = summary.report
    writers = [s for s in ("csv", "dta", "sav", "parquet") if s in sampler.stages]
    bare_total = sum(bare[s] for s in ("csv", "dta", "sav", "parquet"))
    rows = [[name, f"{seconds:.2f}", f"{peak / 2**20:,.0f}"]
            for name, (seconds, peak) in sampler.stages.items()]
    export_peak = max(peak for _, peak in sampler.stages.values())
    rows.append(["**whole export**", f"**{total:.2f}**", f"**{export_peak / 2**20:,.0f}**"])
    ok_time = "yes" if total < TARGET_SECONDS else "**no**"
    ok_memory = "yes" if export_peak < TARGET_BYTES else "**no**"
    recoded = ", ".join(r.describe() for r in report.recodings if r.generalised) or "none"
    lines = [
        "## Panel export (evaluators)",
        "",
        f"`python -m benchmarks.bench_panels --clients {clients} --k {spec.k}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {info.get('cpu', '?')}, "
        f"{info['nproc']} CPUs, {info.get('memory', '?')}; PostgreSQL {pg}; "
        f"demo {clients:,} clients, {demo.sessions:,} sessions, {demo.followups:,} "
        f"follow-ups (loaded in {load_seconds:.0f} s, not counted).",
        "",
        f"Full long panel: every MRC, baselines {spec.period_start} to {spec.period_end}, "
        f"waves 0, {', '.join(map(str, spec.waves))}, every covariate and outcome, "
        f"k = {spec.k}, formats {', '.join(spec.formats)}: {summary.persons:,} persons, "
        f"{summary.rows:,} rows, zip {zip_bytes / 2**20:,.1f} MiB.",
        "",
        markdown_table(["stage", "seconds", "peak RSS (MiB)"], rows),
        "",
        f"- target < {TARGET_SECONDS:.0f} s: {ok_time}; peak memory < 1 GiB: {ok_memory} "
        f"(process high-water mark over the whole run, demo load included: "
        f"{max_rss / 2**20:,.0f} MiB)",
        f"- writers {sum(sampler.stages[s][0] for s in writers):.2f} s vs bare writes of a "
        f"{int(bare['rows']):,}-row × {int(bare['columns'])}-column synthetic frame "
        f"{bare_total:.2f} s (csv {bare['csv']:.2f}, dta {bare['dta']:.2f}, sav "
        f"{bare['sav']:.2f}, parquet {bare['parquet']:.2f}): ratio writers/bare "
        f"{sum(sampler.stages[s][0] for s in writers) / bare_total:.2f}, whole export/bare "
        f"{total / bare_total:.2f}",
        f"- k reached **{report.k_reached}**; recoding: {recoded}; persons suppressed "
        f"{report.persons_suppressed:,} ({report.persons_suppressed / max(1, report.persons_in):.2%}); "
        f"cells blanked {report.cells_blanked:,} for {report.persons_with_blanked_cells:,} "
        f"persons; equivalence classes {report.equivalence_classes:,}; information loss "
        f"{report.information_loss:.3f}",
        "- file sizes: " + ", ".join(f"{n} {s / 2**20:,.1f} MiB" for n, s in sorted(sizes.items())
                                     if n.startswith("panel.")) + " (uncompressed)",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=300_000)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(run(args.clients, args.k, args.seed))


if __name__ == "__main__":
    main()

"""Benchmark of rendering the leaflet library to PDF (WeasyPrint).

``python -m benchmarks.bench_leaflets [--processes 1 2] [--quick]`` prints a Markdown
section: the time to render the whole library (every leaflet × language × A5 and A4;
8 × 7 × 2 = 112 PDFs today) with one worker process (serial) and with two, seconds per
PDF, and the peak resident memory (RSS) of a worker.

Workers are processes of a ``multiprocessing`` pool started with *spawn*
(``mrc.leaflets.render.render_in_processes``, also behind ``mrc leaflets render
--processes N``): each builds its own app, as an ``mrc worker`` does, and renders PDFs one
after another, so a pool of two behaves like two RQ workers sharing a queue, without Redis
in the measurement. The serial run uses a pool of one, so that its memory is measured in
a fresh process too. Wall times include starting the workers (about 2 s: importing
WeasyPrint and building the app); "per PDF" is the time inside a worker. WeasyPrint holds
the GIL while it lays out, so processes, not threads, are what scales.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import weasyprint

from mrc.leaflets import render

MRC = render.MrcDetails(code="PK-LHE", name="MRC Lahore", city="Lahore",
                        contact="Address: 12 Mall Road\nHotline: 0300 1234567\n"
                                "Hours: Mon-Fri 9:00-16:00")


@dataclass
class Run:
    processes: int
    pdfs: int
    wall: float
    per_pdf: list[float]
    peak_rss_kib: int  # the largest of the workers' peaks
    total_bytes: int
    by_language: dict[str, list[float]]


def render_library(processes: int, quick: bool) -> Run:
    specs = render.select_pdfs(["L01-regular-pathways"] if quick else None)
    with tempfile.TemporaryDirectory(prefix="bench-leaflets-") as tmp:
        started = time.perf_counter()
        results = render.render_in_processes(specs, MRC, Path(tmp), processes=processes,
                                             base_url="https://mrc.example.org")
        wall = time.perf_counter() - started
        total_bytes = sum(r.path.stat().st_size for r in results)
    by_language: dict[str, list[float]] = {}
    for result in results:
        lang = result.path.stem.split("_", 1)[1].rsplit("_", 1)[0]
        by_language.setdefault(lang, []).append(result.seconds)
    return Run(processes, len(results), wall, [r.seconds for r in results],
               max(r.worker_peak_rss_kib for r in results), total_bytes, by_language)


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def markdown(runs: list[Run], load_before: tuple[float, float, float]) -> str:
    serial = next((r for r in runs if r.processes == 1), runs[0])
    lines = [
        "## Leaflet PDFs",
        "",
        f"The whole leaflet library ({serial.pdfs} PDFs: leaflets × languages × A5/A4, with "
        "an MRC block and a QR code), rendered by WeasyPrint "
        f"{weasyprint.__version__} in a pool of worker processes (spawned; each builds its "
        "own app, like `mrc worker`). Wall time includes starting the workers; 'per PDF' "
        f"is measured inside a worker. Machine: {platform.machine()}, {os.cpu_count()} "
        f"CPU(s), Python {platform.python_version()}; load average before the run "
        f"{load_before[0]:.2f}.",
        "",
        "| workers | PDFs | wall (s) | PDFs/s | per PDF mean (s) | per PDF p95 (s) "
        "| start-up and overhead (s) | speed-up | peak RSS of a worker (MiB) | output (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.processes} | {r.pdfs} | {r.wall:.1f} | {r.pdfs / r.wall:.2f} "
            f"| {statistics.mean(r.per_pdf):.2f} | {_p95(r.per_pdf):.2f} "
            f"| {r.wall - sum(r.per_pdf) / r.processes:.1f} | {serial.wall / r.wall:.2f}× | {r.peak_rss_kib / 1024:.0f} "
            f"| {r.total_bytes / 2**20:.1f} |")
    lines += ["", "Mean seconds per PDF by language (serial run):", "",
              "| " + " | ".join(serial.by_language) + " |",
              "|" + "---:|" * len(serial.by_language),
              "| " + " | ".join(f"{statistics.mean(v):.2f}" for v in serial.by_language.values())
              + " |"]
    return "\n".join(lines) + "\n"


def run(processes: list[int], quick: bool = False) -> str:
    load_before = os.getloadavg()
    runs = [render_library(count, quick) for count in processes]
    return markdown(runs, load_before)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2],
                        help="worker counts to compare (the first 1 is the serial baseline)")
    parser.add_argument("--quick", action="store_true", help="one leaflet (14 PDFs) only")
    args = parser.parse_args(argv)
    print(run(args.processes, args.quick))


if __name__ == "__main__":
    main()

"""The benchmark harness: timings and their percentiles, the machine description, an app
on a fresh PostgreSQL database, and Markdown tables.

A benchmark *section* is a module with ``TITLE`` and ``run(app, size, options) ->
SectionResult``; ``benchmarks.run`` loads the demo at each size and calls every section
on it, then writes ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text

from mrc import create_app
from mrc.config import Config
from mrc.demo.services import DemoResult, load_demo
from mrc.extensions import db


@dataclass
class Measurement:
    """Wall-clock samples (seconds) of one operation."""

    name: str
    samples: list[float] = field(default_factory=list)
    how: str = ""  # e.g. "POST /cases/find" or "service find_by_code"
    failures: int = 0
    target_ms: float | None = None  # its p95 target; None: the report's default

    def percentile(self, q: float) -> float:
        """q-th percentile in milliseconds (nearest rank)."""
        ordered = sorted(self.samples)
        if not ordered:
            return float("nan")
        rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p95(self) -> float:
        return self.percentile(95)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples) * 1000 if self.samples else float("nan")

    @property
    def max(self) -> float:
        return max(self.samples) * 1000 if self.samples else float("nan")


@dataclass
class SectionResult:
    title: str
    measurements: list[Measurement]
    notes: list[str] = field(default_factory=list)


def timed(measurement: Measurement, action: Callable[[], bool], repeat: int,
          warmup: int = 0) -> Measurement:
    """Run ``action`` ``warmup`` times untimed, then ``repeat`` times timed. The action
    returns whether it did what was expected; unexpected outcomes are counted."""
    for _ in range(warmup):
        action()
    for _ in range(repeat):
        started = time.perf_counter()
        ok = action()
        measurement.samples.append(time.perf_counter() - started)
        if not ok:
            measurement.failures += 1
    return measurement


def machine() -> dict[str, str]:
    """nproc, memory and CPU model (from /proc), Python and OS."""
    info = {"nproc": str(os.cpu_count() or "?"), "python": platform.python_version(),
            "os": platform.platform()}
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal"):
                kib = int(line.split()[1])
                info["memory"] = f"{kib / 1024 / 1024:.1f} GiB"
                break
    with suppress(OSError):
        info["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return info


def postgres_version(app: Flask) -> str:
    with app.app_context():
        return str(db.session.execute(db.text("SHOW server_version")).scalar())


@contextmanager
def app_on_database(url: str, encryption_keys: str | None = None) -> Iterator[Flask]:
    """An app on ``url`` with the schema migrated; CSRF off (requests come from the
    benchmark, not a browser); ``encryption_keys``: those the data were written with (the
    development key if not given)."""
    from flask_migrate import upgrade

    keys = {"encryption_keys": encryption_keys} if encryption_keys else {}
    app = create_app(Config(database_url=url, extra={"WTF_CSRF_ENABLED": False}, **keys))
    with app.app_context():
        upgrade()
        db.session.remove()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def load_demo_timed(seed: int, clients: int, **options: Any) -> tuple[DemoResult, float]:
    """``mrc demo`` into the app's database, committed; with the seconds it took."""
    started = time.perf_counter()
    demo = load_demo(seed, clients, **options)
    db.session.commit()
    return demo, time.perf_counter() - started


def demo_app(stack: ExitStack, url: str | None, name: str, clients: int, seed: int = 1) -> Flask:
    """An app on ``url`` (``None``: on database ``name`` of a private PostgreSQL server that
    ``stack`` stops), holding the demo of ``clients`` clients (loaded if it has no client)."""
    from tests.services import extra_database, postgres_server

    if url is None:
        url = stack.enter_context(extra_database(stack.enter_context(postgres_server()), name))
    app = stack.enter_context(app_on_database(url))
    with app.app_context():
        load_demo_timed(seed, clients, if_empty=True)
    return app


def vacuum_analyze() -> float:
    """What autovacuum does soon after a bulk load on a live server (visibility map for
    index-only scans, fresh statistics); the seconds it took, timed apart from the load."""
    started = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))
    return time.perf_counter() - started


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def fmt_ms(value: float) -> str:
    return "n/a" if value != value else f"{value:.1f}"  # NaN check


class Stopwatch:
    """Seconds spent inside module functions, wrapped in place (the protection step of a
    request: ``Stopwatch.around(services, "protect", "perturb")``)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @classmethod
    def around(cls, module: Any, *names: str) -> Stopwatch:
        watch = cls()
        for name in names:
            real = getattr(module, name)

            def timed(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return _real(*args, **kwargs)
                finally:
                    watch.seconds += time.perf_counter() - started

            setattr(module, name, timed)
        return watch

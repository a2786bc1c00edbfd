"""Supervisor dashboard vs the raw GROUP BY queries it replaces, on PostgreSQL.

``python -m benchmarks.bench_dashboard [--clients N] [--database-url URL]`` starts a private
PostgreSQL and loads the demo (``N`` clients, default 300,000; the load ends with the
set-based summary rebuild) -- or, with ``--database-url``, uses that database, loading the
demo only if it has no client yet (so a loaded database serves many runs). Then, in one
run, for the South Asia supervisor over the last twelve months, request by request in
turn (so that the load of the machine weighs on all alike):

* the dashboard page (``GET /dashboard/``, breakdown by MRC) with its in-process caches
  warm: summary tables (one query per table), suppression patterns and charts memoised,
  audit row, template;
* the same page right after a counsellor at PK-ISB (in the scope) saved a session this
  month: every table has other numbers, so each is checked against its previous pattern
  (``mrc/aggregates/patterns.py``) and its charts are drawn again (issue #16: ≤ 1.5× warm);
* the same page with the suppression and chart caches cleared before every request: every
  table suppressed and LP-audited afresh, every chart drawn (the page right after a record
  changed);
* the raw queries over the record tables that the page's headline numbers would otherwise
  need (sessions and new clients, distinct clients, follow-ups due and reached, by MRC).

Before that, at the ``--clients`` size and at each ``--weight-sizes`` size (default 3,000;
so ``make bench`` compares 3,000 with 300,000): the default view's weight (HTML bytes, its
gzip size, the chart SVGs it loads, and the load time over a 400 ms / 50 KB/s link) and the
counsellor's worklist p95, with the ratio of the largest to the smallest size (target
1.5). ``--skip-timing`` measures only these.

A section is appended to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import gzip
import html
import re
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, text

from benchmarks.cases import _Inputs, _login, session_form
from benchmarks.harness import (
    Measurement,
    Stopwatch,
    app_on_database,
    fmt_ms,
    load_demo_timed,
    machine,
    markdown_table,
    postgres_version,
    timed,
    vacuum_analyze,
)
from mrc.aggregates import charts, patterns, periods, services, summaries
from mrc.cases.models import Client, CounsellingSession
from mrc.demo.services import DEMO_PASSWORD
from mrc.extensions import db
from tests.services import extra_database, postgres_server

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"

RAW_QUERIES = {
    "sessions and new clients by MRC": """
        SELECT s.mrc_id, count(*), sum(CASE WHEN s.is_baseline THEN 1 ELSE 0 END)
        FROM counselling_session s JOIN mrc m ON m.id = s.mrc_id
        JOIN country c ON c.id = m.country_id JOIN region r ON r.id = c.region_id
        WHERE r.code = 'SOUTH_ASIA' AND s.date BETWEEN :first AND :last GROUP BY s.mrc_id""",
    "distinct clients by MRC": """
        SELECT s.mrc_id, count(DISTINCT s.client_id)
        FROM counselling_session s JOIN mrc m ON m.id = s.mrc_id
        JOIN country c ON c.id = m.country_id JOIN region r ON r.id = c.region_id
        WHERE r.code = 'SOUTH_ASIA' AND s.date BETWEEN :first AND :last GROUP BY s.mrc_id""",
    "follow-ups due and reached by MRC": """
        SELECT f.mrc_id, count(*), sum(CASE WHEN f.status = 'reached' THEN 1 ELSE 0 END)
        FROM follow_up f JOIN mrc m ON m.id = f.mrc_id
        JOIN country c ON c.id = m.country_id JOIN region r ON r.id = c.region_id
        WHERE r.code = 'SOUTH_ASIA' AND f.status <> 'cancelled'
          AND f.due_date BETWEEN :first AND :last GROUP BY f.mrc_id""",
}


def clear_caches() -> None:
    patterns.clear_local()
    charts._render.cache_clear()
    charts._svg.cache_clear()


LATENCY_S = 0.4  # the throttled link of issue #10: 400 ms round trip ...
RATE_BPS = 50 * 1000  # ... and 50 KB/s
WORKLIST_USER = "counsellor-pk-isb"


@dataclass
class Weight:
    """What the default dashboard view costs on a slow link."""

    html: int
    html_gzip: int  # if the page were served compressed (it is not, today)
    charts: int  # chart SVGs as sent (gzip, the chart endpoint compresses)
    chart_count: int
    css: int

    @property
    def html_s(self) -> float:
        return LATENCY_S + self.html / RATE_BPS

    @property
    def with_charts_s(self) -> float:
        """HTML, then the (lazy) charts in parallel, sharing the link: one more round trip."""
        return self.html_s + LATENCY_S + self.charts / RATE_BPS


def page_weight(browser: FlaskClient) -> Weight:
    """The default view (``GET /dashboard/``, no filter) and the sub-resources it loads."""
    body = browser.get("/dashboard/").get_data()
    charts_sent = 0
    urls = [html.unescape(u) for u in re.findall(r'<img src="(/dashboard/charts/[^"]+)"',
                                                  body.decode())]
    for url in urls:
        response = browser.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, url
        charts_sent += len(response.get_data())
    css = len(browser.get("/static/mrc.css").get_data())
    return Weight(len(body), len(gzip.compress(body, 6)), charts_sent, len(urls), css)


def time_worklist(app: Flask, requests: int) -> Measurement:
    """``GET /cases/worklist`` as the PK-ISB counsellor, ``requests`` times after 3."""
    http = app.test_client()
    response = http.post("/login", data={"username": WORKLIST_USER, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return timed(Measurement("due follow-ups worklist", how="GET /cases/worklist"),
                 lambda: http.get("/cases/worklist").status_code == 200, requests, 3)


def weight_rows(weights: dict[int, Weight]) -> list[list[str]]:
    return [[f"{size:,}", f"{w.html:,}", f"{w.html_gzip:,}", f"{w.chart_count}",
             f"{w.charts:,}", f"{w.css:,}", f"{w.html_s:.2f}", f"{w.with_charts_s:.2f}",
             "yes" if w.html < 60 * 1024 else "**no**"] for size, w in sorted(weights.items())]


def weight_and_worklist(stack: ExitStack, base_url: str | None, size: int, seed: int,
                        requests: int) -> tuple[Weight, Measurement]:
    """A database with ``size`` demo clients (made, or reused when loaded before)."""
    if base_url is None:
        base_url = stack.enter_context(postgres_server())
    url = stack.enter_context(extra_database(base_url, f"mrc_bench_dash_{size}"))
    app = stack.enter_context(app_on_database(url))
    with app.app_context():
        demo, _s = load_demo_timed(seed, size, if_empty=True)
        if not demo.skipped:
            vacuum_analyze()
    browser = app.test_client()
    browser.post("/login", data={"username": "supervisor-south-asia",
                                 "password": DEMO_PASSWORD})
    return page_weight(browser), time_worklist(app, requests)


def weight_section(weights: dict[int, Weight], worklists: dict[int, Measurement],
                   info: dict[str, str], options: argparse.Namespace) -> list[str]:
    """The page weight and the worklist across sizes, as Markdown."""
    lines = [
        "", f"## Dashboard page weight and worklist by size ({datetime.now(UTC):%Y-%m-%d %H:%M} "
        "UTC)", "",
        f"Machine: {info.get('cpu', '?')}, {info['nproc']} CPUs, {info.get('memory', '?')}, "
        f"load average at start {info.get('load', '?')} (other work was running). Demo seed "
        f"{options.seed}. Default view: `GET /dashboard/` (no filter: this year, by MRC) as "
        "supervisor-south-asia. Throttled load time = latency + bytes / rate with "
        f"{LATENCY_S * 1000:.0f} ms latency and {RATE_BPS // 1000} KB/s; with charts = "
        "HTML, then one more round trip and the charts (lazy `<img>`, fetched in parallel, "
        "sharing the link; gzip as the chart endpoint sends them). The stylesheet is "
        "cached after the first visit and not counted. The page itself is not served "
        "compressed; its gzip size is what compression would give.", "",
        markdown_table(["clients", "HTML bytes", "HTML gzip bytes", "charts", "chart bytes sent",
                        "mrc.css bytes", "HTML load s", "with charts s", "HTML < 60 KB"],
                       weight_rows(weights)),
        "",
        markdown_table(["clients", "worklist p50 ms", "worklist p95 ms", "failures"],
                       [[f"{size:,}", fmt_ms(m.p50), fmt_ms(m.p95), str(m.failures)]
                        for size, m in sorted(worklists.items())]),
    ]
    if len(worklists) > 1:
        small, large = min(worklists), max(worklists)
        ratio = worklists[large].p95 / worklists[small].p95
        lines += ["", f"Worklist p95 {large:,} / {small:,} clients: {ratio:.2f} "
                  f"(target ≤ 1.5: {'met' if ratio <= 1.5 else '**not met**'}); "
                  f"`GET /cases/worklist` as {WORKLIST_USER}, {options.requests} timed "
                  "requests after 3 warm-up."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_dashboard")
    parser.add_argument("--clients", type=int, default=300_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None,
                        help="use this PostgreSQL database (the demo is loaded if it is empty)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--weight-sizes", type=int, nargs="*", default=[3000],
                        help="also measure the page weight and the worklist at these sizes "
                             "(the --clients size is always measured)")
    parser.add_argument("--skip-timing", action="store_true",
                        help="page weight and worklist only (no dashboard timing)")
    options = parser.parse_args()
    weights: dict[int, Weight] = {}
    worklists: dict[int, Measurement] = {}
    info = machine()
    with ExitStack() as stack:
        base_url: str | None = None
        url = options.database_url
        if url is None:
            base_url = stack.enter_context(postgres_server())
            url = stack.enter_context(extra_database(base_url,
                                                     f"mrc_bench_dash_{options.clients}"))
        app = stack.enter_context(app_on_database(url))
        with app.app_context():
            demo, load_s = load_demo_timed(options.seed, options.clients, if_empty=True)
            if demo.skipped:
                load_note = "database loaded by an earlier run"
            else:
                vacuum_analyze()
                load_note = f"load {load_s:.1f} s, of which the set-based summary rebuild is part"
            clients = db.session.scalar(select(func.count()).select_from(Client)) or 0
            sessions = db.session.scalar(select(func.count()).select_from(CounsellingSession)) or 0
            started = time.perf_counter()
            rows = summaries.rebuild()
            db.session.commit()
            rebuild_s = time.perf_counter() - started
            pg = postgres_version(app)
        print(f"demo: {clients:,} clients, {sessions:,} sessions ({load_note}); "
              f"summary rebuild {rebuild_s:.1f} s", flush=True)
        queries = [0]
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute",
                         lambda *_a, **_k: queries.__setitem__(0, queries[0] + 1))
        period = periods.current_year()
        browser = app.test_client()
        response = browser.post("/login", data={"username": "supervisor-south-asia",
                                                "password": DEMO_PASSWORD})
        assert response.status_code == 302
        weights[options.clients] = page_weight(browser)
        worklists[options.clients] = time_worklist(app, options.requests)
        for size in sorted(set(options.weight_sizes) - {options.clients}):
            weights[size], worklists[size] = weight_and_worklist(
                stack, None if options.database_url else base_url, size, options.seed,
                options.requests)
        url_page = f"/dashboard/?period={period.code}&breakdown=mrc"
        per_page: list[int] = []

        def page() -> bool:
            queries[0] = 0
            ok = browser.get(url_page).status_code == 200
            per_page.append(queries[0])
            return ok

        # The rows without "cell key" measure per-request suppression (no longer the default).
        app.config["MRC_DISCLOSURE_METHOD"] = "suppression"
        warm = Measurement("dashboard page, caches warm",
                           how=f"GET {url_page}, MRC_DISCLOSURE_METHOD=suppression")
        cold = Measurement("dashboard page, caches cleared",
                           how="same, suppression and chart caches cleared before each")
        written = Measurement("dashboard page right after a save",
                              how="same, a counsellor at PK-ISB saved a session just before")
        keyed_written = Measurement("cell key method (#11), right after a save",
                                    how="same, MRC_DISCLOSURE_METHOD=cellkey, after the save")
        keyed = Measurement("cell key method (#11), caches warm",
                            how="same, MRC_DISCLOSURE_METHOD=cellkey, again")
        protection = Stopwatch.around(services, "protect", "perturb")
        protected: dict[str, float] = {}
        inputs = _Inputs(app, options.requests + 3, seed=options.seed)
        counsellor = _login(app)
        form = session_form(date.today())
        next_client = inputs.cycle(inputs.client_ids)

        def save() -> None:
            response = counsellor.post(f"/cases/clients/{next_client()}/sessions/new",
                                       data=form)
            assert response.status_code == 302, response.status_code
        raw = Measurement("raw GROUP BY queries (all three)", how="SQL on the record tables")
        singles = {name: Measurement(name, how="SQL") for name in RAW_QUERIES}
        params = {"first": period.first, "last": period.end}

        def run_raw() -> bool:
            with app.app_context():
                for name, sql in RAW_QUERIES.items():
                    t0 = time.perf_counter()
                    db.session.execute(text(sql), params).all()
                    singles[name].samples.append(time.perf_counter() - t0)
                db.session.rollback()
            return True

        def sample(measurement: Measurement, action: Callable[[], bool]) -> None:
            started, inside = time.perf_counter(), protection.seconds
            if not action():
                measurement.failures += 1
            measurement.samples.append(time.perf_counter() - started)
            protected[measurement.name] = (protected.get(measurement.name, 0.0)
                                           + protection.seconds - inside)

        def keyed_page() -> bool:
            app.config["MRC_DISCLOSURE_METHOD"] = "cellkey"
            try:
                return page()
            finally:
                app.config["MRC_DISCLOSURE_METHOD"] = "suppression"

        for _ in range(0 if options.skip_timing else 3):  # warm-up: connections, caches
            page()
            run_raw()
        for _ in range(0 if options.skip_timing else options.requests):
            sample(warm, page)
            save()
            sample(written, page)
            sample(keyed_written, keyed_page)
            sample(keyed, keyed_page)
            clear_caches()
            sample(cold, page)
            sample(raw, run_raw)
    section = weight_section(weights, worklists, info, options)
    if options.skip_timing:
        with options.output.open("a", encoding="utf-8") as out:
            out.write("\n".join(section) + "\n\n")
        print("\n".join(section))
        return
    measurements = [warm, written, cold, keyed, keyed_written, raw, *singles.values()]
    for m in measurements:
        print(f"{m.name}: p50 {fmt_ms(m.p50)} ms, p95 {fmt_ms(m.p95)} ms"
              f"{f', {m.failures} failures' if m.failures else ''}", flush=True)
    ratio_warm = raw.p95 / warm.p95 if warm.p95 else float("nan")
    ratio_cold = raw.p95 / cold.p95 if cold.p95 else float("nan")
    ratio_written = written.p50 / warm.p50 if warm.p50 else float("nan")
    section += [
        "", f"## Supervisor dashboard ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)", "",
        f"Machine: {info.get('cpu', '?')}, {info['nproc']} CPUs, {info.get('memory', '?')}, "
        f"load average at start {info.get('load', '?')} (other work was running); "
        f"PostgreSQL {pg}; Python {info['python']}.",
        f"Demo seed {options.seed}: {clients:,} clients, {sessions:,} sessions "
        f"({load_note}; a second rebuild alone took {rebuild_s:.1f} s). Scope: region South "
        f"Asia (supervisor-south-asia), period {period.first:%Y-%m}..{period.last:%Y-%m}, "
        f"breakdown by MRC; {options.requests} timed requests of each kind, taken in turn "
        f"(warm page, a save then the page, cold page, raw queries), after 3 warm-up rounds. "
        f"SQL statements per page: {min(per_page)}–{max(per_page)} (login and audit "
        "included).", "",
        markdown_table(["what", "how", "p50 ms", "p95 ms", "p95 < 200 ms", "protection step"],
                       [[m.name, f"`{m.how}`", fmt_ms(m.p50), fmt_ms(m.p95),
                         "yes" if m.p95 < 200 else "**no**",
                         f"{100 * protected[m.name] / sum(m.samples):.1f} %"
                         if m.name in protected and m.samples else "–"]
                        for m in measurements]),
        "",
        f"Raw queries p95 / cell key page p95: {raw.p95 / keyed.p95 if keyed.p95 else 0:.2f} "
        f"warm, {raw.p95 / keyed_written.p95 if keyed_written.p95 else 0:.2f} right after a "
        "save (its tables have new numbers: perturbed and drawn afresh). "
        "Protection step: the share of the page's time spent suppressing and auditing "
        "(`services.protect`) or perturbing (`services.perturb`); with the cell key method only "
        "outreach and leaflet tables are still suppressed.",
        "",
        f"Raw queries p95 / dashboard p95: {ratio_warm:.2f} with warm caches, "
        f"{ratio_cold:.2f} with caches cleared (above 1: the whole page -- suppression, "
        "audit, charts, template -- is faster than the raw queries for its headline numbers "
        "alone).",
        f"Right after a save / warm, p50: {ratio_written:.2f} (target ≤ 1.5: "
        f"{'met' if ratio_written <= 1.5 else '**not met**'}; p95 "
        f"{written.p95 / warm.p95 if warm.p95 else float('nan'):.2f}). The save is in this "
        "month, so every table of the page has other numbers; the pattern store "
        "(`mrc/aggregates/patterns.py`) checks the previous pattern of each instead of "
        "solving it again.",
        f"Summary rows: {', '.join(f'{k} {v:,}' for k, v in rows.items())}.",
        "",
        "Where the time went before (profile of one page at 30,000 and 300,000 clients, "
        "cProfile): about 40 % drawing the six pygal charts, 25 % the template (a locale "
        "look-up per formatted cell), 25 % 32 SQL statements (22 small reads of the summary "
        "tables, 13 of them for one table), the rest suppression -- negligible by MRC at this "
        "size, but over a second for breakdowns with small cells (age band at 30,000: two MIPs "
        "and their LP audits). What changed: a `Reader` per request reads each summary table "
        "once (every measure and needed dimension in one grouped query; the sessions table a "
        "second time by month for the trends); suppression patterns (with their LP audit) "
        "and chart SVGs are memoised per process, keyed by the exact numbers they depend on; "
        "cells are formatted with the locale looked up once per page; line charts draw dots "
        "only where a value stands between two gaps (half the SVG).",
        "",
        "How the numbers stay right when records change: the summary tables "
        "(`agg_*_month`, `mrc/aggregates/models.py`) are updated in the same transaction as "
        "every change. The case services (`register_client` needs none, `update_client`, "
        "`log_session`, `record_attempt`, `erase_client`, and so imports) send "
        "the `client_changing` signal (`mrc/signals.py`) first: a client's contribution to the summaries "
        "depends only on that client's records, so it is computed before the change and again "
        "at commit (a `before_commit` listener), and the difference is upserted. Outreach "
        "events and leaflet hand-outs mark their (MRC, month) slice, recomputed at commit "
        "under a PostgreSQL advisory lock. One set of SQL builders defines the rows for the "
        "rebuild, the deltas and the slices; `tests/aggregates/test_summaries.py` changes "
        "records through every service and asserts that the tables equal a full recompute, "
        "and that the dashboard numbers follow. `mrc aggregates --rebuild` recomputes "
        "everything (the demo bulk load ends with it). The caches cannot go stale: the "
        "suppression cache is keyed by the exact tuple of cell values, constraints and "
        "threshold, and the chart cache by the published numbers and labels drawn, so a "
        "changed record changes a key and the table is suppressed, audited and drawn afresh "
        "(`tests/aggregates/test_caches.py`); patterns are shared by the web workers "
        "through Redis when `REDIS_URL` is set (`mrc/aggregates/patterns.py`), charts are "
        "kept per process.",
        "",
    ]
    with options.output.open("a", encoding="utf-8") as out:
        out.write("\n".join(section) + "\n\n")
    print(f"appended to {options.output}")


if __name__ == "__main__":
    main()

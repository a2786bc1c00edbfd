"""The capture page's first load on a poor connection (issue #13: < 100 KB, and it must
work at 50 KB/s with 400 ms latency).

    python -m benchmarks.bench_capture [--runs 3]

Serves the app (a small demo on a SQLite file, CSRF on, as the browser tests do), logs a
counsellor in with Debian's Chromium (Playwright), then throttles the tab through the
Chrome DevTools Protocol (``Network.emulateNetworkConditions``: 400 ms latency, 50 KB/s
down and up) and opens ``/capture/`` with an empty cache and no service worker: bytes on
the wire (every response of the load, headers included, as Chromium counts them) and the
time until the page is usable (the password form shown). Then the same page again, now
served by its service worker. Prints a Markdown table for ``benchmarks/RESULTS.md``."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask_migrate import upgrade
from playwright.sync_api import Browser, sync_playwright

from benchmarks.harness import machine, markdown_table
from mrc import create_app
from mrc.demo.services import DEMO_PASSWORD, load_demo
from mrc.extensions import db
from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, ROOT
from tests.conftest import make_config

LATENCY_MS = 400
THROUGHPUT = 50 * 1024  # bytes per second
COUNSELLOR = "counsellor-pk-isb"


def _database(folder: Path) -> str:
    url = f"sqlite:///{folder / 'capture-bench.db'}"
    app = create_app(make_config(url))
    with app.app_context():
        upgrade()
        load_demo(1, 150)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url


def _one_load(browser: Browser, base: str) -> dict[str, Any]:
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{base}/login?lang=en")
    page.fill("#username", COUNSELLOR)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": LATENCY_MS, "downloadThroughput": THROUGHPUT,
        "uploadThroughput": THROUGHPUT})
    loaded: dict[str, float] = {}
    cdp.on("Network.loadingFinished",
           lambda event: loaded.__setitem__(event["requestId"], event["encodedDataLength"]))
    started = time.perf_counter()
    page.goto(f"{base}/capture/?lang=en", wait_until="load")
    page.wait_for_selector("#password-form:not([hidden])")
    first = time.perf_counter() - started
    shell, requests = sum(loaded.values()), len(loaded)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_timeout(3000)  # its cache filled (over the same slow link)
    worker = sum(loaded.values()) - shell
    started = time.perf_counter()
    page.reload(wait_until="load")
    page.wait_for_selector("#password-form:not([hidden])")
    again = time.perf_counter() - started
    context.close()
    return {"bytes": shell, "first": first, "again": again, "requests": requests,
            "worker": worker}


def run(runs: int) -> str:
    with tempfile.TemporaryDirectory() as folder:
        url = _database(Path(folder))
        server = subprocess.Popen([sys.executable, "-m", "tests.browser.serve", url,
                                   str(ROOT / "translations")], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            base = f"http://127.0.0.1:{server.stdout.readline().strip()}"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                     args=CHROMIUM_ARGS)
                results = [_one_load(browser, base) for _n in range(runs)]
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    median = {k: statistics.median(r[k] for r in results) for k in results[0]}
    facts = machine()
    rows = [["first load (empty cache, no service worker)", f"{median['bytes'] / 1024:.1f} KB",
             int(median["requests"]), f"{median['first']:.2f} s"],
            ["then manifest, icon, service worker script (in the background)",
             f"{median['worker'] / 1024:.1f} KB", "—", "—"],
            ["again (served by the service worker)", "—", "—", f"{median['again']:.2f} s"]]
    return "\n".join([
        f"## Capture page first load (`python -m benchmarks.bench_capture --runs {runs}`)", "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {facts.get('cpu', '?')}, "
        f"{facts.get('nproc', '')} CPUs; Chromium {CHROMIUM}; dev server on the same machine.",
        f"Throttled by CDP `Network.emulateNetworkConditions`: {LATENCY_MS} ms latency, "
        f"{THROUGHPUT // 1024} KB/s down and up; median of {runs} runs, each in a new "
        "browser context (empty cache) after logging in.", "",
        markdown_table(["load of `/capture/`", "bytes on the wire", "responses",
                        "until usable"], rows), "",
        "Bytes: every response the page's DevTools session saw finish by the time the page "
        "is usable (the page, its style sheet and two scripts), as Chromium counts them "
        "(headers included; no compression: the dev server sends none); then what it saw "
        "in the next 3 s. 'Until usable': navigation start to the password form shown. The "
        "service worker's own fetches of its copy run in the worker, not the page, and are "
        "neither throttled nor counted here.", ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    print(run(parser.parse_args().runs))


if __name__ == "__main__":
    main()

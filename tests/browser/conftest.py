"""Browser tests: the app on a real port with CSRF on and a small demo loaded, driven by
Debian's Chromium (headless, through Playwright; never a downloaded browser).

One browser for the whole package, one browser context per demo user (logged in once, through
the log-in form), the language switched with ``?lang=`` as a user would.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import func, select

from mrc import create_app
from mrc.cases.models import Client, FollowUp
from mrc.demo.services import load_demo
from mrc.extensions import db
from mrc.org.models import MRC
from tests.browser import pseudo
from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    LiveServer,
    Visitors,
    artifact,
)
from tests.conftest import make_config, service_missing
from tests.services import extra_database

DEMO_SEED, DEMO_CLIENTS = 1, 150


@pytest.fixture(scope="package")
def catalogues(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogues compiled afresh from the .po files: .mo files are not committed, and
    ones compiled earlier may be older than the .po files the checks read."""
    target = tmp_path_factory.mktemp("translations")
    for po in sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po")):
        destination = target / po.relative_to(ROOT / "translations")
        destination.parent.mkdir(parents=True)
        shutil.copyfile(po, destination)
    result = subprocess.run([sys.executable, "-m", "babel.messages.frontend", "--quiet",
                             "compile", "-d", str(target)], capture_output=True, text=True)
    assert result.returncode == 0, f"pybabel compile failed: {result.stderr}"
    return target


def _demo_client() -> int:
    """The PK-ISB client with the most reached follow-ups: a page with every kind of entry."""
    pk_isb = db.session.scalar(select(MRC.id).where(MRC.code == "PK-ISB"))
    reached = (select(FollowUp.client_id).join(Client, Client.id == FollowUp.client_id)
               .where(FollowUp.status == "reached", Client.mrc_id == pk_isb,
                      Client.erased_at.is_(None), Client.code.is_not(None))
               .group_by(FollowUp.client_id).order_by(func.count().desc(), FollowUp.client_id))
    client_id = db.session.scalar(reached.limit(1))
    assert client_id is not None, "the demo has no reached follow-up at PK-ISB"
    return int(client_id)


@pytest.fixture(scope="package")
def demo_database(database_url: str) -> Iterator[tuple[str, int]]:
    """A committed database with a small demo (on the suite's engine), and a demo client."""
    with extra_database(database_url, "mrc_browser_" + uuid.uuid4().hex[:8]) as url:
        app = create_app(make_config(url))
        with app.app_context():
            upgrade()
            load_demo(DEMO_SEED, DEMO_CLIENTS)
            db.session.commit()
            client_id = _demo_client()
            db.session.remove()
            db.engine.dispose()
        yield url, client_id


@contextmanager
def serving(database: tuple[str, int], translations: Path, log: Path) -> Iterator[LiveServer]:
    """The app on a real port, CSRF on as in production, in a process of its own."""
    url, client_id = database
    with log.open("w") as errors:
        process = subprocess.Popen([sys.executable, "-m", "tests.browser.serve", url,
                                    str(translations)], cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=errors, text=True)
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), f"the server did not start: {log.read_text()}"
        yield LiveServer(f"http://127.0.0.1:{port}", client_id, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture(scope="package")
def live_server(demo_database: tuple[str, int], catalogues: Path) -> Iterator[LiveServer]:
    with serving(demo_database, catalogues, catalogues.parent / "server.log") as server:
        yield server


@pytest.fixture(scope="package")
def pseudo_server(demo_database: tuple[str, int],
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The same app and data, its English pseudo-translated (see tests/browser/pseudo.py)."""
    translations = pseudo.build(tmp_path_factory.mktemp("pseudo"))
    with serving(demo_database, translations, translations.parent / "pseudo-server.log") as server:
        yield server


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless. A missing binary fails in CI and skips elsewhere."""
    if not CHROMIUM.exists():
        service_missing(f"{CHROMIUM} not found (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="package")
def visitors(browser: Browser, live_server: LiveServer) -> Iterator[Visitors]:
    people = Visitors(browser, live_server)
    try:
        yield people
    finally:
        people.close()


@pytest.fixture(scope="package")
def pseudo_visitors(browser: Browser, pseudo_server: LiveServer) -> Iterator[Visitors]:
    people = Visitors(browser, pseudo_server)
    try:
        yield people
    finally:
        people.close()


# Source strings seen in English on a page because the catalogue has no translation yet (the
# catalogue test fails on those; here they are only counted, in the terminal summary and in
# test-artifacts/i18n/).
_AWAITING = pytest.StashKey[dict[str, set[str]]]()


def awaiting_translation(config: pytest.Config, locale: str) -> set[str]:
    return config.stash.setdefault(_AWAITING, {}).setdefault(locale, set())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    awaiting = config.stash.get(_AWAITING, {})
    if not any(awaiting.values()):
        return
    terminalreporter.section("browser: English shown for want of a translation")
    for locale, msgids in sorted(awaiting.items()):
        path = artifact("i18n", f"{locale}-awaiting-translation.txt")
        path.write_text("".join(f"{msgid}\n" for msgid in sorted(msgids)), encoding="utf-8")
        terminalreporter.write_line(f"{locale}: {len(msgids)} strings (list in {path})")

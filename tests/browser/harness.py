"""What the browser fixtures hand to the tests: the live server, logged-in tabs, artifacts."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page
from werkzeug.serving import WSGIRequestHandler

from mrc.demo.services import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("MRC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class LiveServer:
    url: str
    client_id: int  # a PK-ISB demo client with sessions and a reached follow-up
    log: Path  # the server's error output

    def errors(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without a log line per request (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@dataclass
class Tab:
    """One browser tab of one user, with the console errors of the page last opened
    (a Content-Security-Policy violation, such as an inline style, is one)."""

    page: Page
    server: LiveServer
    errors: list[str] = field(default_factory=list)

    def open(self, url: str) -> Page:
        self.errors.clear()
        self.page.set_viewport_size(DESKTOP)
        response = self.page.goto(url, wait_until="load")
        status = response.status if response is not None else None
        assert status == 200, f"{url} answered {status}\n{self.server.errors()}"
        return self.page

    def on_console(self, message: ConsoleMessage) -> None:
        # The browser asks for /favicon.ico by itself; the app has none (a 404, harmless).
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.errors.append(message.text)


class Visitors:
    """A browser context per demo user, logged in through the log-in form on first use."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser, self.server = browser, server
        self.contexts: list[BrowserContext] = []
        self.tabs: dict[str | None, Tab] = {}

    def tab(self, username: str | None) -> Tab:
        """The tab of ``username`` (None: nobody logged in)."""
        if username not in self.tabs:
            context = self.browser.new_context(viewport=DESKTOP, locale="en-GB")
            context.set_default_timeout(15_000)
            self.contexts.append(context)
            tab = Tab(context.new_page(), self.server)
            tab.page.on("console", tab.on_console)
            tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
            if username is not None:
                self._log_in(tab.page, username)
            self.tabs[username] = tab
        return self.tabs[username]

    def _log_in(self, page: Page, username: str) -> None:
        page.goto(f"{self.server.url}/login?lang=en")
        page.fill("#username", username)
        page.fill("#password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert "/login" not in page.url, f"{username} could not log in: {page.inner_text('main')}"

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def artifact(*parts: str) -> Path:
    path = ARTIFACTS.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path

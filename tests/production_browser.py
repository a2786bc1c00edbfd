"""Log in with a real Chromium (Debian's, as the browser tests) over HTTPS and report what
the browser saw, as JSON on stdout: ``python -m tests.production_browser URL USER PASSWORD``.

A process of its own, so that it never meets the browser tests' Playwright instance (one
synchronous Playwright per thread). Used by ``tests/test_production_mode.py``."""

from __future__ import annotations

import json
import sys

from playwright.sync_api import sync_playwright

from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS


def main(base_url: str, username: str, password: str) -> dict[str, object]:
    posted: dict[str, object] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(ignore_https_errors=True)  # a throw-away certificate
            page = context.new_page()
            page.on("response", lambda r: posted.update(status=r.status)
                    if r.request.method == "POST" else None)
            opened = page.goto(base_url + "/login")
            assert opened is not None
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", password)
            with page.expect_navigation():
                page.click("button[type=submit]")
            return {"login_headers": opened.headers, "post_status": posted.get("status"),
                    "landed_on": page.url, "cookies": context.cookies()}
        finally:
            browser.close()


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))

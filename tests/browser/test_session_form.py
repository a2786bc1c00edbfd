"""The session form in a real browser: the risk-awareness block stays open or closed as the
counsellor last left it (remembered in this browser's localStorage, nothing about clients),
the date is a text box in the locale's order, and the form fits a phone in RTL languages.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page

from tests.browser.harness import Visitors
from tests.browser.pages import at_phone_width, overflow, screenshot

COUNSELLOR = "counsellor-pk-isb"
KEY = "mrc.awareness.open"


def _form(visitors: Visitors, lang: str = "en") -> tuple[Page, list[str]]:
    tab = visitors.tab(COUNSELLOR)
    url = f"{visitors.server.url}/cases/clients/{visitors.server.client_id}/sessions/new"
    page = tab.open(f"{url}?lang={lang}")
    return page, tab.errors


def _is_open(page: Page) -> bool:
    return bool(page.locator("details.awareness").evaluate("d => d.open"))


def test_awareness_block_remembers_open_and_closed(visitors: Visitors) -> None:
    page, errors = _form(visitors)
    page.evaluate(f"localStorage.removeItem('{KEY}')")
    page.reload(wait_until="load")
    assert not _is_open(page)  # closed until the counsellor opens it
    page.click("details.awareness > summary")
    assert _is_open(page)
    page, errors = _form(visitors)
    assert _is_open(page), "opened last time: open again"
    page.click("details.awareness > summary")
    assert not _is_open(page)
    page, errors = _form(visitors)
    assert not _is_open(page), "closed last time: closed again"
    # Only the state is stored: no client, no code, no answer.
    stored = page.evaluate("Object.fromEntries(Object.entries(localStorage))")
    assert stored == {KEY: "0"}
    assert errors == []


def test_a_remembered_closed_block_still_opens_for_an_error(visitors: Visitors) -> None:
    page, _errors = _form(visitors)
    page.evaluate(f"localStorage.setItem('{KEY}', '0')")
    page.reload(wait_until="load")
    page.click("details.awareness > summary")
    page.locator("details.awareness fieldset.question").first.locator("input").first.check()
    page.check("input[name=intention] >> nth=0")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    # Partly answered: refused, and the block is open to show why.
    assert _is_open(page)
    assert page.locator("details.awareness .errors").count() == 1


def test_date_is_a_text_box_in_the_locale_order(visitors: Visitors) -> None:
    page, _errors = _form(visitors, "ar")
    box = page.locator("#date")
    assert box.get_attribute("type") == "text"
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", box.input_value())  # day/month/year
    hint = page.locator("#date-hint").inner_text()
    assert box.input_value() in hint


def test_session_form_fits_a_phone_in_dari_and_arabic(visitors: Visitors) -> None:
    for lang in ("fa_AF", "ar"):
        page, _errors = _form(visitors, lang)
        page.evaluate(f"localStorage.setItem('{KEY}', '1')")
        page.reload(wait_until="load")
        screenshot(page, lang, "session-form-desktop")
        at_phone_width(page)
        screenshot(page, lang, "session-form-phone")
        assert overflow(page) is None, overflow(page)

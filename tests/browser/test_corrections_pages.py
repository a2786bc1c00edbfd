"""The correction pages in a real browser: reached from the client's timeline, a refused
correction (no reason) changes nothing and keeps what was typed, and the pages fit a phone
in RTL languages. Nothing is saved, so the shared demo database stays as it was."""

from __future__ import annotations

from tests.browser.harness import Visitors
from tests.browser.pages import at_phone_width, overflow, screenshot

COUNSELLOR = "counsellor-pk-isb"


def test_correct_link_opens_the_session_form_and_a_missing_reason_is_refused(
        visitors: Visitors) -> None:
    tab = visitors.tab(COUNSELLOR)
    page = tab.open(f"{visitors.server.url}/cases/clients/{visitors.server.client_id}?lang=en")
    link = page.locator("li.session a", has_text="Correct").first
    with page.expect_navigation():
        link.click()
    assert "/cases/sessions/" in page.url and page.url.split("?")[0].endswith("/edit")
    page.fill("#duration_minutes", "45")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("#reason ~ .errors, .field:has(#reason) .errors").count() == 1
    assert page.locator("#duration_minutes").input_value() == "45"
    # The refused form answers 400 (which the console reports); nothing else went wrong.
    assert [e for e in tab.errors if "status of 400" not in e] == []


def test_correction_pages_fit_a_phone_in_dari_and_arabic(visitors: Visitors) -> None:
    tab = visitors.tab(COUNSELLOR)
    client = tab.open(f"{visitors.server.url}/cases/clients/{visitors.server.client_id}?lang=en")
    edit = client.locator("li.session a", has_text="Correct").first.get_attribute("href")
    delete = client.locator("li.session a", has_text="Delete").first.get_attribute("href")
    attempt = client.locator("ul.attempts a").first.get_attribute("href")
    for lang in ("fa_AF", "ar"):
        for name, href in (("session-edit", edit), ("session-delete", delete),
                           ("attempt-edit", attempt)):
            page = tab.open(f"{visitors.server.url}{href}?lang={lang}")
            at_phone_width(page)
            screenshot(page, lang, f"{name}-phone")
            assert overflow(page) is None, (name, overflow(page))

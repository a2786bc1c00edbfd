"""The client list with a keyboard: sort headers are real links (Tab, Enter), the sorted
column says so with aria-sort, and the code-prefix search never puts the prefix in the URL."""

from __future__ import annotations

from tests.browser.harness import PHONE, Visitors, artifact

COUNSELLOR = "counsellor-pk-isb"


def test_sort_with_the_keyboard(visitors: Visitors) -> None:
    tab = visitors.tab(COUNSELLOR)
    page = tab.open(f"{visitors.server.url}/cases/clients?lang=en")
    assert page.locator("th[aria-sort]").count() == 1
    assert page.locator("th[aria-sort=descending]").inner_text().startswith("Registered on")
    header = page.locator("th a", has_text="Next due wave")
    header.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "sort=next_due" in page.url
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Next due wave")
    assert not tab.errors, tab.errors


def test_code_prefix_search_stays_out_of_the_url(visitors: Visitors) -> None:
    tab = visitors.tab(COUNSELLOR)
    page = tab.open(f"{visitors.server.url}/cases/clients?lang=en")
    first = page.locator("td bdi.code").first.inner_text()
    page.fill("#prefix", first[:3])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert first[:3] not in page.url and "prefix" not in page.url
    assert first in page.inner_text("main table")
    assert page.locator("main a[href*='prefix']").count() == 0


def test_screenshots(visitors: Visitors) -> None:
    tab = visitors.tab(COUNSELLOR)
    for locale in ("en", "ar"):
        page = tab.open(f"{visitors.server.url}/cases/clients?lang={locale}")
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(artifact("client-list", f"{locale}-phone.png")), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(artifact("client-list", f"{locale}-desktop.png")))
    assert not tab.errors, tab.errors

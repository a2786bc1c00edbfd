"""Phone width: the site menu folds behind a "Menu" button (on the end side, also right to
left), and every link, button and form control a user can tap is at least 44 px tall."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from mrc.demo.services import DEMO_PASSWORD
from tests.browser.harness import DESKTOP, Visitors
from tests.browser.pages import COUNSELLOR, PageSpec, at_phone_width, open_page, screenshot

MIN_TAP = 44
WORKLIST = PageSpec("worklist", COUNSELLOR, "/cases/worklist")
REGISTER = PageSpec("register", COUNSELLOR, "/cases/register")

# Visible interactive elements shorter than 44 px. Exempt, as WCAG 2.5.8 does: links inside
# a sentence, and a checkbox or radio button whose label (the real target) is tall enough.
SHORT_TARGETS = """(min) => {
  const shown = (el) => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
  const sel = 'a[href], button, select, textarea, summary, input:not([type=hidden])';
  return [...document.querySelectorAll(sel)].filter(shown).filter((el) => {
    if (el.matches('p a')) return false;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      const label = el.closest('label');
      return !label || label.getBoundingClientRect().height < min;
    }
    return el.getBoundingClientRect().height < min;
  }).map((el) => el.outerHTML.slice(0, 120) + ' ' + Math.round(el.getBoundingClientRect().height));
}"""


def nav_links_shown(page: Page) -> int:
    return sum(1 for link in page.locator("nav[aria-label] a").all() if link.is_visible())


def box(page: Page, selector: str) -> dict[str, Any]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not shown"
    return dict(found)


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_phone_menu_folds_and_opens(visitors: Visitors, locale: str) -> None:
    tab, page = open_page(visitors, WORKLIST, locale)
    at_phone_width(page)
    toggle = page.locator("header.top .menu-toggle")
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#site-menu").is_visible()
    assert nav_links_shown(page) == 0
    # The button sits on the end side: right of the brand in English, left of it in Arabic.
    brand, button = box(page, "header.top .brand"), box(page, "header.top .menu-toggle")
    assert (button["x"] > brand["x"]) == (locale == "en")
    screenshot(page, locale, "phone-menu-closed")
    assert not page.evaluate(SHORT_TARGETS, MIN_TAP)

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("link", name=page.locator("nav[aria-label] a").first.inner_text())\
        .first.is_visible()
    assert nav_links_shown(page) >= 5
    assert page.locator("header.top form.inline button").is_visible()  # log out
    screenshot(page, locale, "phone-menu-open")
    assert not page.evaluate(SHORT_TARGETS, MIN_TAP)

    page.keyboard.press("Escape")
    assert nav_links_shown(page) == 0
    assert not tab.errors, tab.errors  # no CSP violation from the menu script


def test_phone_form_targets_are_tall_enough(visitors: Visitors) -> None:
    _tab, page = open_page(visitors, REGISTER, "en")
    at_phone_width(page)
    assert not page.evaluate(SHORT_TARGETS, MIN_TAP)


def test_desktop_shows_the_menu_without_a_button(visitors: Visitors) -> None:
    _tab, page = open_page(visitors, WORKLIST, "en")
    page.set_viewport_size(DESKTOP)
    assert not page.locator("header.top .menu-toggle").is_visible()
    assert nav_links_shown(page) >= 5
    # One header row: the navigation sits beside the brand, not below it.
    brand, first = box(page, "header.top .brand"), box(page, "nav[aria-label] a")
    assert abs(brand["y"] - first["y"]) < brand["height"]


def test_without_javascript_the_menu_is_shown(visitors: Visitors) -> None:
    context = visitors.browser.new_context(viewport={"width": 390, "height": 844},
                                           java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{visitors.server.url}/login?lang=en")
        page.fill("#username", COUNSELLOR)
        page.fill("#password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        page.goto(f"{visitors.server.url}/cases/worklist?lang=en")
        assert not page.locator("header.top .menu-toggle").is_visible()
        assert nav_links_shown(page) >= 5
    finally:
        context.close()

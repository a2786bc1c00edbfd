"""Every main page in every supported language, seen in a real browser: the page declares its
language and direction, shows no English where a translation exists, fits a desktop and a
phone screen without sideways scrolling and runs without console (CSP) errors.

Screenshots of each page in each language go to test-artifacts/screenshots/<locale>/.
"""

from __future__ import annotations

import pytest

from mrc.config import RTL_LOCALES, SUPPORTED_LOCALES
from tests.browser.catalogue import catalogue
from tests.browser.conftest import awaiting_translation
from tests.browser.harness import DESKTOP, PHONE, Visitors
from tests.browser.pages import COLLECT_TEXT, PAGES, PageSpec, open_page, overflow, screenshot


@pytest.mark.parametrize("spec", PAGES, ids=[spec.name for spec in PAGES])
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_page_in_every_language(visitors: Visitors, locale: str, spec: PageSpec,
                                request: pytest.FixtureRequest) -> None:
    tab, page = open_page(visitors, spec, locale)
    problems: list[str] = []

    declared = page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]")
    expected = [locale.replace("_", "-"), "rtl" if locale in RTL_LOCALES else "ltr"]
    if declared != expected:
        problems.append(f"<html lang dir> is {declared}, expected {expected}")

    if locale != "en":
        known = catalogue(locale)
        english: dict[str, str] = {}
        for text, where in page.evaluate(COLLECT_TEXT):
            if msgid := known.translated.match(text):
                english.setdefault(msgid, f"{text!r} in {where}")
            elif msgid := known.untranslated.match(text):
                awaiting_translation(request.config, locale).add(msgid)
        problems += [f"shown in English although translated ({msgid!r}): {seen}"
                     for msgid, seen in english.items()]

    for size, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page.set_viewport_size(size)
        if wide := overflow(page):
            problems.append(f"wider than a {size['width']} px window: {wide}")
        screenshot(page, locale, spec.name + suffix)

    problems += [f"console: {error}" for error in tab.errors]
    assert not problems, f"{spec.name} in {locale}:\n" + "\n".join(problems)

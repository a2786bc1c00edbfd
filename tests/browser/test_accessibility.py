"""Accessibility of the main pages in a left-to-right and two right-to-left... no: in English,
Arabic (right to left) and Bengali (a complex Indic script), checked with axe-core in the
browser, plus our own check that every form control has a label.

Every violation axe finds is written to test-artifacts/axe/<locale>/<page>.json.
"""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.harness import Visitors, artifact
from tests.browser.pages import PAGES, PageSpec, open_page

AXE = Axe()
# Rules whose violation fails the test whatever impact axe gives it.
ALWAYS = {"label", "select-name", "button-name", "link-name", "html-has-lang", "html-lang-valid",
          "valid-lang", "document-title", "duplicate-id-aria", "aria-valid-attr-value",
          "color-contrast", "list", "listitem", "definition-list", "dlitem", "heading-order",
          "landmark-one-main", "region", "form-field-multiple-labels", "nested-interactive"}

# Form controls a user can reach that have no accessible name from a <label> or ARIA.
UNLABELLED = """() => {
  const named = (el) => {
    if ([...(el.labels || [])].some((l) => l.textContent.trim())) return true;
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    return ids.some((id) => (document.getElementById(id)?.textContent || '').trim());
  };
  return [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type))
    .filter((el) => !named(el))
    .map((el) => el.outerHTML.slice(0, 160));
}"""


@pytest.mark.parametrize("spec", PAGES, ids=[spec.name for spec in PAGES])
@pytest.mark.parametrize("locale", ["en", "ar", "bn"])
def test_page_is_accessible(visitors: Visitors, locale: str, spec: PageSpec) -> None:
    _, page = open_page(visitors, spec, locale)
    violations = AXE.run(page).response["violations"]
    artifact("axe", locale, f"{spec.name}.json").write_text(
        json.dumps(violations, indent=1, ensure_ascii=False), encoding="utf-8")
    failing = [v for v in violations if v["impact"] == "critical" or v["id"] in ALWAYS]
    problems = [f"{v['id']} ({v['impact']}): {v['help']} — "
                + "; ".join(node["html"][:120] for node in v["nodes"][:4]) for v in failing]
    problems += [f"form control without a label: {html}" for html in page.evaluate(UNLABELLED)]
    assert not problems, f"{spec.name} in {locale}:\n" + "\n".join(problems)

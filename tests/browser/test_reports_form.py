"""The quarterly report form as a supervisor meets it: submitted with its default choices
(PDF and XLSX ticked, CSV not), the browser must send it and the app accept the job.

A ``required`` attribute on each checkbox of the format list once made the browser refuse
this ("Please check this box") unless every format was ticked.
"""

from __future__ import annotations

import re

from tests.browser.harness import Visitors

SUPERVISOR = "supervisor-pk"


def test_report_with_the_default_formats_is_accepted(visitors: Visitors) -> None:
    tab = visitors.tab(SUPERVISOR)
    page = tab.open(f"{visitors.server.url}/reports/?lang=en")
    boxes = page.locator("input[type=checkbox][name=formats]")
    ticked = {box.get_attribute("value"): box.is_checked() for box in boxes.all()}
    assert ticked == {"pdf": True, "csv": False, "xlsx": True}
    # No box of the list may be required on its own: that demands every box.
    assert page.locator("input[type=checkbox][name=formats][required]").count() == 0
    with page.expect_navigation(url=re.compile(r"/jobs/\d+"), timeout=120_000):
        page.click("main form button[type=submit]")
    assert page.locator("h1").inner_text() == "Background job"
    assert page.locator("main .flash.error").count() == 0, page.inner_text("main")


def test_report_without_any_format_is_refused_by_the_server(visitors: Visitors) -> None:
    tab = visitors.tab(SUPERVISOR)
    page = tab.open(f"{visitors.server.url}/reports/?lang=en")
    for box in page.locator("input[type=checkbox][name=formats]").all():
        box.uncheck()
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/reports/" in page.url
    assert "Choose at least one format." in page.inner_text("main form")

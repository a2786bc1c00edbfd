"""The signals page (#12): supervisors see their scope's published signals, counsellors
do not see the page, and a supervisor of another country sees nothing of PK-ISB."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.trends.test_services import WEEK, rising_route  # noqa: F401  (fixture)


@pytest.mark.usefixtures("suppression_method")
def test_a_supervisor_sees_the_rise_without_counts(make_user, login, rising_route) -> None:  # noqa: F811
    browser = login(make_user("supervisor", country="PK"))
    html = browser.get("/signals/").get_data(as_text=True)
    assert "Rising signals" in html
    assert "Route considered: By air, via a Gulf country" in html
    assert "4.9× its usual share, 1 week in a row" in html
    assert "50% of the answers in this week; usually 10%." in html
    assert html.count('<svg class="sparkline"') == 3  # the MRC, Pakistan, the region
    assert "15" not in html.split("<ol class=\"signals\">")[1].split("</ol>")[0]
    other_week = (WEEK - timedelta(weeks=3)).isoformat()
    assert "No rising signal in this week." in browser.get(
        f"/signals/?week={other_week}").get_data(as_text=True)


def test_the_scope_holds(make_user, login, rising_route) -> None:  # noqa: F811
    browser = login(make_user("supervisor", country="BD"))
    html = browser.get("/signals/").get_data(as_text=True)
    assert "No rising signal in this week." in html and "Gulf" not in html
    assert browser.get("/signals/?area=PK-ISB").status_code == 200  # narrowing never widens
    assert "Gulf" not in browser.get("/signals/?area=PK-ISB").get_data(as_text=True)


def test_counsellors_do_not_see_signals(make_user, login) -> None:
    browser = login(make_user("counsellor"))
    assert browser.get("/signals/").status_code == 403


def test_a_bad_week_is_refused_in_words(make_user, login) -> None:
    browser = login(make_user("supervisor", country="PK"))
    response = browser.get("/signals/?week=not-a-date")
    assert response.status_code == 400
    assert 'aria-invalid' in response.get_data(as_text=True) or "errors" in response.get_data(
        as_text=True)

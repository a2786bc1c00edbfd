"""The page that tells a supervisor, in their language, how published figures are protected
(issue #11): linked from the dashboard's legend, the method in use marked."""

from __future__ import annotations

import re

import pytest


def in_use(body: str) -> list[str]:
    """The sections marked "in use"."""
    return re.findall(r'<section class="card" id="(\w+)">\s*<h2>[^<]*<span class="badge">', body)


@pytest.mark.parametrize("method", ["suppression", "cellkey"])
def test_the_method_in_use_is_marked(app, network, make_user, login, monkeypatch, method):
    monkeypatch.setitem(app.config, "MRC_DISCLOSURE_METHOD", method)
    browser = login(make_user("supervisor", country="PK"))
    dashboard = browser.get("/dashboard/").get_data(as_text=True)
    assert 'href="/dashboard/protection"' in dashboard
    page = browser.get("/dashboard/protection")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert in_use(body) == [method]
    assert "No figure from 1 to 4 is ever shown: a small group is shown as 0 or as 5." in body


def test_in_dari_right_to_left_with_the_readers_digits(app, network, make_user, login):
    browser = login(make_user("supervisor", country="PK"))
    body = browser.get("/dashboard/protection?lang=fa_AF").get_data(as_text=True)
    assert '<html lang="fa-AF" dir="rtl">' in body
    assert "ارقام چگونه محافظت می‌شوند" in body
    assert "از ۱ تا ۴" in body  # the threshold's numbers in the reader's digits
    assert "به شکل ۰ یا ۵" in body


def test_a_counsellor_may_read_it_and_a_visitor_not_logged_in_may_not(network, make_user, login,
                                                                     client):
    assert login(make_user("counsellor")).get("/dashboard/protection").status_code == 200
    client.post("/logout")
    assert client.get("/dashboard/protection").status_code in (302, 401)

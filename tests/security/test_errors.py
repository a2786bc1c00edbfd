"""Error pages: right status, the user's language and direction, nothing from the request
or the exception on the page."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask_babel import gettext
from sqlalchemy import text as sql
from werkzeug.exceptions import TooManyRequests

from mrc.errors import render_error


def page(response) -> str:
    return str(response.get_data(as_text=True))


def html_attrs(body: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', body)
    assert match, body[:200]
    return match.group(1), match.group(2)


@pytest.fixture
def errors_handled(app: Flask):
    """Exceptions are handled as in production (TESTING propagates them)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield
    app.config["PROPAGATE_EXCEPTIONS"] = None


def test_404_in_english_and_rtl(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    body = page(response)
    assert html_attrs(body) == ("en", "ltr")
    assert "Page not found" in body
    assert response.headers["Content-Security-Policy"]  # security headers on error pages too
    response = client.get("/no/such/page?lang=ar")
    assert response.status_code == 404
    assert html_attrs(page(response)) == ("ar", "rtl")


def test_404_of_a_record_says_nothing_about_it(counsellor_http, make_client) -> None:
    other = make_client("AF-KBL")
    response = counsellor_http.get(f"/cases/clients/{other.id}")
    assert response.status_code == 404
    body = page(response)
    assert "Page not found" in body
    assert other.code not in body


def test_403_for_a_page_of_another_role(counsellor_http) -> None:
    response = counsellor_http.get("/admin/users?lang=ur")
    assert response.status_code == 403
    body = page(response)
    assert html_attrs(body) == ("ur", "rtl")
    assert "<h1>" in body and "Traceback" not in body


def test_405_for_a_wrong_method(client) -> None:
    response = client.get("/logout")
    assert response.status_code == 405
    assert "This action is not possible here" in page(response)
    assert "Allow" in response.headers  # werkzeug's header survives the custom page


def test_400_when_the_csrf_token_is_missing(app, counsellor_http) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = counsellor_http.post("/cases/find?lang=bn", data={"search": "code",
                                                                      "code": "K7Q3M9XP"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    body = page(response)
    assert html_attrs(body) == ("bn", "ltr")
    assert "CSRF" not in body  # werkzeug's description is not shown


def test_413_for_an_oversized_upload(app, make_user, login, monkeypatch) -> None:
    browser = login(make_user("manager", "PK-ISB"))
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    response = browser.post("/imports/", data={"kind": "clients", "file": (
        io.BytesIO(b"x" * 5000), "big.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert "The file is too large" in page(response)


def test_429_page(app) -> None:
    with app.test_request_context("/?lang=ps"):
        body, status, headers = render_error(TooManyRequests(retry_after=60))
        heading = gettext("Too many requests")
    assert ("Retry-After", "60") in headers
    assert status == 429
    assert html_attrs(body) == ("ps", "rtl")
    assert heading != "Too many requests" and heading in body  # in Pashto


def test_500_shows_no_exception_details(app, client, errors_handled, monkeypatch) -> None:
    def broken() -> str:
        raise RuntimeError("secret detail +923001234567")

    monkeypatch.setitem(app.view_functions, "home.index", broken)
    response = client.get("/?lang=fa_AF")
    assert response.status_code == 500
    body = page(response)
    assert html_attrs(body) == ("fa-AF", "rtl")
    assert "secret detail" not in body and "923001234567" not in body
    assert "Traceback" not in body and "RuntimeError" not in body


def test_500_after_a_failed_query_still_renders_for_a_logged_in_user(
        app, counsellor_http, errors_handled, monkeypatch) -> None:
    from mrc.extensions import db

    def broken() -> str:
        db.session.execute(sql("SELECT * FROM no_such_table"))
        return "unreachable"

    monkeypatch.setitem(app.view_functions, "home.index", broken)
    response = counsellor_http.get("/")
    assert response.status_code == 500
    body = page(response)
    assert "Something went wrong" in body
    assert "no_such_table" not in body
    assert "Log out" in body  # the page still knows who is logged in

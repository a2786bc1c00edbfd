"""PostgreSQL stops in the middle of a request (after the request has written, before it
commits) and stays down for a while, on a private server of this test: every request in
that time gets the 503 page, translated, with no traceback and nothing of the user or the
data; nothing of the interrupted request was written; and once the server is back the next
request works and its writes persist, without restarting the application."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import gettext
from flask_migrate import upgrade
from sqlalchemy import text

from mrc import create_app
from mrc.auth.services import create_user
from mrc.cases import services as cases
from mrc.extensions import db
from mrc.org.services import ensure_reference_network
from tests.cases.conftest import register_data
from tests.conftest import TEST_PASSWORD, make_config, service_missing
from tests.faults.servers import PostgresControl, plain_url
from tests.services import ServiceUnavailable, postgres_server

pytestmark = pytest.mark.postgres_only

USERNAME = "counsellor-db-down"
PHONE = "0300 7654321"
URDU_WAIT = "براہِ کرم چند منٹ انتظار کریں اور دوبارہ کوشش کریں۔"  # an existing translation


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Flask, PostgresControl]]:
    try:
        with postgres_server() as url:
            app = create_app(make_config(url, PROPAGATE_EXCEPTIONS=False))
            with app.app_context():
                upgrade()
                mrcs = ensure_reference_network()
                create_user(USERNAME, TEST_PASSWORD, "counsellor", mrc_id=mrcs["PK-ISB"].id)
                db.session.commit()
                db.session.remove()
            try:
                yield app, PostgresControl.of(url)
            finally:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
    except ServiceUnavailable as exc:
        service_missing(str(exc))


def row_counts(control: PostgresControl) -> dict[str, int]:
    """Rows of every table, read beside the application."""
    with psycopg.connect(plain_url(control.url)) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # type: ignore[index]
                for table in tables}


def html_attrs(body: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', body)
    assert match, body[:300]
    return match.group(1), match.group(2)


def assert_unavailable_page(response: Any, *, lang: str = "en") -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == 503, body[:500]
    assert response.headers["Retry-After"].isdigit()
    assert response.headers["Content-Security-Policy"]  # still a page of this site
    for leak in ("Traceback", "OperationalError", "psycopg", "SQL", "postgres", "127.0.0.1",
                 USERNAME, "Log out", "7654321", "Client registered"):
        assert leak not in body, f"{leak!r} on the error page"
    assert "<h1>" in body
    return body


def test_a_database_outage_mid_request_loses_nothing_and_recovers(server, monkeypatch) -> None:
    app, control = server
    browser: FlaskClient = app.test_client()
    response = browser.post("/login", data={"username": USERNAME, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert browser.get("/cases/worklist").status_code == 200
    before = row_counts(control)

    real_register = cases.register_client

    def register_then_lose_the_server(*args: Any, **kwargs: Any) -> Any:
        client = real_register(*args, **kwargs)
        db.session.flush()  # the client, its audit entry: written, not committed
        control.stop()
        return client

    monkeypatch.setattr(cases, "register_client", register_then_lose_the_server)
    try:
        response = browser.post("/cases/register?lang=ur", data=register_data(phone=PHONE))
        body = assert_unavailable_page(response)
        assert html_attrs(body) == ("ur", "rtl")
        assert URDU_WAIT in body
        with app.test_request_context("/?lang=ur"):
            assert gettext("Not available right now") in body

        # Still down: the next page cannot even load the user, and says so the same way.
        body = assert_unavailable_page(browser.get("/cases/worklist?lang=en"))
        assert "Not available right now" in body
        assert "Check whether your last change was saved" in body
    finally:
        monkeypatch.undo()
        control.start()

    assert row_counts(control) == before, "the interrupted request left writes behind"
    # Back: the pool's dead connections are replaced, the session cookie still holds.
    assert browser.get("/cases/worklist").status_code == 200
    response = browser.post("/cases/register", data=register_data(phone=PHONE))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    after = row_counts(control)
    assert after["client"] == before["client"] + 1
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping") is True


def test_a_wrong_query_is_still_a_500_not_an_outage(server, monkeypatch) -> None:
    """Only a database that cannot be reached is a 503: a bug stays a 500 (and is logged)."""
    app, _control = server

    def broken() -> str:
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "unreachable"

    monkeypatch.setitem(app.view_functions, "home.index", broken)
    response = app.test_client().get("/")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


def test_an_api_caller_gets_a_problem_not_a_page_while_the_database_is_down(server) -> None:
    """A program reads JSON: the outage is a 503 problem document in the caller's language,
    with Retry-After, and nothing of the database in it."""
    from mrc.api.tokens import create_token
    from mrc.auth.models import User

    app, control = server
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == USERNAME))
        assert user is not None
        secret = create_token(user, "outage test").secret
        db.session.commit()
        db.session.remove()
    caller = app.test_client()
    headers = {"Authorization": f"Bearer {secret}", "Accept-Language": "ur"}
    assert caller.get("/api/v1/me", headers=headers).status_code == 200
    control.stop()
    try:
        response = caller.get("/api/v1/me", headers=headers)
    finally:
        control.start()
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"].isdigit()
    assert response.headers["Content-Language"] == "ur"
    body = response.get_json()
    assert body["status"] == 503
    with app.test_request_context("/?lang=ur"):
        assert body["title"] == gettext(
            "The service is not available at the moment: try again soon.")
        assert body["title"] != "The service is not available at the moment: try again soon."
    for leak in ("OperationalError", "psycopg", "postgres", "127.0.0.1", USERNAME):
        assert leak not in response.get_data(as_text=True)
    assert caller.get("/api/v1/me", headers=headers).status_code == 200

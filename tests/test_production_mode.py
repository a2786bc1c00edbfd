"""``MRC_ENV=production`` as deployed: PostgreSQL, Redis, CSRF on, behind a proxy that
terminates TLS. A log-in over the app sets a Secure, HttpOnly, SameSite session cookie;
HSTS is sent on HTTPS responses only (``MRC_HSTS_SECONDS``); jobs go to RQ and a worker
runs them; the development secret key is refused."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from redis import Redis
from rq import Queue
from werkzeug.serving import make_server

from mrc import create_app
from mrc.auth.services import create_user
from mrc.config import DEV_SECRET_KEY, Config, UnsafeConfigError
from mrc.extensions import db
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from mrc.org.services import ensure_reference_network
from tests.browser.harness import CHROMIUM
from tests.conftest import TEST_PASSWORD, service_missing
from tests.security.test_auth import production_env
from tests.services import extra_database, free_port

ON_POSTGRES = pytest.mark.skipif(
    os.environ.get("MRC_TEST_DB", "sqlite") == "sqlite",
    reason="production mode refuses SQLite: runs in the PostgreSQL pass (MRC_TEST_DB=postgresql)")
HTTPS, HTTP = "https://mrc.example", "http://mrc.example"
YEAR = 31536000


@pytest.fixture(scope="module")
def production(database_url, redis_url, tmp_path_factory) -> Iterator[tuple[Flask, dict[str, str]]]:
    """A production app on a committed database of its own, and its environment (for the
    worker): behind one reverse proxy, as README's deployment has it."""
    name = "mrc_production_" + uuid.uuid4().hex[:8]
    with extra_database(database_url, name) as url:
        env = production_env(DATABASE_URL=url, REDIS_URL=redis_url, MRC_PROXY_HOPS="1",
                             MRC_OUTPUT_DIR=str(tmp_path_factory.mktemp("outputs")))
        app = create_app(Config.from_env(env))
        with app.app_context():
            upgrade()
            ensure_reference_network()
            create_user("admin-prod", TEST_PASSWORD, "admin")
            db.session.commit()
            db.session.remove()
        try:
            yield app, env
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def csrf_token(page: str) -> str:
    field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page)
    assert field, "no CSRF token in the page"
    value = re.search(r'value="([^"]+)"', field.group(0))
    assert value
    return value.group(1)


def referer(page: Any, url: str) -> dict[str, str]:
    """The Referer a browser sends with a form posted from ``page`` (at ``url``) to the same
    site, as the page's Referrer-Policy allows."""
    policy = page.headers.get("Referrer-Policy", "strict-origin-when-cross-origin")
    if policy == "no-referrer":
        return {}
    if policy in ("origin", "strict-origin"):
        return {"Referer": HTTPS + "/"}
    return {"Referer": url}


def post_form(browser: FlaskClient, page_path: str, action: str, data: dict[str, str]) -> Any:
    """Open ``page_path`` and post a form from it to ``action``, as a browser does over HTTPS."""
    page = browser.get(page_path, base_url=HTTPS)
    return browser.post(action, base_url=HTTPS, headers=referer(page, HTTPS + page_path),
                        data={**data, "csrf_token": csrf_token(page.get_data(as_text=True))})


def log_in(browser: FlaskClient) -> Any:
    return post_form(browser, "/login", "/login",
                     {"username": "admin-prod", "password": TEST_PASSWORD})


@ON_POSTGRES
def test_a_production_log_in_sets_a_secure_httponly_samesite_cookie(production) -> None:
    app, _env = production
    assert app.config["MRC_ENV"] == "production" and not app.config["TESTING"]
    assert app.config["WTF_CSRF_ENABLED"] is not False
    response = log_in(app.test_client())
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    flags = [part.strip().lower() for part in session_cookie.split(";")[1:]]
    assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags


@ON_POSTGRES
def test_a_browser_logs_in_over_https(production) -> None:
    """The same in Chromium, against the app served over TLS: what the browser really sends
    (its Referer under the page's Referrer-Policy) passes the CSRF check, and it keeps the
    cookie as Secure, HttpOnly and SameSite."""
    if not CHROMIUM.exists():
        service_missing(f"{CHROMIUM} not found (apt-get install chromium)")
    app, _env = production
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True, ssl_context="adhoc")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        run = subprocess.run([sys.executable, "-m", "tests.production_browser",
                              f"https://127.0.0.1:{port}", "admin-prod", TEST_PASSWORD],
                             capture_output=True, text=True, timeout=180, check=False)
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert run.returncode == 0, run.stderr[-2000:]
    seen = json.loads(run.stdout)
    assert seen["post_status"] == 302, seen  # 400 when the browser sends no Referer
    assert seen["landed_on"].endswith("/admin/"), seen["landed_on"]
    assert seen["login_headers"]["strict-transport-security"] == f"max-age={YEAR}"
    session = next(c for c in seen["cookies"] if c["name"] == "session")
    assert session["secure"] and session["httpOnly"] and session["sameSite"] == "Lax"


@ON_POSTGRES
def test_hsts_only_over_https(production, monkeypatch) -> None:
    app, _env = production
    browser = app.test_client()
    assert browser.get("/login", base_url=HTTPS).headers["Strict-Transport-Security"] \
        == f"max-age={YEAR}"
    assert "Strict-Transport-Security" not in browser.get("/login", base_url=HTTP).headers
    # Behind the proxy that terminates TLS: its X-Forwarded-Proto says the request was HTTPS.
    behind = browser.get("/login", base_url=HTTP, headers={"X-Forwarded-Proto": "https"})
    assert behind.headers["Strict-Transport-Security"] == f"max-age={YEAR}"
    monkeypatch.setitem(app.config, "MRC_HSTS_SECONDS", 600)
    assert browser.get("/login", base_url=HTTPS).headers["Strict-Transport-Security"] \
        == "max-age=600"
    monkeypatch.setitem(app.config, "MRC_HSTS_SECONDS", 0)  # off
    assert "Strict-Transport-Security" not in browser.get("/login", base_url=HTTPS).headers


@ON_POSTGRES
def test_production_jobs_go_to_rq_and_a_worker_runs_them(production) -> None:
    app, env = production
    browser = app.test_client()
    assert log_in(browser).status_code == 302
    response = post_form(browser, "/admin/", "/jobs/selftest", {})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        job = db.session.get_one(Job, job_id)
        assert (job.state, job.attempts) == ("queued", 0)  # not run in the request
        db.session.remove()
    queue = Queue(jobs.QUEUE_NAME, connection=Redis.from_url(env["REDIS_URL"]))
    assert f"mrc-job-{job_id}-0" in queue.job_ids

    worker_env = {k: v for k, v in os.environ.items() if not k.startswith("MRC_")} | env
    subprocess.run([sys.executable, "-m", "mrc", "worker", "--burst"], env=worker_env,
                   check=True, capture_output=True, timeout=120)
    with app.app_context():
        job = db.session.get_one(Job, job_id)
        assert (job.state, job.attempts) == ("finished", 1), job.message
        db.session.remove()
    download = browser.get(f"/jobs/{job_id}/download", base_url=HTTPS)
    try:
        assert download.status_code == 200 and download.get_data(as_text=True).count("step") == 5
    finally:
        download.close()


@ON_POSTGRES
def test_production_refuses_the_development_secret_key(production) -> None:
    _app, env = production
    with pytest.raises(UnsafeConfigError, match="SECRET_KEY"):
        create_app(Config.from_env(env | {"SECRET_KEY": DEV_SECRET_KEY}))


def test_hsts_defaults_a_year_in_production_and_off_in_development() -> None:
    assert Config.from_env(production_env()).to_flask()["MRC_HSTS_SECONDS"] == YEAR
    assert Config.from_env(production_env(MRC_HSTS_SECONDS="0")).hsts_seconds == 0
    assert Config.from_env(production_env(MRC_HSTS_SECONDS="600")).hsts_seconds == 600
    assert Config.from_env({}).hsts_seconds == 0  # a laptop on plain HTTP

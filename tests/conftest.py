"""Test fixtures: one database per run (SQLite or a real PostgreSQL), migrated with Alembic,
and a transaction per test that is rolled back, so tests never see each other's data.

``MRC_TEST_DB=postgresql`` runs the suite on a private PostgreSQL server started here
(or on ``MRC_TEST_DATABASE_URL`` when given). With ``MRC_REQUIRE_SERVICES=1`` a server that
cannot be started fails the run instead of skipping.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession

from mrc import create_app
from mrc.config import Config
from mrc.extensions import db
from tests.services import ServiceUnavailable, postgres_server

# Fixtures of a feature that other features' tests use too.
pytest_plugins = ["tests.referrals.fixtures"]

REQUIRE_SERVICES = os.environ.get("MRC_REQUIRE_SERVICES") == "1"
TEST_PASSWORD = "correct horse battery"


def service_missing(reason: str) -> None:
    """Fail when services are required (CI), skip otherwise (a developer without them)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``postgres_only`` tests run in the PostgreSQL pass of ``make test``; the SQLite pass
    reports them as skipped, with the reason (they are not missing a server: the other pass
    runs them). Slow ``once`` tests (what they check is the same on either database) run in the
    SQLite pass only."""
    if item.get_closest_marker("postgres_only") and \
            os.environ.get("MRC_TEST_DB", "sqlite") == "sqlite":
        pytest.skip("PostgreSQL-only: runs in the PostgreSQL pass (MRC_TEST_DB=postgresql)")
    if item.get_closest_marker("once") and \
            os.environ.get("MRC_TEST_DB", "sqlite") != "sqlite":
        pytest.skip("slow, and the same on either database: runs once, in the SQLite pass")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    kind = os.environ.get("MRC_TEST_DB", "sqlite")
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="mrc-test-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'test.sqlite'}"
        return
    if os.environ.get("MRC_TEST_DATABASE_URL"):
        yield os.environ["MRC_TEST_DATABASE_URL"]
        return
    try:
        with postgres_server() as url:
            yield url
    except ServiceUnavailable as exc:
        service_missing(str(exc))


def _clean_g() -> None:
    g.__dict__.clear()


def make_config(database_url: str, **extra: Any) -> Config:
    flask_extra = {"WTF_CSRF_ENABLED": False, "SERVER_NAME": "mrc.test"}
    flask_extra.update(extra)
    return Config(database_url=database_url, testing=True, extra=flask_extra)


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    application = create_app(make_config(database_url))
    # Tests run inside one pushed app context (for the rolled-back transaction), which
    # requests would otherwise share, and with it ``g`` (logged-in user, locale): start
    # every request with a clean ``g``, as separate requests have in production.
    application.before_request_funcs.setdefault(None, []).insert(0, _clean_g)
    with application.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


class BoundSession(FlaskSession):
    """Flask-SQLAlchemy's session, but always on the test's connection."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind if self.bind is not None else super().get_bind(*args, **kwargs)


@pytest.fixture(autouse=True)
def _fresh_patterns() -> None:
    """Each test starts with no published suppression pattern in memory: a pattern kept
    for a table of an earlier test (rolled back, same ids) would be offered as its
    previous version."""
    from mrc.aggregates import patterns

    patterns.clear_local()


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Everything a test writes (including commits) is rolled back at its end."""
    if "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # Flask-SQLAlchemy's own session class would pick the engine (and so a new
        # connection outside the test's transaction) by itself.
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint",
             "class_": BoundSession}
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def suppression_method(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts protected request by request with suppression (``MRC_DISCLOSURE_METHOD=
    suppression``), for the tests of that method; the default is the cell key method."""
    monkeypatch.setitem(app.config, "MRC_DISCLOSURE_METHOD", "suppression")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def network(app: Flask) -> dict[str, Any]:
    from mrc.org.services import ensure_reference_network

    mrcs = ensure_reference_network()
    db.session.flush()
    return mrcs


@pytest.fixture
def make_user(app: Flask, network: dict[str, Any]) -> Callable[..., Any]:
    from mrc.auth.services import create_user

    counter = {"n": 0}

    default = object()

    def factory(role: str = "counsellor", mrc: Any = default, *,
                country: str | None = None, region: str | None = None, **kw: Any) -> Any:
        """Case roles default to PK-ISB; other roles to no MRC unless one is given."""
        from mrc.org.services import resolve_scope

        counter["n"] += 1
        if mrc is default:
            mrc = "PK-ISB" if role in ("counsellor", "manager") else None
        mrc_id, country_id, region_id = resolve_scope(mrc, country, region)
        return create_user(f"{role}{counter['n']}", TEST_PASSWORD, role, mrc_id=mrc_id,
                           country_id=country_id, region_id=region_id, **kw)

    return factory


@pytest.fixture
def login(client: FlaskClient) -> Callable[[Any], FlaskClient]:
    def do_login(user: Any) -> FlaskClient:
        db.session.commit()
        response = client.post("/login", data={"username": user.username,
                                               "password": TEST_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login


@pytest.fixture
def make_client(app: Flask, network: dict[str, Any]) -> Callable[..., Any]:
    """Factory for client records: make_client(mrc="PK-ISB", sessions=2, phone="0300…")."""
    from mrc.cases import services

    def factory(mrc: str = "PK-ISB", *, sessions: int = 1, phone: str | None = None,
                consent: bool = True, baseline: date | None = None, **fields: Any) -> Any:
        start = baseline or date.today() - timedelta(days=100)
        data = {
            "sex": "female", "birth_year": 1995, "province": None, "nationality": None,
            "migrant_status": "prospective", "education": "secondary",
            "employment": "unemployed", "phone": phone, "followup_consent": consent,
            "consent_date": start if consent else None, "registered_on": start,
        }
        data.update(fields)
        record = services.register_client(network[mrc], data, user=None)
        for i in range(sessions):
            services.log_session(record, {
                "date": start + timedelta(days=7 * i), "channel": "walk_in", "language": "ur",
                "topics": ["regular_pathways", "irregular_risks"], "destination": "SA",
                "intention": "undecided", "awareness_answers": None, "referrals": [],
                "duration_minutes": 30, "notes": "note",
            }, user=None)
        db.session.flush()
        return record

    return factory


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A private redis-server for the job tests (a module's worth of tests share it)."""
    from tests.services import ServiceUnavailable, redis_server

    try:
        with redis_server() as url:
            yield url
    except ServiceUnavailable as exc:
        service_missing(str(exc))

"""A long import on the embedded SQLite database does not lock other writers out (#14
defect 7): while a manager's upload imports a large clients file, a counsellor logs
sessions, request after request. Both finish without "database is locked", the sessions
are logged between the import's chunks (not after the whole import), and every row is
stored.

SQLite only: the lock is SQLite's one writer per database file, and the test needs a real
file of its own (the suite's rolled-back test transaction would hide the other threads'
writes). PostgreSQL locks rows, not the database.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from mrc import create_app
from mrc.extensions import db
from tests.conftest import TEST_PASSWORD, make_config
from tests.imports.conftest import CLIENT_HEADER, client_line, csv_text

pytestmark = pytest.mark.skipif(
    os.environ.get("MRC_TEST_DB", "sqlite") != "sqlite",
    reason="SQLite-specific: its one-writer file lock; PostgreSQL locks rows")

IMPORTED = 2500  # five chunks of the load: a few seconds of writing
DEADLINE_S = 120.0
SESSION = {"date": date.today().isoformat(), "channel": "walk_in", "language": "ur",
           "intention": "regular"}


@pytest.fixture
def file_app(tmp_path: Path) -> Iterator[Flask]:
    """An application of its own on a migrated SQLite file: the reference network, a
    manager and a counsellor of PK-ISB, and a client of theirs."""
    from flask_migrate import upgrade

    from mrc.auth.services import create_user
    from mrc.org.services import ensure_reference_network

    application = create_app(make_config(f"sqlite:///{tmp_path / 'concurrent.sqlite'}"))
    with application.app_context():
        upgrade()
        mrc = ensure_reference_network()["PK-ISB"]
        db.session.flush()
        for role in ("manager", "counsellor"):
            create_user(role, TEST_PASSWORD, role, mrc_id=mrc.id)
        db.session.commit()
        db.session.remove()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def logged_in(app: Flask, username: str) -> FlaskClient:
    http = app.test_client()
    response = http.post("/login", data={"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return http


def a_client(app: Flask) -> int:
    from mrc.cases import services as cases
    from mrc.org.models import MRC

    with app.app_context():
        mrc = db.session.scalars(select(MRC).where(MRC.code == "PK-ISB")).one()
        client = cases.register_client(mrc, {
            "sex": "female", "birth_year": 1990, "province": None, "nationality": None,
            "migrant_status": "prospective", "education": "secondary",
            "employment": "unemployed", "phone": None, "followup_consent": False,
            "consent_date": None, "registered_on": date(2024, 1, 10)}, user=None)
        db.session.commit()
        client_id = client.id
        db.session.remove()
    return client_id


class Outcome:
    """What a thread did: its errors, and when its requests succeeded."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []
        self.done: list[float] = []
        self.statuses: list[int] = []


def in_thread(out: Outcome, work: Callable[[], None]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            out.errors.append(exc)

    return threading.Thread(target=run)


def test_requests_write_while_a_large_import_loads(file_app: Flask) -> None:
    from mrc.cases.models import Client, CounsellingSession

    raw = csv_text(CLIENT_HEADER, *(client_line(f"BIG-{i}") for i in range(IMPORTED)))
    client_id = a_client(file_app)
    manager, counsellor = logged_in(file_app, "manager"), logged_in(file_app, "counsellor")
    imported, logged = Outcome(), Outcome()
    finished = threading.Event()

    def upload() -> None:
        try:
            response = manager.post("/imports/", data={
                "kind": "clients", "file": (io.BytesIO(raw), "big.csv")},
                content_type="multipart/form-data")
            imported.statuses.append(response.status_code)
            imported.done.append(time.monotonic())
        finally:
            finished.set()

    def log_sessions() -> None:
        deadline, after = time.monotonic() + DEADLINE_S, 0
        while after < 3 and time.monotonic() < deadline:
            after += finished.is_set()
            response = counsellor.post(f"/cases/clients/{client_id}/sessions/new",
                                       data=SESSION)
            logged.statuses.append(response.status_code)
            logged.done.append(time.monotonic())
            time.sleep(0.05)

    importer, writer = in_thread(imported, upload), in_thread(logged, log_sessions)
    importer.start()
    time.sleep(0.3)  # the upload is under way: reading the file, checking it, loading
    writer.start()
    importer.join(DEADLINE_S)
    writer.join(DEADLINE_S)
    assert not importer.is_alive() and not writer.is_alive()

    assert imported.errors == [], imported.errors  # e.g. OperationalError: database is locked
    assert logged.errors == [], logged.errors
    assert imported.statuses == [302]
    assert logged.statuses and set(logged.statuses) == {302}, logged.statuses
    # The counsellor did not wait for the whole import: sessions were logged between its
    # chunks.
    during = sum(when < imported.done[0] for when in logged.done)
    assert during >= 2, (logged.done, imported.done)

    with file_app.app_context():
        big = db.session.scalar(select(func.count()).select_from(Client)
                                .where(Client.external_id.like("BIG-%")))
        sessions = db.session.scalar(select(func.count()).select_from(CounsellingSession)
                                     .where(CounsellingSession.client_id == client_id))
        db.session.remove()
    assert big == IMPORTED
    assert sessions == len(logged.statuses)

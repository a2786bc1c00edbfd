"""The load goes in committed chunks: a file with a problem still loads nothing, and a
load stopped by a change made meanwhile keeps the chunks saved before it, reports how
many rows they hold (upload page and CLI) and audits them; importing the file again adds
the rest."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mrc.audit.models import AuditEvent
from mrc.cases import services as cases
from mrc.cases.models import Client
from mrc.extensions import db
from mrc.imports import services
from tests.imports.conftest import CLIENT_HEADER, client_line, csv_text

FILE = csv_text(CLIENT_HEADER, *(client_line(f"X-{i}") for i in range(1, 8)))
SAVED = "Rows saved before the import stopped: 4."
CLIENT = {"registered_on": date(2024, 1, 10), "sex": "female", "birth_year": 1990,
          "province": None, "nationality": None, "migrant_status": "prospective",
          "education": "secondary", "employment": "unemployed", "phone": None,
          "followup_consent": False, "consent_date": None}


def stored() -> set[str | None]:
    return set(db.session.scalars(select(Client.external_id)))


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "LOAD_CHUNK", 2)


@pytest.fixture
def failing(small_chunks: None) -> Iterator[set[str]]:
    """Ids whose load fails, as a change made since the checks would make it fail
    (X-5: the third chunk); empty the set to let them load."""
    importer = services.IMPORTERS["clients"]
    ids = {"X-5"}

    def load(row: Any, ctx: Any) -> None:
        if row.record_id in ids:
            raise cases.ValidationError({"sex": "changed meanwhile"})
        type(importer).load(importer, row, ctx)

    importer.load = load  # type: ignore[method-assign]
    yield ids
    del importer.load


def test_a_file_in_many_chunks_loads_whole(run_import, small_chunks) -> None:
    result = run_import("clients", FILE)
    assert result.ok and (result.added, result.skipped) == (7, 0)
    assert stored() == {f"X-{i}" for i in range(1, 8)}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert event.detail == "kind=clients,added=7,skipped=0"


def test_a_file_with_a_problem_loads_no_chunk(run_import, small_chunks) -> None:
    bad = csv_text(CLIENT_HEADER, *(client_line(f"X-{i}") for i in range(1, 8)),
                   client_line("X-8", birth_year="old"))
    result = run_import("clients", bad)
    assert not result.ok and not result.partial and result.added == 0
    db.session.rollback()
    assert stored() == set()


def test_a_stopped_load_keeps_and_reports_the_saved_chunks(run_import, failing) -> None:
    result = run_import("clients", FILE)
    assert result.partial and (result.added, result.skipped) == (4, 0)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (6, "sex", "changed meanwhile")]
    db.session.rollback()  # as the callers do
    assert stored() == {"X-1", "X-2", "X-3", "X-4"}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert event.detail == "kind=clients,added=4,skipped=0"


def test_importing_again_adds_the_rest(run_import, failing) -> None:
    run_import("clients", FILE)
    db.session.rollback()
    failing.clear()
    again = run_import("clients", FILE)
    assert again.ok and (again.added, again.skipped) == (3, 4)
    assert stored() == {f"X-{i}" for i in range(1, 8)}


def test_a_failure_in_the_first_chunk_saves_nothing(run_import, failing) -> None:
    failing.add("X-2")
    result = run_import("clients", FILE)
    assert not result.partial and result.added == 0
    db.session.rollback()
    assert stored() == set()


def test_the_upload_page_says_what_was_saved(make_user, login, failing) -> None:
    http = login(make_user("manager", "PK-ISB"))
    response = http.post("/imports/", data={"kind": "clients",
                                            "file": (io.BytesIO(FILE), "c.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert SAVED in html and "nothing was imported" not in html
    assert "changed meanwhile" in html
    assert len(stored()) == 4


def test_the_command_says_what_was_saved(app, network, failing, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(FILE)
    result = app.test_cli_runner().invoke(args=["mrc", "import", "clients", str(path),
                                                "--mrc", "PK-ISB"])
    assert result.exit_code == 1
    assert "row 6, column sex: changed meanwhile" in result.stderr
    assert SAVED in result.stderr and "nothing was imported" not in result.stderr
    assert len(stored()) == 4


def test_a_clash_after_saved_chunks_does_not_claim_nothing_was_saved(
        run_import, small_chunks, network) -> None:
    importer = services.IMPORTERS["clients"]

    def load(row: Any, ctx: Any) -> None:
        if row.record_id == "X-5":  # another import stored X-5 meanwhile
            cases.register_client(network["PK-ISB"], {**CLIENT, "external_id": "X-5"},
                                  user=None)
            db.session.flush()
        type(importer).load(importer, row, ctx)

    importer.load = load  # type: ignore[method-assign]
    try:
        result = run_import("clients", FILE)
    finally:
        del importer.load
    assert result.partial and result.added == 4
    assert [e.message for e in result.errors] == [
        "Another import added some of these records at the same time. Import the file "
        "again."]

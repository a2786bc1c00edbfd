"""Fixtures of the import tests: the fixture files and a short way to run an import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"

CLIENT_HEADER = ("client_id,registered_on,sex,birth_year,province,nationality,migrant_status,"
                 "education,employment,phone,followup_consent,consent_date")


def data_file(name: str) -> bytes:
    return (DATA / name).read_bytes()


def client_line(client_id: str = "X-1", registered_on: str = "2024-01-10", **changes: str) -> str:
    """One clients row in CLIENT_HEADER order, with some cells changed."""
    cells = {"client_id": client_id, "registered_on": registered_on, "sex": "female",
             "birth_year": "1990", "province": "PK-IS", "nationality": "PK",
             "migrant_status": "prospective", "education": "secondary",
             "employment": "unemployed", "phone": "", "followup_consent": "yes",
             "consent_date": registered_on}
    cells.update(changes)
    return ",".join(cells[name] for name in CLIENT_HEADER.split(","))


def csv_text(header: str, *lines: str) -> bytes:
    return ("\n".join((header, *lines)) + "\n").encode()


@pytest.fixture
def run_import(network: dict[str, Any]) -> Callable[..., Any]:
    """run_import(kind, bytes, mrc="PK-ISB", user=None) → ImportResult (mrc=None: none)."""
    from mrc.imports.services import import_csv

    def run(kind: str, raw: bytes, mrc: str | None = "PK-ISB", user: Any = None) -> Any:
        return import_csv(kind, raw, target_mrc=network[mrc] if mrc else None, user=user)

    return run


@pytest.fixture
def loaded(run_import: Callable[..., Any]) -> Callable[..., None]:
    """Load the good fixture files up to a kind: loaded("sessions") loads clients too."""

    def load(upto: str = "followups") -> None:
        for kind in ("clients", "sessions", "followups"):
            result = run_import(kind, data_file(f"{kind}_good.csv"))
            assert result.ok, result.errors
            if kind == upto:
                return

    return load

"""Fixtures of the impact tests: comparison survey files and a short way to import them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
HEADER = ("response_id,respondent_id,wave,survey_date,sex,birth_year,province,"
          "migrant_status,intention,location_status,awareness_answers,awareness_score")


def line(response_id: str, respondent_id: str, wave: str = "0",
         survey_date: str = "2024-01-20", **changes: str) -> str:
    """One comparison row in HEADER order, with some cells changed."""
    cells = {"response_id": response_id, "respondent_id": respondent_id, "wave": wave,
             "survey_date": survey_date, "sex": "male", "birth_year": "1995",
             "province": "PK-IS", "migrant_status": "prospective", "intention": "regular",
             "location_status": "", "awareness_answers": "", "awareness_score": ""}
    cells.update(changes)
    return ",".join(cells[name] for name in HEADER.split(","))


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *lines)) + "\n").encode()


@pytest.fixture
def import_comparison(network: dict[str, Any]) -> Callable[..., Any]:
    """import_comparison(bytes, mrc="PK-ISB") → ImportResult."""
    from mrc.imports.services import import_csv

    def run(raw: bytes, mrc: str | None = "PK-ISB", user: Any = None) -> Any:
        return import_csv("comparison", raw, target_mrc=network[mrc] if mrc else None,
                          user=user)

    return run

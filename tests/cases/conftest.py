"""Fixtures for the counsellor's pages: a logged-in counsellor and form data helpers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from markupsafe import escape

from mrc.extensions import db


@pytest.fixture
def counsellor(make_user: Callable[..., Any], login: Callable[[Any], FlaskClient]) -> FlaskClient:
    """A test client logged in as a counsellor of MRC Islamabad (PK-ISB)."""
    return login(make_user("counsellor", "PK-ISB"))


@pytest.fixture
def manager(make_user: Callable[..., Any], login: Callable[[Any], FlaskClient]) -> FlaskClient:
    return login(make_user("manager", "PK-ISB"))


def register_data(**overrides: Any) -> dict[str, Any]:
    """A complete, valid registration form as a browser would post it."""
    today = date.today().isoformat()
    data: dict[str, Any] = {
        "sex": "female", "birth_year": "1995", "province": "PK-PB", "nationality": "PK",
        "migrant_status": "prospective", "education": "secondary", "employment": "unemployed",
        "phone": "", "followup_consent": "y", "consent_date": today, "registered_on": today,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def session_data(**overrides: Any) -> dict[str, Any]:
    """Only the required session fields (the fast path), as a browser would post them."""
    data: dict[str, Any] = {"date": date.today().isoformat(), "channel": "walk_in",
                            "language": "ur", "intention": "undecided"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def error_at(html: str, field_id: str, message: str) -> bool:
    """True when ``message`` is shown after the field ``field_id`` and before the next field."""
    start = html.find(f'id="{field_id}"')
    if start == -1:
        return False
    ends = [i for i in (html.find('<div class="field">', start),
                        html.find("<fieldset", start)) if i != -1]
    segment = html[start:min(ends)] if ends else html[start:]
    return str(escape(message)) in segment


def commit() -> None:
    db.session.commit()


@pytest.fixture
def new_client(make_client: Any) -> Any:
    """A PK-ISB client registered 10 days ago, without sessions (committed)."""
    record = make_client("PK-ISB", sessions=0, baseline=date.today() - timedelta(days=10))
    db.session.commit()
    return record

"""Fixtures of the security tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient


@pytest.fixture
def counsellor_http(make_user: Callable[..., Any],
                    login: Callable[[Any], FlaskClient]) -> FlaskClient:
    """A test client logged in as a counsellor of MRC Islamabad (PK-ISB)."""
    return login(make_user("counsellor", "PK-ISB"))

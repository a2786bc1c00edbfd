"""Fixtures for the administration pages: logged-in admin and manager clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import g
from flask.testing import FlaskClient


@pytest.fixture
def admin_user(make_user: Callable[..., Any]) -> Any:
    return make_user("admin", None)


@pytest.fixture
def admin(admin_user: Any, login: Callable[[Any], FlaskClient]) -> FlaskClient:
    """A test client logged in as an administrator."""
    return login(admin_user)


@pytest.fixture
def manager_user(make_user: Callable[..., Any]) -> Any:
    return make_user("manager", "PK-ISB")


@pytest.fixture
def manager(manager_user: Any, login: Callable[[Any], FlaskClient]) -> FlaskClient:
    """A test client logged in as the manager of MRC Islamabad (PK-ISB)."""
    return login(manager_user)


def fresh_request() -> None:
    """Forget per-request caches kept in ``g``.

    The test transaction keeps one app context pushed for the whole test, and Flask reuses
    it for every test request, so ``g`` (Flask-Login's current user, Flask-Babel's locale,
    the page locale) would carry over from one request to the next. Call this between
    requests whose user or language must be worked out afresh.
    """
    for key in ("_login_user", "_flask_babel", "page_locale"):
        g.pop(key, None)

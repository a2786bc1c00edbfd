"""Fixtures for the audit log pages: an admin client and a way to write dated events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from mrc.audit.models import AuditEvent
from mrc.extensions import db


@pytest.fixture
def admin_user(make_user: Callable[..., Any]) -> Any:
    return make_user("admin", None)


@pytest.fixture
def admin(admin_user: Any, login: Callable[[Any], FlaskClient]) -> FlaskClient:
    return login(admin_user)


@pytest.fixture
def add_event() -> Callable[..., AuditEvent]:
    """add_event(action, entity, entity_id, at=datetime, user=None, mrc=None, detail="")."""

    def factory(action: str, entity: str, entity_id: int | None = None, *,
                at: datetime | None = None, user: Any = None, mrc: Any = None,
                detail: str = "") -> AuditEvent:
        event = AuditEvent(at=at or datetime.now(UTC), user_id=user.id if user else None,
                           action=action, entity=entity, entity_id=entity_id,
                           mrc_id=mrc.id if mrc else None, detail=detail)
        db.session.add(event)
        db.session.flush()
        return event

    return factory

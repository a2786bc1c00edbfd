"""Who made a case record, and when: the stamps every case service writes."""

from __future__ import annotations

from datetime import UTC, datetime

from mrc.auth.models import User


def now() -> datetime:
    return datetime.now(UTC)


def actor_id(user: User | None) -> int | None:
    """The acting user's id; None for system work (imports, jobs) and anonymous users."""
    return user.id if user is not None and getattr(user, "is_authenticated", False) else None

"""API tokens: named, expiring, revocable; only a hash of the secret is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.auth.models import User
from mrc.extensions import Model


class ApiToken(Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    # The token's public part, to find it (``mrc_<prefix>_<secret>``), and the SHA-256 of
    # the whole token: the secret itself is shown once and never stored.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class IdempotentRequest(Model):
    """A POST with an ``Idempotency-Key``, kept with its response for a day: the same key
    again replays the response instead of doing the work twice (:mod:`mrc.api.idempotency`).
    Written in the request's own transaction, so it exists exactly when the work does."""

    __tablename__ = "api_idempotent_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    key: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_api_idempotent_user_key"),)

"""Audit events: who did what to which record, and when. Never personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mrc.extensions import Model


class AuditEvent(Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None]
    mrc_id: Mapped[int | None] = mapped_column(ForeignKey("mrc.id"))
    # Non-personal detail such as "fields=sex,education" or "rows=120".
    detail: Mapped[str] = mapped_column(String(255), default="")

    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

"""Client records: clients, counselling sessions, follow-up waves and attempts.

Only coarse fields that analysis needs are stored. Phone numbers and notes are encrypted
(see ``mrc.privacy.encryption``); the phone's blind index allows look-up by number.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.extensions import Model
from mrc.privacy.cellkey import new_record_key


def utc_now() -> datetime:
    return datetime.now(UTC)


class Client(Model):
    __tablename__ = "client"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Canonical client code (8 symbols); NULL once the client is erased.
    code: Mapped[str | None] = mapped_column(String(8), unique=True)
    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"), index=True)
    sex: Mapped[str] = mapped_column(String(8))
    birth_year: Mapped[int | None]
    province: Mapped[str | None] = mapped_column(String(8))  # ISO 3166-2 code
    nationality: Mapped[str | None] = mapped_column(String(2))  # ISO 3166 alpha-2
    migrant_status: Mapped[str] = mapped_column(String(24))
    education: Mapped[str] = mapped_column(String(16))
    employment: Mapped[str] = mapped_column(String(16))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_index: Mapped[str | None] = mapped_column(String(32), index=True)
    followup_consent: Mapped[bool] = mapped_column(default=False)
    consent_date: Mapped[date | None] = mapped_column(Date)
    registered_on: Mapped[date] = mapped_column(Date)
    # Identifier from an imported file, for idempotent re-imports (per MRC).
    external_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Last change of the row (the API's updated-since filter and ETags; stamped by the ORM).
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now,
                                                 onupdate=utc_now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Disclosure control (mrc.privacy.cellkey): random, secret, never shown or exported.
    record_key: Mapped[int] = mapped_column(default=new_record_key)

    # Only the sessions not deleted as entered in error (see CounsellingSession.live).
    sessions: Mapped[list[CounsellingSession]] = relationship(
        back_populates="client", order_by="CounsellingSession.date",
        primaryjoin="and_(Client.id == CounsellingSession.client_id, "
                    "CounsellingSession.deleted_at.is_(None))",
    )
    followups: Mapped[list[FollowUp]] = relationship(
        back_populates="client", order_by="FollowUp.wave"
    )

    __table_args__ = (
        UniqueConstraint("mrc_id", "external_id", name="uq_client_mrc_external"),
        # The worklist counts due waves of clients who consented and were not erased; this
        # partial index lets PostgreSQL check that per due wave instead of scanning clients.
        Index("ix_client_mrc_updated", "mrc_id", "updated_at", "id"),
        Index("ix_client_followup_open", "id",
              postgresql_where=text("followup_consent IS TRUE AND erased_at IS NULL"),
              sqlite_where=text("followup_consent = 1 AND erased_at IS NULL")),
    )


class CounsellingSession(Model):
    __tablename__ = "counselling_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"))
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    date: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    topics: Mapped[int] = mapped_column(default=0)  # bit mask over vocab.TOPICS
    destination: Mapped[str | None] = mapped_column(String(2))  # ISO alpha-2
    intention: Mapped[str] = mapped_column(String(12))
    # The migration context (vocab.CONTEXT_FIELDS), each optional; context_version is the
    # version of those questions, NULL when none was answered.
    route: Mapped[str | None] = mapped_column(String(20))
    fee_band: Mapped[str | None] = mapped_column(String(12))
    info_source: Mapped[str | None] = mapped_column(String(16))
    context_version: Mapped[int | None]
    awareness_version: Mapped[int] = mapped_column(default=1)
    awareness_answers: Mapped[str | None] = mapped_column(String(32))
    awareness_score: Mapped[int | None]
    referrals: Mapped[int] = mapped_column(default=0)  # bit mask over vocab.REFERRALS
    duration_minutes: Mapped[int | None]
    notes_enc: Mapped[str | None] = mapped_column(Text)
    is_baseline: Mapped[bool] = mapped_column(default=False)
    external_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now,
                                                 onupdate=utc_now)
    # A session deleted as entered in error (soft: kept for the audit trail, counted nowhere).
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    deleted_reason: Mapped[str | None] = mapped_column(String(16))
    # Disclosure control (mrc.privacy.cellkey): random, secret, never shown or exported.
    record_key: Mapped[int] = mapped_column(default=new_record_key)

    client: Mapped[Client] = relationship(back_populates="sessions")

    @classmethod
    def live(cls, entity: Any = None) -> ColumnElement[bool]:
        """The condition every query of sessions adds: not deleted as entered in error.
        ``entity``: an alias of this table (default: the table itself)."""
        condition: ColumnElement[bool] = (entity if entity is not None else cls).deleted_at.is_(None)
        return condition

    __table_args__ = (
        Index("ix_session_client_date", "client_id", "date"),
        Index("ix_session_mrc_date", "mrc_id", "date"),
        Index("ix_session_mrc_updated", "mrc_id", "updated_at", "id"),
        UniqueConstraint("mrc_id", "external_id", name="uq_session_mrc_external"),
    )


class FollowUp(Model):
    """One scheduled wave after the baseline (wave 1 = +90 days by default)."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"))
    wave: Mapped[int]
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    completed_on: Mapped[date | None] = mapped_column(Date)
    location_status: Mapped[str | None] = mapped_column(String(24))
    intention: Mapped[str | None] = mapped_column(String(12))
    awareness_version: Mapped[int | None]
    awareness_answers: Mapped[str | None] = mapped_column(String(32))
    awareness_score: Mapped[int | None]
    used_mrc_info: Mapped[bool | None]
    external_id: Mapped[str | None] = mapped_column(String(64))

    client: Mapped[Client] = relationship(back_populates="followups")
    attempts: Mapped[list[FollowUpAttempt]] = relationship(
        back_populates="followup", order_by="FollowUpAttempt.date"
    )

    __table_args__ = (
        UniqueConstraint("client_id", "wave", name="uq_follow_up_client_wave"),
        Index("ix_follow_up_worklist", "mrc_id", "status", "due_date"),
        UniqueConstraint("mrc_id", "external_id", name="uq_follow_up_mrc_external"),
    )


class FollowUpAttempt(Model):
    __tablename__ = "follow_up_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("follow_up.id"), index=True)
    date: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))
    reached: Mapped[bool]
    counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    followup: Mapped[FollowUp] = relationship(back_populates="attempts")

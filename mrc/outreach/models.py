"""Outreach events: community sessions, fairs, media — counted, never individual people.

Leaflets handed out at an event are stock-ledger entries (``leaflets.models.StockEntry``
with ``event_id``), so the ledger is the one record of every leaflet that left an MRC."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mrc.extensions import Model


class OutreachEvent(Model):
    __tablename__ = "outreach_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"))
    date: Mapped[date] = mapped_column(Date)
    type: Mapped[str] = mapped_column(String(32))
    province: Mapped[str | None] = mapped_column(String(8))  # ISO 3166-2
    # Attendance grid: sex × age band (see outreach.vocab.ATTENDANCE_COLUMNS).
    att_female_under_18: Mapped[int] = mapped_column(default=0)
    att_female_18_34: Mapped[int] = mapped_column(default=0)
    att_female_35_plus: Mapped[int] = mapped_column(default=0)
    att_male_under_18: Mapped[int] = mapped_column(default=0)
    att_male_18_34: Mapped[int] = mapped_column(default=0)
    att_male_35_plus: Mapped[int] = mapped_column(default=0)
    att_other_under_18: Mapped[int] = mapped_column(default=0)
    att_other_18_34: Mapped[int] = mapped_column(default=0)
    att_other_35_plus: Mapped[int] = mapped_column(default=0)
    attendance_total: Mapped[int] = mapped_column(default=0)
    estimated_reach: Mapped[int | None]  # media events only
    topics: Mapped[int] = mapped_column(default=0)  # bit mask over cases.vocab.TOPICS
    partners: Mapped[str] = mapped_column(String(300), default="")
    external_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    __table_args__ = (
        Index("ix_outreach_mrc_date", "mrc_id", "date"),
        UniqueConstraint("mrc_id", "external_id", name="uq_outreach_mrc_external"),
    )

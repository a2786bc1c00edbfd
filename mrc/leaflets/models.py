"""The leaflet catalogue (mirrors ``leaflets/`` on disk) and each MRC's stock ledger.

The ledger is append-only: stock is the sum of entries; a correction is a new adjustment
entry with a reason, never an edit. Entries handed out in a session or at an outreach event
point to it, so "leaflets given" is read from the ledger.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mrc.extensions import Model


class Leaflet(Model):
    __tablename__ = "leaflet"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    topic: Mapped[str] = mapped_column(String(32))
    destinations: Mapped[str] = mapped_column(String(200), default="")  # "SA,AE" or "" = any
    languages: Mapped[str] = mapped_column(String(100), default="")  # "en,fa_AF,…"
    version: Mapped[str] = mapped_column(String(16))
    reviewed: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)


class StockEntry(Model):
    __tablename__ = "stock_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"))
    leaflet_code: Mapped[str] = mapped_column(ForeignKey("leaflet.code"))
    language: Mapped[str] = mapped_column(String(8))
    # received (+), session (−), outreach (−), adjustment (±, with a reason)
    kind: Mapped[str] = mapped_column(String(12))
    quantity: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200), default="")
    session_id: Mapped[int | None] = mapped_column(ForeignKey("counselling_session.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("outreach_event.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    on_date: Mapped[date] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    __table_args__ = (Index("ix_stock_mrc_leaflet", "mrc_id", "leaflet_code", "language"),)

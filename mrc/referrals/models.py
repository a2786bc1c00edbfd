"""The facility directory and the referrals sent to it.

Facilities are public organisations (their contacts are published), managed by admins. A
referral belongs to the MRC that sent it; what it shares with the facility is fixed by the
consent recorded with it (the client code and the service, the phone only if agreed), and
nothing at all once consent is withdrawn."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.extensions import Model
from mrc.privacy.cellkey import new_record_key


class Facility(Model):
    __tablename__ = "facility"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(24))  # vocab.FACILITY_KIND
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166 alpha-2, the destination
    city: Mapped[str] = mapped_column(String(80), default="")
    languages: Mapped[str] = mapped_column(String(64), default="")  # space-separated codes
    services: Mapped[int] = mapped_column(default=0)  # bit mask over vocab.SERVICES
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    verified_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)
    # Identifier in an imported directory file, so a re-import updates instead of adding.
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Referral(Model):
    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, printed on the slip and in its QR code; says nothing about the client.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("counselling_session.id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    service: Mapped[str] = mapped_column(String(24))  # vocab.SERVICES code
    # The client's consent to share: when, and whether the phone number is shared too.
    consent_on: Mapped[date] = mapped_column(Date)
    share_phone: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(8))  # the slip's language (the client's)
    status: Mapped[str] = mapped_column(String(16), default="sent")  # vocab.STATUS
    sent_on: Mapped[date] = mapped_column(Date)
    answered_on: Mapped[date | None] = mapped_column(Date)  # accepted or declined
    service_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(16))  # vocab.OUTCOME, when closed
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Random, secret, never shown or exported: the referral aggregates' cell key (#11).
    record_key: Mapped[int] = mapped_column(default=new_record_key)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    facility: Mapped[Facility] = relationship()

    __table_args__ = (
        Index("ix_referral_mrc_sent", "mrc_id", "sent_on"),
    )

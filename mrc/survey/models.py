"""The comparison survey: people who never visited an MRC, surveyed at a baseline and at
follow-up waves like the clients, so that impact is a difference in differences.

A respondent belongs to the MRC (site) whose clients they are compared with. Only the
coarse fields the analysis needs are stored (as for clients); a respondent has no client
code, phone or name. ``external_id`` holds the survey's own ids (respondent id; response
id per wave, e.g. KoboToolbox's submission uuid) so that re-importing a file is idempotent.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.extensions import Model
from mrc.privacy.cellkey import new_record_key


class ComparisonRespondent(Model):
    __tablename__ = "comparison_respondent"

    id: Mapped[int] = mapped_column(primary_key=True)
    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"))
    external_id: Mapped[str] = mapped_column(String(64))
    sex: Mapped[str] = mapped_column(String(8))
    birth_year: Mapped[int | None]
    province: Mapped[str | None] = mapped_column(String(8))  # ISO 3166-2
    migrant_status: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Disclosure control (mrc.privacy.cellkey): random, secret, never shown or exported;
    # the impact tables publish their respondent counts from it.
    record_key: Mapped[int] = mapped_column(default=new_record_key)

    responses: Mapped[list[ComparisonResponse]] = relationship(
        back_populates="respondent", order_by="ComparisonResponse.wave"
    )

    __table_args__ = (
        UniqueConstraint("mrc_id", "external_id", name="uq_comparison_respondent_mrc_external"),
    )


class ComparisonResponse(Model):
    """One survey wave of a respondent: 0 is the baseline, 1, 2… the follow-ups (compared
    with the clients' follow-up waves of the same number)."""

    __tablename__ = "comparison_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("comparison_respondent.id"))
    # The respondent's MRC, repeated so that scope and idempotency need no join.
    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"))
    wave: Mapped[int]
    survey_date: Mapped[date] = mapped_column(Date)
    intention: Mapped[str] = mapped_column(String(12))
    location_status: Mapped[str | None] = mapped_column(String(24))
    awareness_version: Mapped[int | None]
    awareness_answers: Mapped[str | None] = mapped_column(String(32))
    awareness_score: Mapped[int | None]
    external_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    respondent: Mapped[ComparisonRespondent] = relationship(back_populates="responses")

    __table_args__ = (
        UniqueConstraint("respondent_id", "wave", name="uq_comparison_response_wave"),
        UniqueConstraint("mrc_id", "external_id", name="uq_comparison_response_mrc_external"),
        Index("ix_comparison_response_mrc_wave", "mrc_id", "wave"),
    )

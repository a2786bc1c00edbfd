"""Evaluator studies (the definition of a longitudinal panel) and their exports.

A study belongs to the evaluator who defined it. Its secret key (for the person
pseudonyms) is stored encrypted with the application's key ring and never leaves the
system; an export is one run of the study, downloadable once by the user who asked for it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.extensions import Model


class PanelStudy(Model):
    __tablename__ = "panel_study"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # MRC ids (checked against the owner's scope when defined and again at each export).
    mrc_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    period_start: Mapped[date] = mapped_column(Date)  # baseline on or after
    period_end: Mapped[date] = mapped_column(Date)  # baseline on or before
    waves: Mapped[list[int]] = mapped_column(JSON, default=list)  # follow-up waves (1, 2 …)
    variables: Mapped[list[str]] = mapped_column(JSON, default=list)
    shape: Mapped[str] = mapped_column(String(8), default="long")  # long | wide
    formats: Mapped[list[str]] = mapped_column(JSON, default=list)  # csv dta sav parquet
    date_mode: Mapped[str] = mapped_column(String(8), default="days")  # days | month
    k: Mapped[int] = mapped_column(default=5)
    l_variable: Mapped[str | None] = mapped_column(String(32))
    l_value: Mapped[int | None]
    include_comparison: Mapped[bool] = mapped_column(default=False)  # survey respondents
    key_enc: Mapped[str] = mapped_column(Text)  # Fernet token of the study key
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    exports: Mapped[list[PanelExport]] = relationship(
        back_populates="study", order_by="PanelExport.id.desc()"
    )


class PanelExport(Model):
    """One export of a study: the job that builds it, then the one allowed download."""

    __tablename__ = "panel_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("panel_study.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"))
    k: Mapped[int]
    file_name: Mapped[str | None] = mapped_column(String(255))  # under the output dir
    sha256: Mapped[str | None] = mapped_column(String(64))
    persons_released: Mapped[int | None]
    rows_released: Mapped[int | None]
    k_reached: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    downloaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    study: Mapped[PanelStudy] = relationship(back_populates="exports")

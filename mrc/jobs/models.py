"""Background job rows: what the UI polls for state, progress and the result file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mrc.extensions import Model


class Job(Model):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # queued → running → finished | failed
    state: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    progress: Mapped[int] = mapped_column(default=0)  # percent
    message: Mapped[str] = mapped_column(String(255), default="")
    result_file: Mapped[str | None] = mapped_column(String(255))  # name under the output dir
    result_name: Mapped[str | None] = mapped_column(String(255))  # download name for users
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    mrc_id: Mapped[int | None] = mapped_column(ForeignKey("mrc.id"))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Last sign of life of a running job (its progress, or its worker's heartbeat thread):
    # a running job silent for longer than MRC_JOB_HEARTBEAT_TIMEOUT was abandoned.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the result was downloaded through the API, which serves it once (mrc.api.outputs).
    api_downloaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

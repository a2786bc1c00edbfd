"""Client codes reserved for a capture device: a block is a list of random codes (client
codes are random, not a sequence), each used at most once, by one client registered with
that device's token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.extensions import Model


class CaptureCodeBlock(Model):
    __tablename__ = "capture_code_block"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The device is its API token: a block is good only with the token it was reserved for.
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id"), index=True)
    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    codes: Mapped[list[CaptureCode]] = relationship(
        back_populates="block", order_by="CaptureCode.id")


class CaptureCode(Model):
    __tablename__ = "capture_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("capture_code_block.id"), index=True)
    # Canonical form (8 symbols), unique among reserved codes; never a client's code yet
    # when reserved.
    code: Mapped[str] = mapped_column(String(8), unique=True)
    # Set when a client is registered with it. Which client is not kept: the client's own
    # row holds its code, and erasing the client must leave nothing linking the two.
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    block: Mapped[CaptureCodeBlock] = relationship(back_populates="codes")

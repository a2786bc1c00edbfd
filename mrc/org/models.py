"""The organisation hierarchy: Region → Country → MRC."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.extensions import Model


class Region(Model):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))

    countries: Mapped[list[Country]] = relationship(back_populates="region")


class Country(Model):
    __tablename__ = "country"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(2), unique=True)  # ISO 3166 alpha-2
    name: Mapped[str] = mapped_column(String(120))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)

    region: Mapped[Region] = relationship(back_populates="countries")
    mrcs: Mapped[list[MRC]] = relationship(back_populates="country")


class MRC(Model):
    __tablename__ = "mrc"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # e.g. PK-ISB
    name: Mapped[str] = mapped_column(String(160))
    city: Mapped[str] = mapped_column(String(120), default="")
    # Legacy free-text contact block, kept for old data only: migration a1c2e3f40001 moved
    # it into the English address. Nothing shows or edits it any more.
    contact: Mapped[str] = mapped_column(String(400), default="")
    # E.164 (normalised for the MRC's country by mrc.privacy.phones); "" when not set.
    hotline: Mapped[str] = mapped_column(String(32), default="", server_default="")
    country_id: Mapped[int] = mapped_column(ForeignKey("country.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    country: Mapped[Country] = relationship(back_populates="mrcs")
    contact_texts: Mapped[list[MRCContactText]] = relationship(
        back_populates="mrc", cascade="all, delete-orphan", order_by="MRCContactText.locale")


class MRCContactText(Model):
    """An MRC's address and opening hours in one interface language (one row a language)."""

    __tablename__ = "mrc_contact_text"

    mrc_id: Mapped[int] = mapped_column(ForeignKey("mrc.id", ondelete="CASCADE"),
                                        primary_key=True)
    locale: Mapped[str] = mapped_column(String(8), primary_key=True)
    address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    opening_hours: Mapped[str] = mapped_column(String(200), default="", server_default="")

    mrc: Mapped[MRC] = relationship(back_populates="contact_texts")

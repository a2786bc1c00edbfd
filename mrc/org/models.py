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
    contact: Mapped[str] = mapped_column(String(400), default="")
    country_id: Mapped[int] = mapped_column(ForeignKey("country.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    country: Mapped[Country] = relationship(back_populates="mrcs")

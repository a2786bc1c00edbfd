"""Users, roles and scopes."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.extensions import Model
from mrc.org.models import MRC, Country, Region


class Role(enum.StrEnum):
    COUNSELLOR = "counsellor"
    MANAGER = "manager"
    SUPERVISOR = "supervisor"
    EVALUATOR = "evaluator"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.COUNSELLOR.value: _l("counsellor"),
    Role.MANAGER.value: _l("manager"),
    Role.SUPERVISOR.value: _l("supervisor"),
    Role.EVALUATOR.value: _l("evaluator"),
    Role.ADMIN.value: _l("administrator"),
}

# Roles that work with individual client records (always within one MRC).
CASE_ROLES = frozenset({Role.COUNSELLOR, Role.MANAGER})


class User(UserMixin, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    # Scope: the most specific of mrc / country / region that is set; none set = everything.
    mrc_id: Mapped[int | None] = mapped_column(ForeignKey("mrc.id"), index=True)
    country_id: Mapped[int | None] = mapped_column(ForeignKey("country.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    locale: Mapped[str | None] = mapped_column(String(8))
    # Display preferences (see mrc.calendars): gregorian / solar_hijri / both; Latin digits.
    calendar: Mapped[str | None] = mapped_column(String(16))
    latin_digits: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    mrc: Mapped[MRC | None] = relationship()
    country: Mapped[Country | None] = relationship()
    region: Mapped[Region | None] = relationship()

    @property
    def is_active(self) -> bool:  # used by Flask-Login
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def works_with_cases(self) -> bool:
        return self.role_enum in CASE_ROLES and self.mrc_id is not None


class LoginThrottle(Model):
    """Failed log-ins per client address, so guessing is slowed across all usernames."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the address
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))

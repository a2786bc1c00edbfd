"""Users, roles and scopes."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

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
    # A user of a destination-country facility: sees the referrals sent to it, nothing else.
    PARTNER = "partner"


ROLE_LABELS = {
    Role.COUNSELLOR.value: _l("counsellor"),
    Role.MANAGER.value: _l("manager"),
    Role.SUPERVISOR.value: _l("supervisor"),
    Role.EVALUATOR.value: _l("evaluator"),
    Role.ADMIN.value: _l("administrator"),
    # Translators: a user who works at a facility that receives referrals (e.g. an embassy).
    Role.PARTNER.value: _l("partner facility"),
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
    # Partners only: the facility whose referrals they see (mrc.referrals).
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    locale: Mapped[str | None] = mapped_column(String(8))
    # Display preferences (see mrc.calendars): gregorian / solar_hijri / both; Latin digits.
    calendar: Mapped[str | None] = mapped_column(String(16))
    latin_digits: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True)
    # Failed log-ins under this username since the last success (the wait between attempts
    # is in LoginThrottle); shown to admins and managers, who may unlock the account.
    failed_logins: Mapped[int] = mapped_column(default=0)
    # Copied into each session at log-in; a session holding another value is over
    # (mrc.auth.sessions). Raised on log-out, password and role changes, "log out everywhere".
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    mrc: Mapped[MRC | None] = relationship()
    country: Mapped[Country | None] = relationship()
    region: Mapped[Region | None] = relationship()
    # mrc.referrals.models.Facility, named by string: auth sits below the feature packages.
    facility: Mapped[Any] = relationship("Facility")

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
    """Failed log-ins per client address and per username (``mrc.auth.services``).

    An address row counts failures in a window that starts at ``window_start``; past a limit
    the address is refused until the window ends. A username row counts failures in a row,
    ``window_start`` being the last one, and ``blocked_until`` is when the next attempt under
    that name is checked again (a delay that doubles with each failure, capped).
    """

    __tablename__ = "login_throttle"

    # sha256 of "addr:<address>" or "user:<lower-case username>": neither is stored in clear.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

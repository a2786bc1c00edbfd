"""Signal alerts: a user's subscriptions and the in-app notifications delivered to them.

A notification holds published signals only (shares and ratios of a week, never a count),
so nothing about any person is stored or sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mrc.extensions import Model


class SignalSubscription(Model):
    __tablename__ = "signal_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # A country or MRC code inside the user's scope; "" is the whole scope.
    area: Mapped[str] = mapped_column(String(16), default="")
    # Where to e-mail the alert too (the user's work address); NULL: in the application only.
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignalNotification(Model):
    __tablename__ = "signal_notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("signal_subscription.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    week: Mapped[date] = mapped_column(Date)
    signals: Mapped[str] = mapped_column(Text)  # JSON: services.as_dict of each signal
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("subscription_id", "week", name="uq_signal_notification_week"),
    )

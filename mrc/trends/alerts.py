"""Signal alerts: subscribe a user to their scope's signals, and deliver a week's.

:func:`deliver` (``mrc signals run --deliver``, weekly from cron) evaluates each distinct
scope once, and for every active subscription with published signals that week stores one
in-app notification (at most one per subscription and week: running it twice sends
nothing twice; an e-mail that failed is tried again) and, when the subscription has an address and ``MRC_SMTP_URL`` is set,
e-mails the same sentences in the user's language. What is stored and sent is what the
signals page publishes (:func:`mrc.trends.services.publish`): shares, ratios, week counts
of a rise, never a count of sessions and nothing about any person.
"""

from __future__ import annotations

import json
import smtplib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from mrc.aggregates.hierarchy import Org, org
from mrc.auth.models import User
from mrc.extensions import db
from mrc.scope import mrc_ids_in_scope, narrow
from mrc.settings import settings
from mrc.trends import services, view
from mrc.trends.models import SignalNotification, SignalSubscription
from mrc.validation import ValidationError

MAX_SUBSCRIPTIONS = 20


@dataclass
class Delivery:
    notifications: int = 0
    emails: int = 0
    failed_emails: int = 0


def subscribe(user: User, area: str, email: str | None) -> SignalSubscription:
    """A new subscription to the signals of ``area`` (inside the user's scope; "" = all of
    it). ValidationError for a malformed address or too many subscriptions."""
    address = (email or "").strip() or None
    errors: dict[str, str] = {}
    if address and (len(address) > 254 or parseaddr(address)[1] != address
                    or "@" not in address.strip("@")):
        errors["email"] = _("Enter an e-mail address such as name@ministry.gov, or leave it "
                            "empty.")
    count = len(db.session.scalars(select(SignalSubscription.id).where(
        SignalSubscription.user_id == user.id, SignalSubscription.active.is_(True))).all())
    if count >= MAX_SUBSCRIPTIONS:
        errors["area"] = _("You have %(n)s alerts already; cancel one first.", n=count)
    if errors:
        raise ValidationError(errors)
    record = SignalSubscription(user_id=user.id, area=area, email=address, active=True,
                                created_at=datetime.now(UTC))
    db.session.add(record)
    db.session.flush()
    return record


def subscriptions(user: User) -> list[SignalSubscription]:
    return list(db.session.scalars(select(SignalSubscription).where(
        SignalSubscription.user_id == user.id, SignalSubscription.active.is_(True))
        .order_by(SignalSubscription.id)))


def cancel(user: User, subscription_id: int) -> bool:
    record = db.session.get(SignalSubscription, subscription_id)
    if record is None or record.user_id != user.id or not record.active:
        return False
    record.active = False
    return True


def _scope(user: User, area: str) -> Org:
    return org(narrow(mrc_ids_in_scope(user), area))


def _send(message: EmailMessage) -> None:
    url = urlsplit(settings().smtp_url)
    with smtplib.SMTP(url.hostname or "localhost", url.port or 25, timeout=30) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)


def _message(user: User, address: str, week: date, shown: list[services.Signal],
             scope: Org) -> EmailMessage:
    with force_locale(user.locale or settings().default_locale):
        lines = [f"- {v.dimension}: {v.value} · {v.unit}: {v.sentence} {v.shares}"
                 for v in view.describe(shown, scope, rtl=False)]
        message = EmailMessage()
        message["Subject"] = _("MRC: rising signals in the week of %(date)s",
                               date=week.isoformat())
        message["From"] = settings().mail_from
        message["To"] = address
        message.set_content("\n".join([
            _("Rising signals in your scope in the week of %(date)s:", date=week.isoformat()),
            "", *lines, "",
            _("Only shares are shown; weeks with too few sessions are left out.")]))
    return message


def deliver(week: date) -> Delivery:
    """Notify every active subscription of the week's published signals (see the module)."""
    done = Delivery()
    published: dict[frozenset[int], tuple[Org, list[services.Signal]]] = {}
    rows = db.session.execute(
        select(SignalSubscription, User).join(User, User.id == SignalSubscription.user_id)
        .where(SignalSubscription.active.is_(True), User.active.is_(True))
        .order_by(SignalSubscription.id)).all()
    for subscription, user in rows:
        scope = _scope(user, subscription.area)
        key = frozenset(scope.ids)
        if key not in published:
            shown = services.publish(services.evaluate(scope, week)) if key else []
            published[key] = (scope, shown)
        scope, shown = published[key]
        note = db.session.scalar(select(SignalNotification).where(
            SignalNotification.subscription_id == subscription.id,
            SignalNotification.week == week))
        if note is None and shown:
            note = SignalNotification(
                subscription_id=subscription.id, user_id=user.id, week=week,
                signals=json.dumps([services.as_dict(s) for s in shown]),
                created_at=datetime.now(UTC))
            db.session.add(note)
            done.notifications += 1
        if (note is not None and note.emailed_at is None and subscription.email
                and settings().smtp_url):
            try:  # a failed e-mail is tried again by the next run; the notification stands
                _send(_message(user, subscription.email, week,
                               [services.from_dict(d) for d in json.loads(note.signals)],
                               scope))
            except (OSError, smtplib.SMTPException):
                done.failed_emails += 1
            else:
                note.emailed_at = datetime.now(UTC)
                done.emails += 1
    db.session.flush()
    return done


def notifications(user: User, limit: int = 50) -> list[SignalNotification]:
    return list(db.session.scalars(select(SignalNotification).where(
        SignalNotification.user_id == user.id)
        .order_by(SignalNotification.week.desc(), SignalNotification.id.desc()).limit(limit)))


def unread(user: User) -> int:
    return len(db.session.scalars(select(SignalNotification.id).where(
        SignalNotification.user_id == user.id, SignalNotification.read_at.is_(None))).all())

"""``mrc webhook``: subscriptions, their delivery log, and the two cron commands
(``send-due`` every minute, ``due-followups`` once a day)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from mrc.auth.models import User
from mrc.extensions import db
from mrc.validation import ValidationError
from mrc.webhooks import delivery, services
from mrc.webhooks.models import WebhookDelivery, WebhookSubscription


def _user(username: str) -> User:
    user: User | None = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    return user


def _stamp(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment else "-"


@click.group("webhook")
def webhook_group() -> None:
    """Webhooks: each subscription receives its user's events, within the user's scope."""


@webhook_group.command("list")
@click.option("--username", required=True)
@with_appcontext
def list_command(username: str) -> None:
    """The user's webhooks (never their secrets): id, name, events, address, made."""
    for s in services.subscriptions(_user(username)):
        click.echo(f"{s.id}\t{s.name}\t{','.join(s.event_types)}\t{s.url}\t"
                   f"{s.created_at:%Y-%m-%d}")


@webhook_group.command("create")
@click.option("--username", required=True)
@click.option("--name", required=True)
@click.option("--url", required=True, help="The receiver: https:// on a public address.")
@click.option("--event", "event_types", multiple=True, required=True,
              help="An event type (repeat the option for several).")
@with_appcontext
def create_command(username: str, name: str, url: str, event_types: tuple[str, ...]) -> None:
    """Create a webhook; its signing secret is printed once, on stdout."""
    try:
        made = services.create_subscription(_user(username), name, url, list(event_types))
    except ValidationError as exc:
        db.session.rollback()
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) \
            from exc
    db.session.commit()
    click.echo(f"Webhook {made.record.id} ({name!r}) for {username}. Keep the secret now: "
               "it is not shown again.", err=True)
    click.echo(made.secret)


@webhook_group.command("delete")
@click.argument("subscription_id", type=int)
@with_appcontext
def delete_command(subscription_id: int) -> None:
    """Delete a webhook by its id: it stops at once; its delivery log is kept."""
    record = db.session.get(WebhookSubscription, subscription_id)
    if record is None or record.deleted_at is not None:
        raise click.ClickException(f"no webhook {subscription_id}")
    services.delete_subscription(record)
    db.session.commit()
    click.echo(f"Webhook {subscription_id} deleted.", err=True)


@webhook_group.command("deliveries")
@click.argument("subscription_id", type=int)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@with_appcontext
def deliveries_command(subscription_id: int, limit: int) -> None:
    """A webhook's delivery log, newest first: id, event, status, attempts, last answer."""
    if db.session.get(WebhookSubscription, subscription_id) is None:
        raise click.ClickException(f"no webhook {subscription_id}")
    for d in db.session.scalars(select(WebhookDelivery).where(
            WebhookDelivery.subscription_id == subscription_id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(limit)):
        click.echo(f"{d.id}\t{d.event_type}\t{d.event_id}\t{d.status}\t{d.attempts}\t"
                   f"{d.last_status_code or '-'}\t{d.last_error or '-'}\t"
                   f"{_stamp(d.next_attempt_at)}")


@webhook_group.command("send-due")
@with_appcontext
def send_due_command() -> None:
    """Send (or, with Redis, queue) every delivery that is due: new ones and retries.
    Run it every minute from cron."""
    counts = delivery.send_due(datetime.now(UTC))
    click.echo(", ".join(f"{k} {v}" for k, v in counts.items()), err=True)


@webhook_group.command("due-followups")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day the waves fall due (default: today).")
@with_appcontext
def due_followups_command(day: datetime | None) -> None:
    """Emit followup.due for every wave that falls due on the day, once per webhook
    however often it runs; then send what is due. Run it once a day from cron."""
    waves = services.emit_due_followups(day.date() if day else date.today())
    db.session.commit()
    counts = delivery.send_due(datetime.now(UTC))
    click.echo(f"{waves} waves due; " + ", ".join(f"{k} {v}" for k, v in counts.items()),
               err=True)


COMMANDS = [webhook_group]

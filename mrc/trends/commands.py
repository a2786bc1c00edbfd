"""``mrc signals run``: last week's rising signals for a scope, as published (see
docs/trends.md); cron runs it weekly."""

from __future__ import annotations

import json
import time
from datetime import date, datetime

import click
from flask.cli import with_appcontext

from mrc import signals
from mrc.aggregates.commands import scope_ids
from mrc.extensions import db


@click.group("signals")
def signals_group() -> None:
    """Trend signals ("ears on the ground")."""


@signals_group.command("run")
@click.option("--scope", "scope", default="all", show_default=True,
              help="all, an MRC code (PK-ISB), a country (PK) or a region code.")
@click.option("--week", "week", default=None, type=click.DateTime(["%Y-%m-%d"]),
              help="A day of the week to score (default: the last complete week).")
@click.option("--format", "fmt", default="text", show_default=True,
              type=click.Choice(["text", "json"]))
@click.option("--deliver", is_flag=True,
              help="Also deliver the week's alerts to every subscription (in-app and e-mail).")
@with_appcontext
def run_command(scope: str, week: datetime | None, fmt: str, deliver: bool) -> None:
    """Score every unit of the scope and print the published signals, strongest first."""
    from mrc.aggregates.hierarchy import org
    from mrc.audit import services as audit
    from mrc.trends import alerts, services, weekly

    started = time.perf_counter()
    day = week.date() if week else weekly.last_complete_week(date.today())
    evaluation = services.evaluate(org(scope_ids(scope)), weekly.monday(day))
    shown = services.publish(evaluation)
    audit.record("export", "signals", None, detail=f"scope={scope},week={day.isoformat()}")
    # Webhooks (signal.raised) evaluate the week for each subscriber's own scope.
    signals.trends_scored.send(weekly.monday(day))
    db.session.commit()
    if deliver:
        done = alerts.deliver(weekly.monday(day))
        db.session.commit()
        click.echo(f"alerts: {done.notifications} notifications, {done.emails} e-mails sent, "
                   f"{done.failed_emails} e-mails failed (tried again next run)", err=True)
    click.echo(f"{len(evaluation.series.keys)} series scored, {len(evaluation.signals)} "
               f"signals, {len(shown)} published, in {time.perf_counter() - started:.2f} s",
               err=True)
    if fmt == "json":
        click.echo(json.dumps([services.as_dict(s) for s in shown], ensure_ascii=False,
                              indent=1))
        return
    for s in shown:
        click.echo(f"{s.week.isoformat()}  {s.key.unit_kind}:{s.key.unit}  "
                   f"{s.key.dimension}={s.key.value}  {s.ratio:.1f}x its usual share "
                   f"({s.expected:.0%} -> {s.share:.0%}) for {s.weeks_running} week(s)")


COMMANDS = [signals_group]

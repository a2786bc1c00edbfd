"""``mrc lapse-followups``: the daily sweep that gives up waves past the lapse horizon."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import with_appcontext

from mrc.extensions import db


@click.command("lapse-followups")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to sweep as (default: today), YYYY-MM-DD.")
@with_appcontext
def lapse_followups_command(today: datetime | None) -> None:
    """Mark the follow-up waves still pending more than MRC_FOLLOWUP_LAPSE_DAYS after
    their due date as lapsed (not reached). Safe to run again; run it daily."""
    from mrc.cases import services
    from mrc.database import let_others_write

    day = today.date() if today is not None else date.today()
    total = 0
    # In chunks, each committed with the summaries it changed, so other writers get their
    # turn and a stopped sweep keeps what it did (running it again does the rest).
    while True:
        done = services.lapse_overdue_followups(today=day)
        if not done:
            break
        db.session.commit()
        let_others_write(db.engine)
        total += done
    click.echo(f"{total} follow-up waves lapsed", err=True)


COMMANDS = [lapse_followups_command]

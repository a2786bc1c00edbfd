"""``mrc worker``: run background jobs from the Redis queue (production)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from mrc.jobs.runner import QueueUnavailable, start_worker


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run background jobs from the Redis queue (production; needs REDIS_URL)."""
    try:
        start_worker(burst=burst)
    except QueueUnavailable as exc:
        raise click.ClickException(str(exc)) from exc


COMMANDS = [worker_command]

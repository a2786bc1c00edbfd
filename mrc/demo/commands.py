"""``mrc demo``: load the reference network, demo users and synthetic clients."""

from __future__ import annotations

import sys
import time
from datetime import date, datetime

import click

from mrc.demo.services import DemoResult, demo_logins, load_demo
from mrc.extensions import db


class _Progress:
    """Stage and counts on the terminal: one updating line on a tty, lines otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.started = time.perf_counter()
        self.last_line = 0.0

    def __call__(self, stage: str, result: DemoResult, target: int) -> None:
        elapsed = time.perf_counter() - self.started
        if stage == "setup":
            self.line(f"network and demo users ready ({elapsed:.1f} s); generating clients",
                      final=True)
            return
        if stage == "index":
            self.line(f"finishing: sequences, statistics ({elapsed:.1f} s)", final=True)
            return
        line = (f"clients {result.clients:,}/{target:,}  sessions {result.sessions:,}  "
                f"follow-ups {result.followups:,}  attempts {result.attempts:,}  "
                f"({elapsed:.1f} s)")
        done = result.clients >= target
        if self.tty or done or elapsed - self.last_line >= 5:
            self.last_line = elapsed
            self.line(line, final=done)

    def line(self, text: str, final: bool = False) -> None:
        if self.tty:
            click.echo("\r\033[K" + text, err=True, nl=final)
        else:
            click.echo(text, err=True)


def echo_logins() -> None:
    """The table of demo usernames, passwords, roles and scopes."""
    rows = [(login.username, login.password, login.role, login.scope or "all")
            for login in demo_logins()]
    headers = ("username", "password", "role", "scope")
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    click.echo("Demo logins (demo only: these passwords are public):")
    for row in [headers, tuple("-" * w for w in widths), *rows]:
        click.echo("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                   .rstrip())


def _parse_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise click.BadParameter("use the form YYYY-MM-DD") from exc


@click.command("demo")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same seed and size give the same data.")
@click.option("--clients", type=click.IntRange(min=0), default=3000, show_default=True,
              help="Number of synthetic clients (sessions and follow-ups scale with it).")
@click.option("--comparison", type=click.IntRange(min=0), default=0, show_default=True,
              help="Number of comparison-survey respondents (people who never visited an "
                   "MRC), surveyed at the baseline and the follow-up waves.")
@click.option("--if-empty", is_flag=True,
              help="Load nothing when the database already holds clients.")
@click.option("--print-logins", is_flag=True, help="Print the demo usernames and passwords.")
@click.option("--today", callback=_parse_day, metavar="YYYY-MM-DD",
              help="Reference day of the data (default: today), for reproducing a data set.")
def demo_command(seed: int, clients: int, comparison: int, if_empty: bool,
                 print_logins: bool, today: date | None) -> None:
    """Load demo data: 7 MRCs in 5 countries, one user per role, synthetic clients."""
    try:
        result = load_demo(seed, clients, if_empty=if_empty, today=today, progress=_Progress(),
                           comparison=comparison)
    except Exception:
        db.session.rollback()
        raise
    if result.skipped:
        click.echo("The database already holds clients: no demo data loaded.")
    else:
        db.session.commit()
        rate = result.rows / result.seconds if result.seconds else 0.0
        click.echo(f"Demo loaded (seed {seed}): {result.clients:,} clients, "
                   f"{result.sessions:,} sessions, {result.followups:,} follow-ups, "
                   f"{result.attempts:,} attempts, {result.events:,} outreach events, "
                   f"{result.referrals:,} referrals, "
                   f"{result.respondents:,} comparison respondents "
                   f"in {result.seconds:.1f} s "
                   f"({rate:,.0f} rows/s).")
    if print_logins:
        echo_logins()


COMMANDS = [demo_command]

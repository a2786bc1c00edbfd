"""The ``mrc`` command group (also ``flask --app wsgi mrc …``).

Each command parses its options and calls a service; the command commits once at the end,
so a failed command leaves nothing half-written.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from mrc.extensions import db

mrc_group = AppGroup("mrc", help="MRC administration commands.")


@mrc_group.command("create-user")
@click.option("--username", required=True)
@click.option("--role", required=True,
              type=click.Choice(["counsellor", "manager", "supervisor", "evaluator", "admin"]))
@click.option("--mrc", "mrc_code", help="MRC code such as PK-ISB (scope: one MRC).")
@click.option("--country", "country_code", help="ISO alpha-2 country code (scope: one country).")
@click.option("--region", "region_code", help="Region code (scope: one region).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
def create_user_command(username: str, role: str, mrc_code: str | None,
                        country_code: str | None, region_code: str | None, password: str) -> None:
    """Create a user with a role and a scope."""
    from mrc.auth.services import UserError, create_user
    from mrc.org.services import resolve_scope

    try:
        mrc_id, country_id, region_id = resolve_scope(mrc_code, country_code, region_code)
        user = create_user(username, password, role, mrc_id=mrc_id, country_id=country_id,
                           region_id=region_id)
    except (UserError, LookupError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created user {user.username} ({user.role}).")


@mrc_group.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run background jobs from the Redis queue (production; needs REDIS_URL)."""
    from mrc.jobs.services import QueueUnavailable, start_worker

    try:
        start_worker(burst=burst)
    except QueueUnavailable as exc:
        raise click.ClickException(str(exc)) from exc


def register(app: Flask) -> None:
    """Attach the command group, including the feature packages' commands."""
    from mrc.aggregates.commands import aggregates_command
    from mrc.cases.commands import new_key_command, rotate_keys_command
    from mrc.demo.commands import demo_command
    from mrc.impact.commands import impact_command
    from mrc.imports.commands import import_command
    from mrc.leaflets.commands import leaflets_group
    from mrc.panels.commands import export_panel_command
    from mrc.reports.commands import report_command

    for command in (demo_command, import_command, rotate_keys_command, new_key_command,
                    leaflets_group, export_panel_command, aggregates_command, impact_command,
                    report_command):
        if command.name not in mrc_group.commands:
            mrc_group.add_command(command)
    app.cli.add_command(mrc_group)


def main() -> None:
    """Console script entry point: ``mrc <command>``."""
    from mrc import create_app

    if sys.argv[1:2] == ["new-key"]:
        # Before create_app: a production configuration refuses to start without the key.
        from mrc.cases.commands import new_key_command

        new_key_command.main(args=sys.argv[2:], prog_name="mrc new-key")
        return
    app = create_app()
    with app.app_context():
        mrc_group.main(args=sys.argv[1:], prog_name="mrc")

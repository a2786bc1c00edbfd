"""``mrc create-user``: a user with a role and a scope, from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from mrc.auth.services import UserError, create_user
from mrc.extensions import db
from mrc.org.services import resolve_scope


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--role", required=True,
              type=click.Choice(["counsellor", "manager", "supervisor", "evaluator", "admin"]))
@click.option("--mrc", "mrc_code", help="MRC code such as PK-ISB (scope: one MRC).")
@click.option("--country", "country_code", help="ISO alpha-2 country code (scope: one country).")
@click.option("--region", "region_code", help="Region code (scope: one region).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
@with_appcontext
def create_user_command(username: str, role: str, mrc_code: str | None,
                        country_code: str | None, region_code: str | None, password: str) -> None:
    """Create a user with a role and a scope."""
    try:
        mrc_id, country_id, region_id = resolve_scope(mrc_code, country_code, region_code)
        user = create_user(username, password, role, mrc_id=mrc_id, country_id=country_id,
                           region_id=region_id)
    except (UserError, LookupError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created user {user.username} ({user.role}).")


COMMANDS = [create_user_command]

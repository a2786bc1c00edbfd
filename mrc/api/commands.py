"""``mrc api-token``: create, list and revoke a user's API tokens (issue #13)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from mrc.api import openapi, tokens
from mrc.api.models import ApiToken
from mrc.auth.models import User
from mrc.extensions import db


def _user(username: str) -> User:
    user: User | None = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    return user


@click.group("api-token")
def api_token_group() -> None:
    """API tokens: each acts for its user, with the user's role and scope."""


@api_token_group.command("create")
@click.option("--username", required=True)
@click.option("--name", required=True, help="What the token is for, e.g. 'ministry DHIS2 sync'.")
@click.option("--days", type=int, default=tokens.DEFAULT_DAYS, show_default=True,
              help=f"Valid for this many days (at most {tokens.MAX_DAYS}).")
@with_appcontext
def create_command(username: str, name: str, days: int) -> None:
    """Create a token; it is printed once, on stdout, and cannot be shown again."""
    try:
        made = tokens.create_token(_user(username), name, days)
    except tokens.TokenError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Token {made.record.id} ({name!r}) for {username}, valid until "
               f"{made.record.expires_at:%Y-%m-%d}. Keep it now: it is not shown again.",
               err=True)
    click.echo(made.secret)


@api_token_group.command("list")
@click.option("--username", required=True)
@with_appcontext
def list_command(username: str) -> None:
    """The user's tokens (never their secrets): id, name, created, expires, last used, state."""
    user = _user(username)
    active = {t.id for t in tokens.active_tokens(user)}
    for t in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.id)):
        state = "active" if t.id in active else "revoked" if t.revoked_at else "expired"
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
        click.echo(f"{t.id}\t{t.name}\t{t.created_at:%Y-%m-%d}\t{t.expires_at:%Y-%m-%d}\t"
                   f"{used}\t{state}")


@api_token_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_command(token_id: int) -> None:
    """Revoke a token by its id (from ``mrc api-token list``); it stops working at once."""
    record = db.session.get(ApiToken, token_id)
    if record is None:
        raise click.ClickException(f"no token {token_id}")
    changed = tokens.revoke_token(record)
    db.session.commit()
    click.echo(f"Token {token_id} revoked." if changed else f"Token {token_id} was already "
               "revoked.", err=True)


@click.group("api")
def api_group() -> None:
    """The JSON API's reference."""


@api_group.command("openapi")
@with_appcontext
def openapi_command() -> None:
    """Print the OpenAPI document (as served at /api/v1/openapi.json), to commit it:
    ``mrc api openapi > docs/openapi.json``."""
    click.echo(openapi.document_json(current_app), nl=False)


COMMANDS = [api_token_group, api_group]

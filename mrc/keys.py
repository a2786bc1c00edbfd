"""The application's cipher and blind-index keys, built once per app from configuration,
and key management: ``mrc new-key`` and ``mrc rotate-keys``."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from mrc.features import feature_modules
from mrc.privacy.blind_index import candidates, derive_index_key
from mrc.privacy.encryption import Cipher, InvalidToken, new_key, parse_keys


class KeyRing:
    def __init__(self, raw_keys: str):
        keys = parse_keys(raw_keys)
        self.cipher = Cipher(keys)
        self.index_keys = [derive_index_key(k) for k in keys]

    def phone_index(self, e164: str) -> str:
        """Blind index under the primary key (what is stored)."""
        return candidates(self.index_keys[:1], e164)[0]

    def phone_index_candidates(self, e164: str) -> list[str]:
        """Blind index under every configured key (what a look-up searches)."""
        return candidates(self.index_keys, e164)


def init_app(app: Flask) -> None:
    app.extensions["mrc_keys"] = KeyRing(app.config["MRC_ENCRYPTION_KEYS"])


def keyring() -> KeyRing:
    ring: KeyRing = current_app.extensions["mrc_keys"]
    return ring


# --- key rotation ---------------------------------------------------------------------------
# Each feature that stores something encrypted registers a step in its ``rotation.py``; the
# command runs them all in one transaction (all or nothing), so this module imports no feature.

RotationStep = Callable[[int], list[str]]
_STEPS: dict[str, RotationStep] = {}


def rotation_step(name: str) -> Callable[[RotationStep], RotationStep]:
    """Register ``fn(batch_size) -> messages`` as the re-encryption step ``name``: it
    re-encrypts its records under the primary key (safe to run twice; it does not commit)
    and returns translated lines saying what it did."""

    def register(fn: RotationStep) -> RotationStep:
        _STEPS[name] = fn
        return fn

    return register


def rotate_all(batch_size: int) -> list[str]:
    """Run every feature's rotation step; raises :class:`InvalidToken` when some data opens
    with none of the configured keys."""
    feature_modules("rotation")
    messages: list[str] = []
    for step in _STEPS.values():
        messages.extend(step(batch_size))
    return messages


@click.command("new-key")
def new_key_command() -> None:
    """Print a new random encryption key in the format MRC_ENCRYPTION_KEY expects.

    For rotation, put it first and keep the old key after it: MRC_ENCRYPTION_KEY=new,old."""
    # Needs no application or database: it makes the key a configuration may still lack.
    click.echo(new_key())


@click.command("rotate-keys")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(min=1),
              help="Records re-encrypted per database round trip.")
@with_appcontext
def rotate_keys_command(batch_size: int) -> None:
    """Re-encrypt phone numbers, notes and panel study keys under the first configured key
    and recompute the blind index (all or nothing; safe to run twice).

    Rotation: put a new key first in ``MRC_ENCRYPTION_KEY`` and keep the old one after it
    (``new,old``), restart, run ``mrc rotate-keys``, then remove the old key. Look-ups by phone
    work throughout because the blind index is searched under every configured key."""
    from mrc.extensions import db

    try:
        messages = rotate_all(batch_size)
    except InvalidToken as exc:
        db.session.rollback()
        # No record id or value here: the message goes to terminals and logs.
        raise click.ClickException(_(
            "Some encrypted data opens with none of the configured keys; nothing was changed. "
            "Add the old key after the new one in MRC_ENCRYPTION_KEY and run again.")) from exc
    db.session.commit()
    for message in messages:
        click.echo(message)


COMMANDS = [new_key_command, rotate_keys_command]

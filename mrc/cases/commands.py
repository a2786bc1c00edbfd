"""Key management commands: ``mrc new-key`` and ``mrc rotate-keys``.

Rotation: put a new key first in ``MRC_ENCRYPTION_KEY`` and keep the old one after it
(``new,old``), restart, run ``mrc rotate-keys``, then remove the old key. Look-ups by phone
work throughout because the blind index is searched under every configured key.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_babel import ngettext

from mrc.extensions import db
from mrc.privacy.encryption import InvalidToken, new_key


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
    """Re-encrypt phone numbers and notes under the first configured key and recompute the
    blind index (all or nothing; safe to run twice)."""
    from mrc.cases.services import rotate_keys
    from mrc.panels.services import rotate_study_keys

    try:
        counts = rotate_keys(batch_size=batch_size)
        studies = rotate_study_keys()
    except InvalidToken as exc:
        db.session.rollback()
        # No record id or value here: the message goes to terminals and logs.
        raise click.ClickException(_(
            "Some encrypted data opens with none of the configured keys; nothing was changed. "
            "Add the old key after the new one in MRC_ENCRYPTION_KEY and run again.")) from exc
    db.session.commit()
    click.echo(_("Re-encrypted %(phones)s phone numbers and %(notes)s session notes.",
                 phones=counts["phones"], notes=counts["notes"]))
    click.echo(ngettext("Re-encrypted the key of %(num)s panel study.",
                        "Re-encrypted the keys of %(num)s panel studies.", studies))

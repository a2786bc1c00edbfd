"""``mrc import KIND FILE.csv [--mrc CODE]``: the import as a command for the system.

Prints a summary, or every error as ``row 12, column birth_year: …`` on standard error
and exits with status 1 having written nothing (or, when the load stopped at a problem
after saving some chunks, how many rows were saved: importing the file again adds the
rest).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from mrc.extensions import db
from mrc.imports.services import IMPORTERS, import_csv
from mrc.org.models import MRC


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(IMPORTERS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mrc", "mrc_code",
              help="MRC code (such as PK-ISB) for rows without an mrc column; rows of "
                   "another MRC are then refused.")
def import_command(kind: str, file: Path, mrc_code: str | None) -> None:
    """Import a CSV file of clients, sessions or follow-ups (all or nothing; rows already
    imported are skipped). See docs/import-formats.md."""
    target = None
    if mrc_code:
        target = db.session.scalar(select(MRC).where(MRC.code == mrc_code.strip().upper()))
        if target is None:
            raise click.ClickException(_("Unknown MRC code %(code)s.", code=mrc_code))
    result = import_csv(kind, file.read_bytes(), target_mrc=target, user=None)
    if not result.ok:
        db.session.rollback()
        for error in result.errors:
            click.echo(error.describe(), err=True)
        if result.partial:
            click.echo(_("Rows saved before the import stopped: %(n)s. Import the same file "
                         "again to add the rest; rows already saved are skipped.",
                         n=result.added), err=True)
        else:
            click.echo(ngettext("%(num)s problem found; nothing was imported.",
                                "%(num)s problems found; nothing was imported.",
                                len(result.errors)), err=True)
        raise click.exceptions.Exit(1)
    db.session.commit()
    click.echo(_("%(kind)s: %(added)s added, %(skipped)s already imported (skipped).",
                 kind=kind, added=result.added, skipped=result.skipped))


COMMANDS = [import_command]

"""``mrc referrals import-directory FILE`` and ``mrc referrals export-directory [FILE]``: the
facility directory as CSV, for the system (the same file as the administrators' pages)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from mrc.extensions import db
from mrc.referrals import directory

referrals_group = AppGroup("referrals", help="Referrals: the facility directory.")


@referrals_group.command("import-directory")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_directory_command(file: Path) -> None:
    """Import a CSV file of facilities (all or nothing): rows with a known external_id
    update their facility, the others are added. See docs/referrals.md."""
    with file.open("rb") as source:
        # One byte more than allowed is enough to tell that a file is too large.
        raw = source.read(directory.MAX_BYTES + 1)
    result = directory.import_directory(raw)
    if not result.ok:
        db.session.rollback()
        for error in result.errors:
            click.echo(error.describe(), err=True)
        click.echo(ngettext("%(num)s problem found; nothing was imported.",
                            "%(num)s problems found; nothing was imported.",
                            len(result.errors)), err=True)
        raise click.exceptions.Exit(1)
    db.session.commit()
    click.echo(_("Facility directory: %(added)s added, %(updated)s updated.",
                 added=result.added, updated=result.updated))


@referrals_group.command("export-directory")
@click.argument("file", required=False,
                type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_directory_command(file: Path | None) -> None:
    """Write the facility directory as CSV to FILE (default: standard output), in the
    columns that import-directory reads."""
    text = directory.export_csv()
    if file is None:
        click.echo(text, nl=False)
    else:
        # With a byte-order mark, so spreadsheet programs read the names as UTF-8.
        file.write_text(text, encoding="utf-8-sig", newline="")
        click.echo(_("Facility directory written to %(file)s.", file=str(file)), err=True)
    db.session.commit()


COMMANDS = [referrals_group]

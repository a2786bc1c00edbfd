"""``mrc export-panel``: the same panel zip as the web page, written to a file."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from mrc.extensions import db
from mrc.org.models import MRC
from mrc.panels import services
from mrc.panels import variables as V
from mrc.panels.models import PanelStudy
from mrc.privacy.kanonymity import MIN_K
from mrc.privacy.pseudonyms import new_study_key


def _day(value: str | None) -> date | None:
    return datetime.strptime(value, "%Y-%m-%d").date() if value else None


@click.command("export-panel")
@click.option("--study", "study_id", type=int,
              help="Id of a stored study (its key: the same person ids on every export).")
@click.option("--k", type=click.IntRange(min=MIN_K, max=services.MAX_K),
              help="k-anonymity threshold (default: the study's, or 5).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The zip to write.")
@click.option("--mrc", "mrc_codes", multiple=True,
              help="Without --study: MRC code (repeatable; default all).")
@click.option("--from", "start", help="Without --study: first baseline day (YYYY-MM-DD).")
@click.option("--to", "end", help="Without --study: last baseline day (YYYY-MM-DD).")
@click.option("--shape", type=click.Choice(list(V.SHAPES)), default="long", show_default=True,
              help="Without --study: long or wide.")
@click.option("--format", "formats", multiple=True, type=click.Choice(list(V.FORMATS)),
              help="Without --study: data format (repeatable; default all).")
@with_appcontext
def export_panel_command(study_id: int | None, k: int | None, output: Path,
                         mrc_codes: tuple[str, ...], start: str | None, end: str | None,
                         shape: str, formats: tuple[str, ...]) -> None:
    """Export an anonymised longitudinal panel as one zip (data, codebook, disclosure
    report, manifest). Without --study, an ad hoc panel with a one-off key."""
    study: PanelStudy | None = None
    if study_id is not None:
        study = db.session.get(PanelStudy, study_id)
        if study is None:
            raise click.ClickException(f"No study {study_id}.")
        spec = services.spec_of(study, None, k)
        key = services.study_key(study)
    else:
        query = select(MRC.id)
        if mrc_codes:
            codes = [c.strip().upper() for c in mrc_codes]
            query = query.where(MRC.code.in_(codes))
        mrc_ids = list(db.session.scalars(query))
        if not mrc_ids:
            raise click.ClickException("No such MRC.")
        try:
            first, last = _day(start), _day(end)
        except ValueError as exc:
            raise click.ClickException("Dates are YYYY-MM-DD.") from exc
        spec = services.adhoc_spec(mrc_ids, first, last, k=k or 5, shape=shape,
                                   formats=formats or tuple(V.FORMATS))
        key = new_study_key()
    summary = services.write_cli_export(spec, key, output, study)
    db.session.commit()
    click.echo(f"{output}: {summary.persons} persons, {summary.rows} rows, "
               f"k reached {summary.k_reached}, sha256 {summary.sha256}")


COMMANDS = [export_panel_command]

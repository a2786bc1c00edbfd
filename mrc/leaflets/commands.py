"""``mrc leaflets sync`` and ``mrc leaflets render``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from mrc.extensions import db
from mrc.jobs.services import output_dir as jobs_output_dir
from mrc.leaflets import render
from mrc.leaflets.library import LANGUAGES, LeafletError, load_library
from mrc.org.models import MRC

leaflets_group = AppGroup("leaflets", help="The leaflet library: catalogue and PDFs.")


@leaflets_group.command("sync")
def sync_command() -> None:
    """Create or update the leaflet catalogue from the library on disk (leaflets/)."""
    from mrc.leaflets.services import sync_catalogue

    try:
        touched = sync_catalogue(load_library())
    except LeafletError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Catalogue synced: {touched} leaflets.")


@leaflets_group.command("render")
@click.option("--code", "codes", multiple=True, help="Leaflet code (repeatable; default all).")
@click.option("--lang", "langs", multiple=True, type=click.Choice(LANGUAGES),
              help="Language (repeatable; default all).")
@click.option("--size", "sizes", multiple=True, type=click.Choice(render.PAGE_SIZES),
              help="Page size (repeatable; default A5 and A4).")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the PDFs (default: MRC_OUTPUT_DIR/leaflets).")
@click.option("--mrc", "mrc_code", help="MRC code (e.g. PK-ISB) whose name and contacts are "
              "printed; default: a neutral block.")
@click.option("--processes", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes rendering in parallel.")
def render_command(codes: tuple[str, ...], langs: tuple[str, ...], sizes: tuple[str, ...],
                   output_dir: Path | None, mrc_code: str | None, processes: int) -> None:
    """Render leaflets to PDF: L01-regular-pathways_ur_A5.pdf …"""
    details = None
    if mrc_code:
        mrc = db.session.scalar(select(MRC).where(MRC.code == mrc_code.strip().upper()))
        if mrc is None:
            raise click.ClickException(f"Unknown MRC {mrc_code!r}.")
        details = render.MrcDetails.of(mrc)
    try:
        specs = render.select_pdfs(codes, langs, sizes)
    except (LookupError, LeafletError) as exc:
        raise click.ClickException(str(exc)) from exc
    directory = output_dir or jobs_output_dir() / "leaflets"
    if processes > 1:
        render.render_in_processes(
            specs, details, directory, processes=processes,
            progress=lambda done, total, result: click.echo(f"[{done}/{total}] {result.path}"))
    else:
        for done, spec in enumerate(specs, start=1):
            path = render.write_leaflet(spec.leaflet, spec.lang, spec.size, details, directory)
            click.echo(f"[{done}/{len(specs)}] {path}")
    click.echo(f"Rendered {len(specs)} PDFs into {directory}.")


COMMANDS = [leaflets_group]

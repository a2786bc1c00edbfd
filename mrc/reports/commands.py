"""``mrc report``: a quarterly report written to a file, from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from mrc.config import SUPPORTED_LOCALES
from mrc.extensions import db


@click.command("report")
@click.option("--scope", "scope", default="all", show_default=True,
              help="all, an MRC code (PK-ISB), a country (PK) or a region code.")
@click.option("--quarter", "quarter", required=True, help="The quarter, e.g. 2026-Q3.")
@click.option("--lang", default="en", show_default=True, type=click.Choice(SUPPORTED_LOCALES))
@click.option("--format", "formats", multiple=True, default=("pdf",), show_default=True,
              type=click.Choice(["pdf", "csv", "xlsx"]),
              help="Repeat for several (written as one zip).")
@click.option("--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              default=None,
              help="File to write (default: the localised name in the current folder); "
                   "- writes the report to standard output.")
@with_appcontext
def report_command(scope: str, quarter: str, lang: str, formats: tuple[str, ...],
                   output: Path | None) -> None:
    """Write the quarterly report of a scope (the numbers of the dashboard, suppressed)."""
    from mrc.aggregates import periods
    from mrc.aggregates.commands import scope_ids
    from mrc.audit import services as audit
    from mrc.reports import render
    from mrc.reports.services import ReportRequest

    try:
        period = periods.parse(quarter)
    except periods.PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--quarter") from exc
    if period.kind != "quarter":
        raise click.BadParameter("a quarter such as 2026-Q3", param_hint="--quarter")
    q = (period.first.month - 1) // 3 + 1
    wanted = ReportRequest(period.first.year, q, lang, tuple(dict.fromkeys(formats)))
    files = render.report_files(scope_ids(scope), wanted)
    _ext, name, data = render.report_output(files, wanted)
    audit.record("export", "quarterly_report", None, user=None,
                 detail=f"period={period.code},scope={scope},lang={lang},cli")
    db.session.commit()
    if output == Path("-"):
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = output or Path(name)
    partial = target.with_name(f".partial-{target.name}")
    partial.write_bytes(data)
    partial.replace(target)
    click.echo(str(target), err=True)


COMMANDS = [report_command]

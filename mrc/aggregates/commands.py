"""``mrc aggregates``: the dashboard's suppressed tables on stdout (indicators, trends and
referrals, in the dashboard's order), and ``--rebuild``."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import Select

from mrc.extensions import db
from mrc.scope import named_scope


def scope_ids(code: str) -> Select[Any]:
    """MRC ids for ``all``, an MRC code, a country alpha-2 code or a region code (``--scope``)."""
    try:
        return named_scope(code)
    except LookupError as exc:
        raise click.BadParameter(str(exc), param_hint="--scope") from exc


@click.command("aggregates")
@click.option("--scope", "scope", default="all", show_default=True,
              help="all, an MRC code (PK-ISB), a country (PK) or a region code.")
@click.option("--period", default=None,
              help="2026, 2026-Q3, 2026-07 or 2026-01-01..2026-06-30 (default: last 12 months).")
@click.option("--breakdown", default="mrc", show_default=True,
              type=click.Choice(["mrc", "country", "sex", "age_band", "migrant_status",
                                 "channel", "topic", "destination"]))
@click.option("--format", "fmt", default="csv", show_default=True,
              type=click.Choice(["csv", "json"]))
@click.option("--trends/--no-trends", default=True, show_default=True,
              help="Also print the monthly destination and intention tables.")
@click.option("--referrals/--no-referrals", default=True, show_default=True,
              help="Also print the referral tables (by service, destination and status, "
                   "and the completion rate).")
@click.option("--rebuild", is_flag=True,
              help="Recompute the summary tables from the records first (and commit).")
@with_appcontext
def aggregates_command(scope: str, period: str | None, breakdown: str, fmt: str,
                       trends: bool, referrals: bool, rebuild: bool) -> None:
    """Print the protected aggregate tables (the same numbers as the dashboard)."""
    from mrc.aggregates import periods, services, summaries
    from mrc.aggregates.referrals import referral_tables
    from mrc.audit import services as audit

    if rebuild:
        counts = summaries.rebuild()
        db.session.commit()
        click.echo(", ".join(f"{k}: {v} rows" for k, v in counts.items()), err=True)
    try:
        chosen = periods.parse(period) if period else periods.current_year()
    except periods.PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from exc
    ids = scope_ids(scope)
    if trends:
        indicators, trend = services.dashboard_tables(ids, chosen, breakdown)
        tables = [*indicators, *trend]
    else:
        tables = services.indicator_tables(ids, chosen, breakdown)
    if referrals:
        # Suppressed jointly with each other, as on the dashboard ([] when none was sent).
        tables = [*tables, *referral_tables(ids, chosen, breakdown)]
    audit.record("export", "aggregates", None,
                 detail=f"scope={scope},period={chosen.code},breakdown={breakdown}")
    db.session.commit()
    click.echo(services.tables_to_json(tables) if fmt == "json"
               else services.tables_to_csv(tables), nl=False)


COMMANDS = [aggregates_command]

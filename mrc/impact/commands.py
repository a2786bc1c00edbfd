"""``mrc impact [--scope S] [--period P]``: the impact estimates as a table on stdout."""

from __future__ import annotations

import json
from dataclasses import asdict

import click
from flask_babel import gettext as _

from mrc.audit import services as audit
from mrc.extensions import db
from mrc.impact.presentation import Line, legend, method_note, report_lines
from mrc.impact.services import ImpactReport, PeriodError, impact_report, parse_period
from mrc.scope import named_scope
from mrc.spreadsheets import csv_text

SUPPRESSED = "x"
MISSING = "-"


def _number(value: float | None, signed: bool = False) -> str:
    if value is None:
        return MISSING
    return f"{value:+.2f}" if signed else f"{value:.2f}"


def _count(value: int | None) -> str:
    return MISSING if value is None else f"{value:,}"


def _cells(line: Line) -> list[str]:
    if line.suppressed:
        return [str(line.wave), line.outcome_label, line.design_label,
                *[SUPPRESSED] * 8]
    def value(name: str, signed: bool = False) -> str:
        return SUPPRESSED if line.is_withheld(name) else _number(getattr(line, name), signed)

    interval = SUPPRESSED if line.is_withheld("ci") else MISSING
    if line.ci_low is not None and line.ci_high is not None:
        interval = f"[{line.ci_low:+.2f}, {line.ci_high:+.2f}]"
        interval += " †" if line.not_clustered else ""
    change = value("followup") if line.design == "level" else value("change", True)
    return [str(line.wave), line.outcome_label, line.design_label, _count(line.n_clients),
            _count(line.n_comparison), value("baseline"), value("followup"),
            value("comparison_baseline"), value("comparison_followup"),
            f"{change} {line.unit if line.design != 'level' else '%'}", interval]


# Machine-readable columns: the codes of DESIGN.md's vocabulary, numbers unformatted.
FIELDS = ("wave", "outcome", "design", "unit", "n_clients", "n_comparison", "baseline",
          "followup", "comparison_baseline", "comparison_followup", "change", "ci_low",
          "ci_high", "method", "suppressed")


def _records(lines: list[Line]) -> list[dict[str, object]]:
    return [{name: record[name] for name in FIELDS} for record in map(asdict, lines)]


def _as_csv(lines: list[Line]) -> str:
    return csv_text([FIELDS, *([record[k] for k in FIELDS] for record in _records(lines))])


def _echo_table(report: ImpactReport, lines: list[Line]) -> None:
    headers = [_("Wave"), _("Outcome"), _("Design"), _("Clients"), _("Comparison"),
               _("Clients before"), _("Clients after"), _("Comparison before"),
               _("Comparison after"), _("Change"), _("Interval (95 %)")]
    rows = [_cells(line) for line in lines]
    if not rows:
        click.echo(_("No clients or comparison respondents with a baseline in this scope "
                     "and period."))
    else:
        widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
        for row in [headers, ["-" * w for w in widths], *rows]:
            click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                       .rstrip())
        click.echo("")
        click.echo(_("Shares in %%, changes in percentage points (pp); awareness in score "
                     "points. Clients: %(clients)s; comparison respondents: %(respondents)s.",
                     clients=_count(report.clients or None).replace(MISSING, SUPPRESSED),
                     respondents=_count(report.respondents or None).replace(MISSING, SUPPRESSED)))
        click.echo(method_note(report))
    click.echo(_("%(x)s: suppressed, fewer than %(n)s people.", x=SUPPRESSED,
                 n=report.threshold))
    click.echo(f"{MISSING}: {legend(report.threshold)[1][1]}")


@click.command("impact")
@click.option("--scope", "scope", default="all", show_default=True,
              help="MRC code (PK-ISB), country (PK), region code (SOUTH_ASIA) or all.")
@click.option("--period", "period", default="",
              help="Baseline period of the cohort: 2026, 2026-Q3, 2026-07 or "
                   "2026-01-01..2026-06-30 (default: every baseline).")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "csv", "json"]),
              help="table for people; csv or json (codes, unformatted numbers) for programs.")
def impact_command(scope: str, period: str, fmt: str) -> None:
    """Impact estimates: clients' change from the baseline to each follow-up wave and,
    with comparison-survey data, the difference in differences, with 95 % intervals
    clustered by MRC. Estimates resting on too few people are suppressed."""
    try:
        mrc_ids = named_scope(scope)
        chosen = parse_period(period)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    except PeriodError as exc:
        raise click.ClickException(exc.message) from exc
    report = impact_report(mrc_ids, chosen)
    lines = report_lines(report)
    if fmt == "json":
        click.echo(json.dumps({"threshold": report.threshold, "clients": report.clients,
                               "respondents": report.respondents, "lines": _records(lines)},
                              ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(_as_csv(lines), nl=False)
    else:
        _echo_table(report, lines)
    audit.record("export", "impact", None, detail=f"scope={scope.strip().upper()[:40]},"
                                                  f"period={chosen.text[:40]}")
    db.session.commit()


COMMANDS = [impact_command]

"""The impact section of a quarterly report: the estimates of the clients whose baseline
falls in the quarter (``mrc.impact``), as one published table, and the notes that go with
it (how the intervals were found, why one is not clustered by MRC, and what an empty cell
means).

A cell is *suppressed* (``x``) when the disclosure rule withheld it — too few people, or a
change one of whose parts is withheld — and *undefined* (``–``) when there is nothing to
publish (no baseline for the outcome, no interval): the two never share a mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, select

from mrc.aggregates import periods
from mrc.aggregates.services import SUPPRESSED, PublishedTable, Row
from mrc.impact import presentation
from mrc.impact import services as impact
from mrc.impact.estimators import Estimate
from mrc.org.models import MRC

# Each column: its code, and the Estimate field whose withholding suppresses it.
_COLUMNS = (("people", ""), ("baseline", "baseline"), ("followup", "followup"),
            ("change", "estimate"), ("ci_low", "ci_low"), ("ci_high", "ci_high"))


def _num(x: float | None, scale: float) -> float | None:
    return None if x is None else round(x * scale, 1)


def estimate_row(e: Estimate) -> tuple[list[float | int | None], list[bool]]:
    """One estimate's cells (people, baseline, follow-up, change, interval) in display
    units, and which of them are suppressed. A level row has no change (undefined)."""
    scale = 100.0 if e.is_share else 1.0
    change = None if e.design == "level" else _num(e.estimate, scale)
    values: list[float | int | None] = [
        e.n_treated, _num(e.baseline, scale), _num(e.followup, scale), change,
        _num(e.ci_low, scale), _num(e.ci_high, scale)]
    hidden = [e.suppressed or (bool(name) and name in e.withheld) for _c, name in _COLUMNS]
    return [None if h else v for v, h in zip(values, hidden, strict=True)], hidden


def impact_table(report: impact.ImpactReport) -> PublishedTable | None:
    """The report's estimates as one published table (None without estimates)."""
    if not report.estimates:
        return None
    rows: list[Row] = []
    cells: list[list[float | int | None]] = []
    hidden: list[list[bool]] = []
    for e in report.estimates:
        label = _("%(outcome)s, %(design)s, wave %(wave)s",
                  outcome=str(impact.OUTCOME_LABELS.get(e.outcome, e.outcome)),
                  design=str(impact.DESIGN_LABELS.get(e.design, e.design)), wave=e.wave)
        if e.method == "person_robust" and e.ci_low is not None and not e.suppressed:
            label += " †"
        rows.append(Row(f"{e.outcome}-{e.design}-{e.wave}", label, 1))
        line, withheld = estimate_row(e)
        cells.append(line)
        hidden.append(withheld)
    columns = [("people", _("People")), ("baseline", _("Baseline")),
               ("followup", _("Follow-up")), ("change", _("Change")),
               ("ci_low", _("Lower limit (95 %)")), ("ci_high", _("Upper limit (95 %)"))]
    return PublishedTable(
        key="impact", title=_("Impact estimates (clients with a baseline in the quarter)"),
        kind="mean", rows=rows, columns=columns, cells=cells, suppressed=hidden,
        note=_("Shares and changes in percentage points; awareness in score points."))


def impact_notes(report: impact.ImpactReport) -> list[str]:
    """The paragraphs under the impact table: intervals, then the two empty-cell marks."""
    notes = [presentation.method_note(report)]
    marks = {presentation.SUPPRESSED_MARK: SUPPRESSED}
    notes += [f"{marks.get(mark, mark)}: {meaning}"
              for mark, meaning in presentation.legend(report.threshold)]
    return [n for n in notes if n]


def impact_section(mrc_ids: Select[Any] | Sequence[int],
                   period: periods.Period) -> tuple[list[PublishedTable], list[str]]:
    """The impact table and its notes for the quarter ([] and [] when there is nothing,
    or when the estimates fail: a section of the report, not the report)."""
    ids = mrc_ids if isinstance(mrc_ids, Select) else select(MRC.id).where(MRC.id.in_(list(mrc_ids)))
    try:
        report = impact.impact_report(ids, impact.parse_period(period.code))
    except Exception:
        current_app.logger.warning("impact section left out of a quarterly report",
                                   exc_info=True)
        return [], []
    table = impact_table(report)
    if table is None:
        return [], []
    return [table], impact_notes(report)

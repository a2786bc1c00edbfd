"""The impact estimates as people read them: display units, which cells are *suppressed*
(too few people to publish) and which *undefined* (nothing to compare), and how the
intervals were found, in the user's language. Used by the page, the CLI and the report."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from mrc.impact.services import (
    DESIGN_LABELS,
    METHOD_LABELS,
    OUTCOME_LABELS,
    OUTCOME_NOTES,
    ImpactReport,
)

# Where an estimate's withheld field shows in a line (see ``Estimate.withheld``).
_LINE_FIELD = {"baseline": "baseline", "followup": "followup",
               "comparison_baseline": "comparison_baseline",
               "comparison_followup": "comparison_followup", "estimate": "change",
               "ci_low": "ci", "ci_high": "ci"}


@dataclass(frozen=True)
class Line:
    """One estimate in display units: shares in % (changes in percentage points),
    awareness in score points; None where undefined or suppressed — ``withheld`` names
    the suppressed ones (``baseline`` … ``change``, ``ci``)."""

    outcome: str
    design: str
    wave: int
    unit: str  # "pp" or "points"
    n_clients: int | None
    n_comparison: int | None
    baseline: float | None
    followup: float | None
    comparison_baseline: float | None
    comparison_followup: float | None
    change: float | None
    ci_low: float | None
    ci_high: float | None
    method: str
    suppressed: bool
    withheld: frozenset[str] = frozenset()

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS[self.outcome])

    @property
    def outcome_note(self) -> str:
        return str(OUTCOME_NOTES[self.outcome])

    @property
    def design_label(self) -> str:
        return str(DESIGN_LABELS[self.design])

    @property
    def method_label(self) -> str:
        return str(METHOD_LABELS[self.method])

    @property
    def not_clustered(self) -> bool:
        """The interval shown is clustered by person, not by MRC (too few MRCs)."""
        return self.method == "person_robust" and self.ci_low is not None

    def is_withheld(self, name: str) -> bool:
        return self.suppressed or name in self.withheld


def _scaled(value: float | None, scale: float, digits: int) -> float | None:
    return None if value is None else round(value * scale, digits)


def report_lines(report: ImpactReport) -> list[Line]:
    """The report's estimates in display units, ordered by wave, outcome and design."""
    lines = []
    for e in report.estimates:
        share = e.is_share
        scale, digits = (100.0, 1) if share else (1.0, 2)
        lines.append(Line(
            outcome=e.outcome, design=e.design, wave=e.wave, unit="pp" if share else "points",
            n_clients=None if e.suppressed else e.n_treated,
            n_comparison=None if e.suppressed else e.n_comparison,
            baseline=_scaled(e.baseline, scale, digits),
            followup=_scaled(e.followup, scale, digits),
            comparison_baseline=_scaled(e.comparison_baseline, scale, digits),
            comparison_followup=_scaled(e.comparison_followup, scale, digits),
            change=_scaled(e.estimate, scale, digits) if e.design != "level" else None,
            ci_low=_scaled(e.ci_low, scale, digits), ci_high=_scaled(e.ci_high, scale, digits),
            method=e.method, suppressed=e.suppressed,
            withheld=frozenset(_LINE_FIELD[f] for f in e.withheld if f in _LINE_FIELD)))
    return lines


def too_few_clusters(report: ImpactReport) -> bool:
    """Whether some published estimate has no interval clustered by MRC."""
    return any(e.method in ("person_robust", "none") and not e.suppressed
               and e.estimate is not None for e in report.estimates)


def interval_notice(report: ImpactReport) -> str:
    """Why an interval is not clustered by MRC, and what is shown instead ("" if all are)."""
    if not too_few_clusters(report):
        return ""
    return " ".join([
        _("Too few MRCs for an interval clustered by MRC: N = %(n)s.", n=report.clusters),
        _("†: the interval shown is not clustered by MRC. It treats people as independent "
          "and describes the clients of the MRCs in this area only: it ignores differences "
          "between MRCs, is usually narrower than a clustered interval would be, and says "
          "nothing about other MRCs."),
        _("For an interval clustered by MRC, choose an area with more MRCs; for one MRC's "
          "own estimate, choose that MRC."),
    ])


def method_note(report: ImpactReport, *, notice: bool = True) -> str:
    """How the intervals were computed, in the user's language (with the
    :func:`interval_notice` unless ``notice`` is false: the page shows it on its own)."""
    notes = []
    if "wild_cluster_bootstrap" in report.methods:
        notes.append(_("95 %% intervals: wild cluster bootstrap with the null imposed (Webb "
                       "weights, %(draws)s draws, fixed seed), clustered by MRC: with %(n)s "
                       "MRCs, too few for cluster-robust t-intervals.",
                       draws=report.draws, n=report.clusters))
    if "cluster_robust" in report.methods:
        notes.append(_("95 %% intervals: cluster-robust standard errors by MRC (%(n)s MRCs).",
                       n=report.clusters))
    if notice and (text := interval_notice(report)):
        notes.append(text)
    return " ".join(notes)


SUPPRESSED_MARK = "✕"
UNDEFINED_MARK = "–"


def legend(threshold: int) -> list[tuple[str, str]]:
    """The two marks of an empty cell and what each means."""
    return [
        (SUPPRESSED_MARK, _("Suppressed: too few people to publish (fewer than %(n)s in a "
                            "group, or a share counting fewer than %(n)s people). A change "
                            "is suppressed whenever one of its parts is.", n=threshold)),
        (UNDEFINED_MARK, _("Undefined: nothing to compare or to compute (no baseline for "
                           "this outcome, no people followed up, or no interval).")),
    ]

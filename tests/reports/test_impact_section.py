"""The report's impact section: a change is never printed where one of its parts is
suppressed, "suppressed" and "undefined" have distinct marks and a legend, and an interval
not clustered by MRC is marked and explained."""

from __future__ import annotations

import re

from flask_babel import force_locale

from mrc.aggregates.services import SUPPRESSED
from mrc.impact import estimators
from mrc.impact import services as impact
from mrc.reports import render, services
from mrc.reports.impact_section import impact_table
from mrc.reports.services import ReportRequest

YEAR, QUARTER = 2026, 2
UNDEFINED = "–"


def estimate(outcome: str = "irregular", design: str = "before_after", n: int = 120,
             ones: tuple[int, ...] = (25, 10), method: str = "wild_cluster_bootstrap",
             **fields: object) -> estimators.Estimate:
    values: dict[str, object] = {
        "outcome": outcome, "wave": 1, "design": design, "n_treated": n, "n_comparison": None,
        "baseline": 0.21, "followup": 0.08, "comparison_baseline": None,
        "comparison_followup": None, "estimate": -0.13, "ci_low": -0.2, "ci_high": -0.06,
        "p_value": 0.01, "clusters": 7, "method": method, "ones": ones}
    values.update(fields)
    return estimators.Estimate(**values)  # type: ignore[arg-type]


def report_of(*raw: estimators.Estimate, clusters: int = 7) -> impact.ImpactReport:
    """An impact report as ``impact_report`` builds it: the disclosure rule applied."""
    return impact.ImpactReport(period=impact.Period(), threshold=5, clusters=clusters,
                               estimates=estimators.apply_threshold(list(raw), 5))


def cells(table, r: int) -> list[str]:
    return [services.cell_text(table, r, c, "en") for c in range(len(table.columns))]


def test_rows_suppress_the_change_with_its_parts(app) -> None:
    with force_locale("en"):
        table = impact_table(report_of(
            estimate(),                       # everything published
            estimate(ones=(25, 3)),           # 3 irregular at follow-up: levels hidden
            estimate(n=3),                    # 3 people: the whole row
            estimate("used_info", "level", ones=(60,), baseline=None)))
    assert table is not None
    assert cells(table, 0) == ["120", "21", "8", "-13", "-20", "-6"]
    # Baseline and follow-up suppressed: the change and its interval are suppressed too
    # (printed "x", never a number beside two hidden levels); the people count stays.
    assert cells(table, 1) == ["120", SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED,
                               SUPPRESSED]
    assert cells(table, 2) == [SUPPRESSED] * 6
    # A follow-up level has no baseline and no change: undefined, not suppressed.
    assert cells(table, 3)[1] == UNDEFINED and cells(table, 3)[3] == UNDEFINED
    assert cells(table, 3)[2] == "8" and not table.suppressed[3][1]
    for r in range(len(table.rows)):
        for c, code in enumerate(code for code, _label in table.columns):
            if code == "change" and table.cells[r][c] is not None:
                assert table.cells[r][1] is not None and table.cells[r][2] is not None


def test_interval_not_clustered_by_mrc_is_marked_in_the_rows(app) -> None:
    with force_locale("en"):
        table = impact_table(report_of(estimate(method="person_robust", clusters=2),
                                       estimate("regular", clusters=7), clusters=2))
    assert table is not None
    assert table.rows[0].label.endswith(" †") and not table.rows[1].label.endswith("†")


def report_html(monkeypatch, report: impact.ImpactReport, network) -> str:
    monkeypatch.setattr(impact, "impact_report", lambda mrc_ids, period, **_kw: report)
    wanted = ReportRequest(year=YEAR, quarter=QUARTER, lang="en")
    with force_locale("en"):
        content = services.build_content([network["PK-ISB"].id, network["PK-LHE"].id], wanted)
        return render.report_html(content, "Quarterly report")


def impact_part(html: str) -> str:
    return html[html.index('id="table-impact"'):]


def test_rendered_report_marks_suppressed_and_undefined_distinctly(app, network,
                                                                    monkeypatch) -> None:
    html = report_html(monkeypatch, report_of(
        estimate(ones=(25, 3)), estimate("used_info", "level", ones=(60,), baseline=None)),
        network)
    part = impact_part(html)
    row = part[part.index("Intends to migrate irregularly"):].split("</tr>", 1)[0]
    tds = re.findall(r'<td class="num( suppressed)?[^"]*">([^<]*)</td>', row)
    assert [text for _cls, text in tds] == ["120", "x", "x", "x", "x", "x"]
    assert all(cls for cls, _text in tds[1:])  # marked as suppressed cells, not blanks
    level = part[part.index("Used MRC information"):].split("</tr>", 1)[0]
    level_tds = re.findall(r'<td class="num( suppressed)?[^"]*">([^<]*)</td>', level)
    assert level_tds[1] == ("", UNDEFINED) and level_tds[3] == ("", UNDEFINED)
    # The legend under the table says what each mark means.
    notes = re.findall(r'<p class="legend impact-note">([^<]*)</p>', part)
    assert any(n.startswith("x: Suppressed: too few people to publish") for n in notes)
    assert any(n.startswith("–: Undefined: nothing to compare") for n in notes)


def test_rendered_report_explains_a_missing_cluster_interval(app, network,
                                                             monkeypatch) -> None:
    few = report_of(estimate(method="person_robust"), clusters=2)
    part = impact_part(report_html(monkeypatch, few, network))
    assert "Too few MRCs for an interval clustered by MRC: N = 2." in part
    assert "the interval shown is not clustered by MRC" in part
    many = report_of(estimate(), clusters=7)
    part = impact_part(report_html(monkeypatch, many, network))
    assert "Too few MRCs" not in part and "clustered by MRC: with 7 MRCs" in part


"""The impact page for supervisors and administrators: estimates for their scope only."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from mrc.audit import services as audit
from mrc.auth.models import Role
from mrc.auth.services import roles_required
from mrc.cases import awareness
from mrc.impact import bp, presentation, services
from mrc.impact.forms import ImpactFilter
from mrc.scope import area_choices, mrc_ids_in_scope, narrow


@bp.route("/")
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def index() -> tuple[str, int]:
    scope = mrc_ids_in_scope(current_user)
    filters = ImpactFilter(request.args, areas=area_choices(scope))
    status = 200
    period = services.Period()
    report = None
    if not filters.validate():
        status = 400
    else:
        try:
            period = services.parse_period(filters.period.data)
        except services.PeriodError as exc:
            filters.period.errors = [exc.message]
            status = 400
    if status == 200:
        report = services.impact_report(narrow(scope, filters.area.data or ""), period)
        audit.record("view", "impact", None,
                     detail=f"area={(filters.area.data or 'scope')[:40]},period={period.text}")
    return render_template(
        "impact/index.html", filters=filters, report=report,
        lines=presentation.report_lines(report) if report else [],
        note=presentation.method_note(report, notice=False) if report and report.estimates else "",
        notice=presentation.interval_notice(report) if report else "",
        legend=presentation.legend(report.threshold) if report else [],
        max_score=awareness.max_score()), status

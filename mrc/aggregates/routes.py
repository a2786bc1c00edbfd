"""The supervisor dashboard: aggregates for the user's scope, never a record."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import Select

from mrc.aggregates import bp, charts, periods, services
from mrc.aggregates.forms import DashboardFilter
from mrc.audit import services as audit
from mrc.auth.models import Role
from mrc.auth.services import roles_required
from mrc.i18n import page_locale
from mrc.scope import area_choices, mrc_ids_in_scope, narrow

DASHBOARD_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.MANAGER, Role.COUNSELLOR)


def _filters() -> tuple[DashboardFilter, Select[Any], periods.Period, str]:
    scope = mrc_ids_in_scope(current_user)
    form = DashboardFilter(request.args)
    form.area.choices = [("", services.legend_scope(), {}), *area_choices(scope)]
    form.validate()
    area = form.area.data or ""
    if area and area not in {choice[0] for choice in form.area.choices}:
        area = ""
    scope = narrow(scope, area)
    period = periods.current_year()
    if form.period.data and not form.period.errors:
        period = periods.parse(form.period.data)
    breakdown = form.breakdown.data if form.breakdown.data in services.BREAKDOWNS else "mrc"
    return form, scope, period, breakdown


@bp.route("/")
@roles_required(*DASHBOARD_ROLES)
def dashboard() -> str:
    form, scope, period, breakdown = _filters()
    tables, trends = services.dashboard_tables(scope, period, breakdown)
    rtl = page_locale().dir == "rtl"
    chart_for: dict[str, str] = {}
    for table in tables:
        if table.key in ("sessions", "clients", "followup_reach_rate", "outreach_attendance"):
            chart_for[table.key] = charts.bar_chart(table, rtl=rtl)
    for table in trends:
        if not table.key.endswith("_change"):
            chart_for[table.key] = charts.line_chart(table, rtl=rtl)
    audit.record("view", "dashboard", None,
                 detail=f"period={period.code},breakdown={breakdown}")
    return render_template("aggregates/dashboard.html", form=form, tables=tables, trends=trends,
                           charts=chart_for, period=period, previous=period.previous(),
                           breakdown=breakdown, legend=services.legend(),
                           number=services.number_format())


@bp.route("/tables/<key>.csv")
@roles_required(*DASHBOARD_ROLES)
def table_csv(key: str) -> Response:
    _form, scope, period, breakdown = _filters()
    indicators, trends = services.dashboard_tables(scope, period, breakdown)
    tables = [*indicators, *trends]
    table = next((t for t in tables if t.key == key), None)
    if table is None:
        abort(404)
    audit.record("export", "dashboard_table", None,
                 detail=f"table={key},period={period.code},breakdown={breakdown}")
    name = f"mrc-{key}-{period.code.replace('..', '_')}.csv"
    return Response(table.to_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})

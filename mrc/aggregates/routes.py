"""The supervisor dashboard: aggregates for the user's scope, never a record."""

from __future__ import annotations

import gzip
from functools import partial
from typing import Any

from flask import Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import Select

from mrc.aggregates import bp, periods, services, view
from mrc.aggregates.cells import row_cells
from mrc.aggregates.charts import current_digits
from mrc.aggregates.forms import DashboardFilter
from mrc.aggregates.numbers import formatter
from mrc.audit import services as audit
from mrc.auth.models import Role
from mrc.auth.services import roles_required
from mrc.calendars import localise_digits
from mrc.i18n import page_locale
from mrc.scope import area_choices, mrc_ids_in_scope, narrow
from mrc.settings import settings

DASHBOARD_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.MANAGER, Role.COUNSELLOR)
EXPORT_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.MANAGER)  # a counsellor sees, never downloads
CHART_MAX_AGE = 3600  # a chart's URL holds the digest of what it draws (view.Dashboard)
# Language, digits and direction: part of a chart's digest, so that a chart cached in one
# language is not shown in another.
CHART_VERSION = "{}.{}.{}"


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


def _query() -> dict[str, str]:
    """The filters of this request, for the page's chart and CSV links."""
    return {k: request.args[k] for k in ("area", "period", "breakdown") if request.args.get(k)}


@bp.route("/")
@roles_required(*DASHBOARD_ROLES)
def dashboard() -> str:
    form, scope, period, breakdown = _filters()
    digits = current_digits()
    page = view.dashboard(scope, period, breakdown,
                          salt=CHART_VERSION.format(*digits, page_locale().dir))
    audit.record("view", "dashboard", None,
                 detail=f"period={period.code},breakdown={breakdown}")
    return render_template("aggregates/dashboard.html", form=form, page=page,
                           tables=page.tables, trends=page.trends, period=period,
                           previous=period.previous(), breakdown=breakdown,
                           legend=services.legend(), number=formatter(*digits),
                           row_cells=row_cells,
                           signed=formatter(*digits, signed=True), query=_query(),
                           local_digits=partial(localise_digits, numbering=digits[1]),
                           can_export=current_user.role_enum in EXPORT_ROLES)


@bp.route("/protection")
@roles_required(*DASHBOARD_ROLES)
def protection() -> str:
    """How published figures are protected, in plain words, with the method in use."""
    number = formatter(*current_digits())
    threshold = settings().suppression_threshold
    return render_template("aggregates/protection.html", method=settings().disclosure_method,
                           n=number(threshold), zero=number(0), low=number(1),
                           high=number(threshold - 1),
                           cells=number(10_000), big=number(20), share=number(2),
                           hundred=number(100))


@bp.route("/charts/<key>.svg")
@roles_required(*DASHBOARD_ROLES)
def chart(key: str) -> Response:
    """One chart of the page, as an SVG image: drawn from the same published tables, for
    the same scope and filters; cached by the browser for a few minutes."""
    _form, scope, period, breakdown = _filters()
    svg = view.chart_svg(scope, period, breakdown, key, rtl=page_locale().dir == "rtl")
    if svg is None:
        abort(404)
    body = svg.encode("utf-8")
    response = Response(body, mimetype="image/svg+xml")
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(gzip.compress(body, compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Cache-Control"] = f"private, max-age={CHART_MAX_AGE}"
    response.vary.add("Accept-Encoding")
    response.vary.add("Cookie")
    return response


@bp.route("/tables/<key>.csv")
@roles_required(*EXPORT_ROLES)
def table_csv(key: str) -> Response:
    """A table of the page as CSV (:mod:`mrc.spreadsheets`: text cells neutralised),
    suppressed exactly as on the page; audited as an export."""
    _form, scope, period, breakdown = _filters()
    table = view.table(scope, period, breakdown, key)
    if table is None:
        abort(404)
    audit.record("export", "dashboard_table", None,
                 detail=f"table={key},period={period.code},breakdown={breakdown}")
    name = f"mrc-{key}-{period.code.replace('..', '_')}.csv"
    return Response(table.to_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})

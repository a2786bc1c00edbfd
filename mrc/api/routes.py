"""API views: thin, as the web's; the work is in the feature services."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from mrc.aggregates import periods, services
from mrc.aggregates.forms import DashboardFilter
from mrc.aggregates.routes import DASHBOARD_ROLES
from mrc.api import bp, schemas
from mrc.api import records as _records  # noqa: F401 - the record routes register on bp
from mrc.api import reference as _reference  # noqa: F401  (the document's own two views)
from mrc.api.auth import token_required
from mrc.api.openapi import documented
from mrc.api.problems import problem
from mrc.audit import services as audit
from mrc.auth.models import Role
from mrc.extensions import db
from mrc.org.models import MRC
from mrc.scope import area_choices, mrc_ids_in_scope, narrow
from mrc.settings import settings


@bp.route("/me")
@documented(_l("Who the token acts for"), tags=["tokens"], responses={200: schemas.ME})
@token_required(*Role)
def me() -> Any:
    """Who the token acts for: username, role, the MRC codes of the scope, the token."""
    user = current_user
    codes = db.session.scalars(select(MRC.code).where(MRC.id.in_(mrc_ids_in_scope(user)))
                               .order_by(MRC.code))
    return jsonify({"username": user.username, "role": user.role, "mrcs": list(codes),
                    "token": {"name": g.api_token.name,
                              "expires_at": g.api_token.expires_at.isoformat()}})


@bp.route("/aggregates")
@documented(_l("The dashboard's protected indicator tables"), tags=["aggregates"],
            description=_l("For the token's scope (or the area asked for) and the period "
                           "asked for (this year when none is), protected exactly as the "
                           "dashboard publishes them. Audited as an export."),
            parameters=schemas.AGGREGATES_PARAMETERS, responses={200: schemas.AGGREGATES})
@token_required(*DASHBOARD_ROLES)
def aggregates() -> Any:
    """The dashboard's indicator tables for the token's scope (``area`` narrows it),
    ``period`` (as on the dashboard, default this year) and ``breakdown``, checked by the
    dashboard's own filter form (400 naming what is wrong), protected exactly as the
    dashboard publishes them. Audited as an export."""
    scope = mrc_ids_in_scope(current_user)
    form = DashboardFilter(request.args)
    form.area.choices = [("", "", {}), *area_choices(scope)]
    if not form.validate():
        return problem(400, detail=",".join(sorted(form.errors)))
    area, breakdown = form.area.data or "", form.breakdown.data
    period = periods.parse(form.period.data) if form.period.data else periods.current_year()
    tables = services.indicator_tables(narrow(scope, area), period, breakdown)
    audit.record("export", "api_aggregates", None,
                 detail=f"period={period.code},breakdown={breakdown},area={area}")
    return jsonify({"period": period.code, "breakdown": breakdown, "area": area,
                    "method": settings().disclosure_method,
                    "tables": [t.to_dict() for t in tables]})

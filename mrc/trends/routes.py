"""The signals page: last week's rising shares in the supervisor's scope, as published."""

from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_login import current_user

from mrc.aggregates.hierarchy import org
from mrc.audit import services as audit
from mrc.auth.models import Role
from mrc.auth.services import roles_required
from mrc.scope import area_choices, mrc_ids_in_scope, narrow
from mrc.trends import bp, services, view, weekly
from mrc.trends.forms import SignalsFilter

SIGNAL_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.MANAGER)


@bp.route("/")
@roles_required(*SIGNAL_ROLES)
def signals() -> tuple[str, int] | str:
    scope = mrc_ids_in_scope(current_user)
    form = SignalsFilter(request.args)
    form.area.choices = [("", "—"), *((c, label) for c, label, _a in area_choices(scope))]
    valid = form.validate()
    area = form.area.data if form.area.data in {c for c, _l in form.area.choices} else ""
    scope = narrow(scope, area or "")
    today = date.today()
    chosen = form.week.data if valid and form.week.data else None
    week = weekly.monday(min(chosen, today)) if chosen else weekly.last_complete_week(today)
    units = org(scope)
    shown = services.publish(services.evaluate(units, week)) if units.mrcs else []
    audit.record("view", "signals", None, detail=f"area={area or '-'},week={week.isoformat()}")
    page = render_template("trends/signals.html", form=form, week=week,
                           signals=view.describe(shown, units), has_units=bool(units.mrcs),
                           complete=week < weekly.monday(today))
    return (page, 400) if form.week.errors else page

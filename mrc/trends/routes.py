"""The signals page: last week's rising shares in the supervisor's scope, as published."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.aggregates.hierarchy import org
from mrc.audit import services as audit
from mrc.auth.models import Role
from mrc.auth.services import roles_required
from mrc.extensions import db
from mrc.routing import Page, form_page
from mrc.scope import area_choices, mrc_ids_in_scope, narrow
from mrc.trends import alerts, bp, services, view, weekly
from mrc.trends.forms import CancelForm, SignalsFilter, SubscribeForm

SIGNAL_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.MANAGER)


@bp.route("/")
@roles_required(*SIGNAL_ROLES)
def signals() -> tuple[str, int] | str:
    scope = mrc_ids_in_scope(current_user)
    form = SignalsFilter(request.args)
    form.area.choices = [("", "—", {}), *area_choices(scope)]
    valid = form.validate()
    area = form.area.data if form.area.data in {c[0] for c in form.area.choices} else ""
    scope = narrow(scope, area or "")
    today = date.today()
    chosen = form.week.data if valid and form.week.data else None
    week = weekly.monday(min(chosen, today)) if chosen else weekly.last_complete_week(today)
    units = org(scope)
    shown = services.publish(services.evaluate(units, week)) if units.mrcs else []
    audit.record("view", "signals", None, detail=f"area={area or '-'},week={week.isoformat()}")
    page = render_template("trends/signals.html", form=form, week=week,
                           signals=view.describe(shown, units), has_units=bool(units.mrcs),
                           complete=week < weekly.monday(today),
                           unread=alerts.unread(current_user))
    return (page, 400) if form.week.errors else page


def _areas() -> list[tuple[str, str, dict[str, str]]]:
    """The areas of the user's scope; MRC names are data (``translate="no"``)."""
    scope = mrc_ids_in_scope(current_user)
    return [("", _("All of my scope"), {}), *area_choices(scope)]


@bp.route("/alerts", methods=["GET", "POST"])
@roles_required(*SIGNAL_ROLES)
def alerts_page() -> Page:
    """The user's alerts: notifications delivered, subscriptions, and a new one."""
    form = SubscribeForm()
    form.area.choices = _areas()
    areas = {code: label for code, label, _attrs in form.area.choices}

    def save() -> object:
        return alerts.subscribe(current_user, form.area.data or "", form.email.data)

    def done(_record: object) -> Response:
        db.session.commit()
        flash(_("Alert saved: signals in this area will reach you every week."), "success")
        return redirect(url_for("trends.alerts_page"))

    notes = alerts.notifications(current_user)
    units = org(mrc_ids_in_scope(current_user))
    shown = [(n, view.describe([services.from_dict(d) for d in json.loads(n.signals)], units))
             for n in notes]
    page = form_page(form, save, "trends/alerts.html", done, notes=shown,
                     subscriptions=alerts.subscriptions(current_user), areas=areas,
                     cancel=CancelForm())
    for note in notes:  # seen now
        if note.read_at is None:
            note.read_at = datetime.now(UTC)
    db.session.commit()
    return page


@bp.route("/alerts/<int:subscription_id>/cancel", methods=["POST"])
@roles_required(*SIGNAL_ROLES)
def cancel_alert(subscription_id: int) -> Response:
    """Cancel one of the user's own alerts; anybody else's is not found."""
    if not alerts.cancel(current_user, subscription_id):
        abort(404)
    if CancelForm().validate_on_submit():
        db.session.commit()
        flash(_("Alert cancelled."), "success")
    else:
        db.session.rollback()
    return redirect(url_for("trends.alerts_page"))

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from mrc.auth.services import case_worker_required
from mrc.cases import vocab as case_vocab
from mrc.extensions import db
from mrc.forms import attach_errors
from mrc.i18n import language_choices
from mrc.leaflets.services import active_leaflets
from mrc.org.services import provinces
from mrc.outreach import bp, services
from mrc.outreach.forms import EventFilter, EventForm
from mrc.outreach.models import OutreachEvent
from mrc.routing import page_arg
from mrc.scope import get_scoped_or_404, scoped
from mrc.settings import settings
from mrc.validation import ValidationError


def _form(obj: OutreachEvent | None = None) -> EventForm:
    country = current_user.mrc.country.code
    leaflets = [(leaflet.code, leaflet.code) for leaflet in active_leaflets()]
    languages = language_choices()
    form = EventForm(obj=obj, provinces=provinces(country), leaflets=leaflets,
                     languages=languages)
    if obj is not None and request.method == "GET":
        form.topics.data = case_vocab.from_mask(obj.topics, case_vocab.TOPICS)
    return form


@bp.route("/")
@case_worker_required
def events() -> str:
    filters = EventFilter(request.args)
    filters.validate()
    query = scoped(OutreachEvent, current_user)
    if filters.type.data:
        query = query.where(OutreachEvent.type == filters.type.data)
    if filters.date_from.data:
        query = query.where(OutreachEvent.date >= filters.date_from.data)
    if filters.date_to.data:
        query = query.where(OutreachEvent.date <= filters.date_to.data)
    per_page = settings().page_size
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page_arg()), pages)
    rows = db.session.scalars(query.order_by(OutreachEvent.date.desc(), OutreachEvent.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return render_template("outreach/list.html", events=rows, filters=filters, page=page,
                           pages=pages, total=total)


@bp.route("/new", methods=["GET", "POST"])
@case_worker_required
def new() -> str | Response | tuple[str, int]:
    form = _form()
    if form.validate_on_submit():
        items, row_error = form.hand_outs()
        if not row_error:
            try:
                event = services.record_event(current_user.mrc, form.event_data(), current_user,
                                              leaflets=items)
            except ValidationError as exc:
                db.session.rollback()
                # Leaflet problems concern the whole list, not one field: shown above it.
                leaflet_error = exc.errors.pop("leaflets", None)
                general = attach_errors(form, exc.errors)
                if leaflet_error:
                    general["leaflets"] = leaflet_error
                return render_template("outreach/form.html", form=form, errors=general), 400
            flash(_("Outreach event saved."), "success")
            return redirect(url_for("outreach.events", _anchor=f"event-{event.id}"))
        return render_template("outreach/form.html", form=form, errors={"leaflets": row_error}), 400
    status = 400 if form.is_submitted() else 200
    return render_template("outreach/form.html", form=form, errors={}), status


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@case_worker_required
def edit(event_id: int) -> str | Response | tuple[str, int]:
    event = get_scoped_or_404(OutreachEvent, event_id, current_user)
    form = _form(event)
    if form.validate_on_submit():
        try:
            services.update_event(event, form.event_data(), current_user)
        except ValidationError as exc:
            db.session.rollback()
            general = attach_errors(form, exc.errors)
            return render_template("outreach/form.html", form=form, errors=general,
                                   event=event), 400
        flash(_("Outreach event saved."), "success")
        return redirect(url_for("outreach.events"))
    status = 400 if form.is_submitted() else 200
    return render_template("outreach/form.html", form=form, errors={}, event=event), status

"""The audit log for administrators: filter, page through, download as CSV."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any
from urllib.parse import quote

from flask import Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from wtforms import Field

from mrc.audit import bp
from mrc.audit import services as audit
from mrc.audit.forms import ACTION_LABELS, AuditFilterForm
from mrc.auth.models import Role, User
from mrc.auth.services import roles_required
from mrc.extensions import db
from mrc.forms import int_or_none, mrc_choices
from mrc.routing import page_arg
from mrc.settings import settings


def _filters() -> tuple[AuditFilterForm, audit.EventFilter]:
    """The filter form from the query string and the filters it stands for.

    A filter with an invalid value is not applied (its error is shown); an unknown
    username matches no event.
    """
    form = AuditFilterForm(request.args, entities=audit.entities(), mrcs=mrc_choices())
    form.validate()
    user_id = None
    match_nothing = False
    username = (form.user.data or "").strip()
    if username and not form.user.errors:
        user_id = db.session.scalar(
            select(User.id).where(func.lower(User.username) == username.lower()))
        if user_id is None:
            form.user.errors = [*form.user.errors, _("No user has this username.")]
            match_nothing = True

    filters = audit.EventFilter(
        user_id=user_id, action=_chosen(form.action), entity=_chosen(form.entity),
        mrc_id=None if form.mrc.errors else int_or_none(form.mrc.data),
        date_from=_chosen(form.date_from), date_to=_chosen(form.date_to),
        match_nothing=match_nothing,
    )
    return form, filters


def _chosen(field: Field) -> Any:
    """A filter field's value, or None when empty or invalid."""
    return None if field.errors or field.data in ("", None) else field.data


@bp.route("/")
@roles_required(Role.ADMIN)
def browse() -> str:
    form, filters = _filters()
    rows, page, pages, total = audit.event_page(filters, page_arg(),
                                                settings().page_size)
    return render_template("audit/browse.html", filters=form, rows=rows, page=page, pages=pages,
                           total=total, action_labels=ACTION_LABELS)


@bp.route("/export.csv")
@roles_required(Role.ADMIN)
def export_csv() -> Response:
    _form, filters = _filters()
    # Frozen at the events that exist now: the export's own event is not part of it.
    filters = dataclasses.replace(filters, up_to_id=audit.last_event_id())
    rows = audit.count_events(filters)
    detail = f"rows={rows}"
    if filters.used():
        detail += ";filters=" + ",".join(filters.used())
    audit.record("export", "audit_event", detail=detail)
    filename = f"mrc-audit-{date.today().isoformat()}.csv"
    disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    return Response(stream_with_context(audit.csv_lines(filters)),
                    mimetype="text/csv", headers={"Content-Disposition": disposition})

"""The worklist of due follow-ups and the contact attempts that close them."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.auth.models import Role
from mrc.auth.services import case_worker_required
from mrc.cases import bp, services
from mrc.cases.forms import (
    AttemptForm,
    WorklistFilter,
)
from mrc.cases.models import FollowUp
from mrc.cases.routes.common import (
    Page,
    awareness_errors,
    wave_label,
)
from mrc.leaflets.services import low_stock
from mrc.routing import form_page, page_arg
from mrc.scope import get_scoped_or_404, scoped
from mrc.settings import settings


@bp.route("/worklist")
@case_worker_required
def worklist() -> Page:
    filters = WorklistFilter(request.args.get("horizon"), page_arg())
    sort = services.WorklistSort.from_args(request.args.get("sort"), request.args.get("dir"))
    per_page = settings().page_size
    # The scope is the user's own MRC: its phone numbers, for the rows of this page only.
    due = services.due_followups(scoped(FollowUp, current_user),
                                 horizon_days=filters.horizon_days,
                                 page=filters.page, per_page=per_page, sort=sort,
                                 with_phones=True)
    # The manager's dashboard alert: leaflets running low in this MRC.
    low = low_stock(current_user.mrc_id) if current_user.role == Role.MANAGER.value else []
    return render_template("cases/worklist.html", due=due, filters=filters,
                           sort=sort, page=due.page, total_pages=due.total_pages,
                           today=date.today(), wave_label=wave_label, low_stock=low)


@bp.route("/followups/<int:followup_id>/attempt", methods=["GET", "POST"])
@case_worker_required
def attempt(followup_id: int) -> Page:
    followup = get_scoped_or_404(FollowUp, followup_id, current_user)
    record = followup.client
    # Closed, or past the lapse horizon (even before the sweep has marked it lapsed).
    if followup.status != "pending" or not services.open_on(followup, date.today()):
        flash(_("This follow-up is already closed."), "info")
        return redirect(url_for("cases.client", client_id=record.id))
    form = AttemptForm()

    def done(_attempt: object) -> Response:
        if followup.status == "reached":
            flash(_("Follow-up completed."), "success")
        elif followup.status == "unreachable":
            flash(_("Follow-up closed as not reached."), "info")
        else:
            flash(_("Attempt recorded. The follow-up stays on the list."), "info")
        return redirect(url_for("cases.worklist"))

    return form_page(form, lambda: services.record_attempt(followup, form.attempt_data(),
                                                           current_user),
                     "cases/attempt.html", done, error_context=awareness_errors,
                     followup=followup, client=record, wave=wave_label(followup.wave),
                     baseline=services.baseline_date(record))

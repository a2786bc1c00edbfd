"""Quarterly reports: supervisors and admins ask for one; a background job builds it."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.auth.services import roles_required
from mrc.i18n import latin_digits_preference
from mrc.jobs import services as jobs
from mrc.reports import bp, services
from mrc.reports.forms import ReportForm
from mrc.routing import flash_submitted


@bp.route("/", methods=["GET", "POST"])
@roles_required(*services.REPORT_ROLES)
def index() -> str | Response | tuple[str, int]:
    form = ReportForm(areas=services.area_choices(current_user), lang=str(get_locale() or "en"))
    if form.validate_on_submit():
        wanted = services.ReportRequest(
            year=int(form.year.data or 0), quarter=int(form.quarter.data), lang=form.lang.data,
            formats=tuple(f for f in services.FORMATS if f in (form.formats.data or [])),
            area=form.area.data or "", latin_digits=latin_digits_preference())
        job = services.request_report(current_user, wanted)
        flash_submitted(jobs.submit(job).problem)
        return redirect(url_for("jobs.status", job_id=job.id))
    status = 400 if form.is_submitted() else 200
    return render_template("reports/index.html", form=form), status

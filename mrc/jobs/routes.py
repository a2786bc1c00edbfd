from __future__ import annotations

from flask import abort, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from mrc.auth.models import Role
from mrc.auth.services import roles_required
from mrc.extensions import db
from mrc.jobs import bp
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from mrc.routing import flash_submitted


def _own_job_or_404(job_id: int) -> Job:
    """A job is visible only to the user who started it."""
    job = db.session.get(Job, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    return job


@bp.route("/<int:job_id>")
@login_required
def status(job_id: int) -> str:
    job = _own_job_or_404(job_id)
    jobs.settle_if_abandoned(job)
    return render_template("jobs/status.html", job=job)


@bp.route("/<int:job_id>/download")
@login_required
def download(job_id: int) -> Response:
    job = _own_job_or_404(job_id)
    if job.state != "finished" or not job.result_file:
        abort(404)
    path = jobs.output_dir() / job.result_file
    if not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=job.result_name or path.name)


@bp.route("/<int:job_id>/retry", methods=["POST"])
@login_required
def retry(job_id: int) -> Response:
    job = _own_job_or_404(job_id)
    if job.state in ("failed", "running"):
        try:
            jobs.retry(job)
        except jobs.QueueUnavailable as exc:
            flash_submitted(str(exc))
    return redirect(url_for("jobs.status", job_id=job.id))


@bp.route("/selftest", methods=["POST"])
@roles_required(Role.ADMIN)
def selftest() -> Response:
    job = jobs.create_job("selftest", {"steps": 5, "delay": 0.5}, current_user.id)
    flash_submitted(jobs.submit(job).problem, _("Test job started."))
    return redirect(url_for("jobs.status", job_id=job.id))

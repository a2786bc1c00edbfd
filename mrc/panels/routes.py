from __future__ import annotations

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.auth.services import roles_required
from mrc.extensions import db
from mrc.forms import attach_errors
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from mrc.panels import bp, services
from mrc.panels.forms import StudyForm
from mrc.panels.models import PanelExport, PanelStudy
from mrc.routing import flash_submitted
from mrc.settings import settings

STUDY_ROLES = services.STUDY_ROLES


def _study_or_404(study_id: int) -> PanelStudy:
    study = services.get_own_study(study_id, current_user)
    if study is None:
        abort(404)
    return study


def _export_or_404(export_id: int) -> PanelExport:
    export = services.own_export(export_id, current_user)
    if export is None:
        abort(404)
    return export


def _form() -> StudyForm:
    mrcs = [(m.id, f"{m.code} — {m.name}") for m in services.mrcs_in_scope(current_user)]
    offsets = settings().followup_waves_days
    waves = [(i, _("Wave %(n)s (+%(days)s days)", n=i, days=d))
             for i, d in enumerate(offsets, start=1)]
    return StudyForm(mrcs=mrcs, waves=waves, comparison=services.comparison_available())


@bp.route("/")
@roles_required(*STUDY_ROLES)
def studies() -> str:
    return render_template("panels/studies.html", studies=services.own_studies(current_user),
                           state=services.export_state)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STUDY_ROLES)
def new() -> str | Response | tuple[str, int]:
    form = _form()
    if form.validate_on_submit():
        try:
            study = services.create_study(current_user, form.study_data())
        except services.StudyError as exc:
            db.session.rollback()
            general = attach_errors(form, exc.errors)
            return render_template("panels/form.html", form=form, errors=general), 400
        flash(_("Study saved."), "success")
        return redirect(url_for("panels.study", study_id=study.id))
    status = 400 if form.is_submitted() else 200
    return render_template("panels/form.html", form=form, errors={}), status


@bp.route("/<int:study_id>")
@roles_required(*STUDY_ROLES)
def study(study_id: int) -> str:
    record = _study_or_404(study_id)
    return render_template("panels/study.html", study=record, state=services.export_state,
                           mrcs={m.id: m for m in services.mrcs_in_scope(current_user)})


@bp.route("/<int:study_id>/export", methods=["POST"])
@roles_required(*STUDY_ROLES)
def export(study_id: int) -> Response:
    record = _study_or_404(study_id)
    try:
        created = services.request_export(record, current_user)
    except services.StudyError as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(url_for("panels.study", study_id=record.id))
    flash_submitted(jobs.submit(db.session.get_one(Job, created.job_id)).problem)
    return redirect(url_for("panels.export_status", export_id=created.id))


@bp.route("/exports/<int:export_id>")
@roles_required(*STUDY_ROLES)
def export_status(export_id: int) -> str:
    record = _export_or_404(export_id)
    job = db.session.get(Job, record.job_id) if record.job_id else None
    if job is None:
        abort(404)
    jobs.settle_if_abandoned(job)
    return render_template("panels/export.html", job=job, export=record,
                           export_state=services.export_state(record))


@bp.route("/exports/<int:export_id>/download", methods=["POST"])
@roles_required(*STUDY_ROLES)
def download(export_id: int) -> Response:
    record = _export_or_404(export_id)
    handle = services.claim_download(record, current_user)
    if handle is None:
        db.session.rollback()
        flash(_("This export is no longer available: it can be downloaded once, within a "
                "week. Export the study again."), "error")
        return redirect(url_for("panels.export_status", export_id=record.id))
    name = f"panel-{record.ready_at:%Y-%m-%d}.zip" if record.ready_at else "panel.zip"
    response = send_file(handle, mimetype="application/zip", as_attachment=True,
                         download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


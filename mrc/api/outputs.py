"""API views of the outputs: the impact estimates, report and panel jobs, their progress
and their one download through the API.

Thin, as the web's views: the same role checks, forms and services as the impact page
(:mod:`mrc.impact.routes`), the report page (:mod:`mrc.reports.routes`), the evaluator's
export (:mod:`mrc.panels.routes`) and the job pages (:mod:`mrc.jobs.routes`); nothing of the
disclosure rules is done here. A job's file is served once through the API: the first
download marks the job (``api_downloaded_at``, with a conditional UPDATE so that of two
concurrent downloads one wins), every later one is a 410. A panel's download is also the
panel's one download (:func:`mrc.panels.services.claim_download`, as on the web)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import IO, Any

from flask import Blueprint, Response, jsonify, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from mrc.api import record_schemas as S
from mrc.api.auth import token_required
from mrc.api.openapi import documented, query
from mrc.api.problems import problem
from mrc.audit import services as audit
from mrc.auth.models import Role
from mrc.extensions import db
from mrc.i18n import latin_digits_preference
from mrc.impact import presentation
from mrc.impact import services as impact
from mrc.impact.commands import FIELDS as IMPACT_FIELDS
from mrc.impact.forms import ImpactFilter
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from mrc.panels import services as panels
from mrc.panels.models import PanelExport
from mrc.reports import services as reports
from mrc.reports.forms import ReportForm
from mrc.scope import area_choices, mrc_ids_in_scope, narrow
from mrc.settings import settings

# Nested in the ``api`` blueprint (mrc.api): endpoints ``api.outputs.*`` under /api/v1/.
bp = Blueprint("outputs", __name__)

IMPACT_ROLES = (Role.SUPERVISOR, Role.ADMIN)  # as mrc.impact.routes.index
PANEL_KIND = "panel_export"
REPORT_FIELDS = {"year": int, "quarter": int, "lang": str, "formats": list, "area": str}


def _iso(moment: datetime | None) -> str | None:
    """An ISO 8601 time in UTC (SQLite gives naive datetimes back: they are UTC)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


# --- impact ---------------------------------------------------------------------------------

def _impact_line(line: presentation.Line) -> dict[str, Any]:
    record: dict[str, Any] = {name: getattr(line, name) for name in IMPACT_FIELDS}
    record.update(withheld=sorted(line.withheld), outcome_label=line.outcome_label,
                  outcome_note=line.outcome_note, design_label=line.design_label)
    return record


def impact_document(report: impact.ImpactReport, area: str) -> dict[str, Any]:
    """The impact page's content as JSON: the same lines, counts and notes."""
    lines = presentation.report_lines(report)
    return {
        "period": report.period.text, "area": area, "method": settings().disclosure_method,
        "threshold": report.threshold,
        # The page shows a count of 0 as suppressed; so does the API (null).
        "clients": report.clients or None, "respondents": report.respondents or None,
        "clusters": report.clusters,
        "note": presentation.method_note(report, notice=False) if report.estimates else "",
        "notice": presentation.interval_notice(report),
        "lines": [_impact_line(line) for line in lines],
    }


@bp.route("/impact")
@documented(_l("The impact page's protected estimates"), tags=["impact"],
            parameters=[query("period", _l("A period as on the impact page."),
                              example="2026"),
                        query("area", _l("A country or MRC code inside the scope."),
                              example="")],
            responses={200: S.IMPACT})
@token_required(*IMPACT_ROLES)
def impact_estimates() -> Any:
    """The impact page's estimates for the token's scope (``area`` narrows it) and the
    cohorts' baseline ``period``, checked by the page's own filter form (400 naming what is
    wrong), protected exactly as the page publishes them. Audited as an export."""
    scope = mrc_ids_in_scope(current_user)
    form = ImpactFilter(request.args, areas=area_choices(scope))
    wrong = set(form.errors) if not form.validate() else set()
    try:
        period = impact.parse_period(form.period.data)
    except impact.PeriodError:
        wrong.add("period")
    if wrong:
        return problem(400, detail=",".join(sorted(wrong)))
    area = form.area.data or ""
    report = impact.impact_report(narrow(scope, area), period)
    audit.record("export", "api_impact", None,
                 detail=f"area={(area or 'scope')[:40]},period={period.text[:40]}")
    return jsonify(impact_document(report, area))


# --- jobs -----------------------------------------------------------------------------------

def _panel_export(job: Job) -> PanelExport | None:
    export: PanelExport | None = db.session.scalar(
        select(PanelExport).where(PanelExport.job_id == job.id))
    return export


def _downloadable(job: Job, export: PanelExport | None) -> bool:
    if job.state != "finished" or job.api_downloaded_at is not None:
        return False
    if job.kind == PANEL_KIND:
        return export is not None and panels.export_state(export) == "ready"
    return bool(job.result_file)


def job_document(job: Job) -> dict[str, Any]:
    """What a poll shows of a job: state, progress, message, times, the download link
    while the file can still be downloaded (and, for a panel, its export's state)."""
    export = _panel_export(job) if job.kind == PANEL_KIND else None
    document: dict[str, Any] = {
        "id": job.id, "kind": job.kind, "state": job.state, "progress": job.progress,
        "message": job.message, "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at), "finished_at": _iso(job.finished_at),
        "downloaded_at": _iso(job.api_downloaded_at),
        "url": url_for("api.outputs.job_status", job_id=job.id),
        "download": url_for("api.outputs.job_download", job_id=job.id)
        if _downloadable(job, export) else None,
    }
    if export is not None:
        document["export"] = {"id": export.id, "state": panels.export_state(export),
                              "expires_at": _iso(export.expires_at)}
    return document


def _started(job: Job) -> Response:
    """Commit and hand on a new job (as the web does): 202 with its address, or 503 when
    the queue cannot take it (the job row is kept, failed)."""
    if not jobs.submit(job).ok:
        return problem(503, detail="queue")
    db.session.refresh(job)
    response = jsonify({"job": job_document(job)})
    response.status_code = 202
    response.headers["Location"] = url_for("api.outputs.job_status", job_id=job.id)
    return response


def _report_formdata(body: dict[str, Any]) -> tuple[MultiDict[str, str], list[str]]:
    """The JSON body as the report form's data, with the names of ill-typed fields."""
    wrong = sorted(name for name, kind in REPORT_FIELDS.items() if name in body and (
        not isinstance(body[name], kind) or isinstance(body[name], bool)
        or (kind is list and not all(isinstance(f, str) for f in body[name]))))
    values = {"lang": str(get_locale() or "en"), "formats": ["pdf", "xlsx"], "area": "",
              **{k: v for k, v in body.items() if k not in wrong}}
    pairs = [(name, str(v)) for name, value in values.items()
             for v in (value if isinstance(value, list) else [value])]
    return MultiDict(pairs), wrong


@bp.route("/reports", methods=["POST"])
@documented(_l("Start a quarterly report"), tags=["jobs"], request=S.REPORT_REQUEST,
            responses={202: S.STARTED}, problems=[409, 422, 503])
@token_required(*reports.REPORT_ROLES)
def start_report() -> Any:
    """Start the quarterly report job for the token's user: the body's ``year``,
    ``quarter``, ``lang``, ``formats`` and ``area``, checked by the report page's own form."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) - set(REPORT_FIELDS):
        return problem(400, detail="body")
    formdata, wrong = _report_formdata(body)
    form = ReportForm(formdata=formdata, meta={"csrf": False},
                      areas=reports.area_choices(current_user), lang="en")
    if not form.validate() or wrong:
        return problem(400, detail=",".join(sorted({*form.errors, *wrong})))
    wanted = reports.ReportRequest(
        year=int(form.year.data or 0), quarter=int(form.quarter.data), lang=form.lang.data,
        formats=tuple(f for f in reports.FORMATS if f in (form.formats.data or [])),
        area=form.area.data or "", latin_digits=latin_digits_preference())
    return _started(reports.request_report(current_user, wanted))


@bp.route("/panels/<int:study_id>/exports", methods=["POST"])
@documented(_l("Start a panel export"), tags=["jobs"], parameters=[S.STUDY_ID],
            responses={202: S.STARTED}, problems=[409, 422, 503])
@token_required(*panels.STUDY_ROLES)
def start_panel_export(study_id: int) -> Any:
    """Export a study of the token's user (only its owner may: others get 404), as the
    study page's export button: the study's k, a job that builds the zip."""
    study = panels.get_own_study(study_id, current_user)
    if study is None:
        return problem(404)
    try:
        export = panels.request_export(study, current_user)
    except panels.StudyError as exc:
        return problem(400, detail=",".join(sorted(exc.errors)))
    return _started(db.session.get_one(Job, export.job_id))


def _own_job(job_id: int) -> Job | None:
    """A job is visible only to the user who started it (mrc.jobs.routes._own_job_or_404)."""
    job = db.session.get(Job, job_id)
    return job if job is not None and job.user_id == current_user.id else None


@bp.route("/jobs/<int:job_id>")
@documented(_l("A job's progress"), tags=["jobs"], parameters=[S.JOB_ID],
            responses={200: S.JOB})
@token_required(*Role)
def job_status(job_id: int) -> Any:
    """A job of the token's user: its state and progress, and its download once finished."""
    job = _own_job(job_id)
    if job is None:
        return problem(404)
    jobs.settle_if_abandoned(job)
    return jsonify({"job": job_document(job)})


def _claim(job: Job) -> bool:
    """Take the job's one API download; False if another request took it first."""
    claimed = db.session.execute(
        update(Job).where(Job.id == job.id, Job.api_downloaded_at.is_(None))
        .values(api_downloaded_at=datetime.now(UTC))
        .execution_options(synchronize_session=False))
    return getattr(claimed, "rowcount", 0) == 1


def _attachment(handle: IO[bytes] | Any, name: str, mimetype: str | None = None) -> Response:
    response = send_file(handle, mimetype=mimetype, as_attachment=True, download_name=name,
                         max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def _panel_download(job: Job) -> Response:
    """A panel export's one download (as the web's, which it counts as), for evaluators."""
    if current_user.role_enum not in panels.STUDY_ROLES:
        return problem(403)
    export = _panel_export(job)
    if export is None or panels.own_export(export.id, current_user) is None:
        return problem(404)
    state = panels.export_state(export)
    if state in ("downloaded", "expired"):
        return problem(410, detail=state)
    if state != "ready":
        return problem(409, detail="state")
    if not _claim(job):
        return problem(410, detail="downloaded")
    handle = panels.claim_download(export, current_user)  # audited there, as on the web
    if handle is None:
        return problem(410, detail="downloaded")
    name = f"panel-{export.ready_at:%Y-%m-%d}.zip" if export.ready_at else "panel.zip"
    return _attachment(handle, name, "application/zip")


@bp.route("/jobs/<int:job_id>/download", methods=["POST"])
# The file is handed out once: a retry is answered 410, never a copy kept for replay.
@documented(_l("Download a job's file, once"), tags=["jobs"], parameters=[S.JOB_ID],
            responses={200: S.FILE}, problems=[409, 410])
@token_required(*Role, idempotent=False)
def job_download(job_id: int) -> Any:
    """The finished job's file, once through the API (410 afterwards). POST: taking the
    one download changes state, and HTTP clients and proxies repeat a GET by themselves."""
    job = _own_job(job_id)
    if job is None:
        return problem(404)
    if job.api_downloaded_at is not None:
        return problem(410, detail="downloaded")
    if job.state != "finished":
        return problem(409, detail="state")
    if job.kind == PANEL_KIND:
        return _panel_download(job)
    path = jobs.output_dir() / job.result_file if job.result_file else None
    if path is None or not path.is_file():
        return problem(404)
    if not _claim(job):
        return problem(410, detail="downloaded")
    audit.record("export", "api_job_download", job.id, detail=f"kind={job.kind}")
    return _attachment(path, job.result_name or path.name)

"""Background job: a quarterly report (``quarterly_report``) as PDF, CSV and/or XLSX."""

from __future__ import annotations

from flask_babel import gettext as _

from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.extensions import db
from mrc.jobs.kinds import JobOutput, Progress, job_kind
from mrc.jobs.models import Job
from mrc.jobs.outputs import atomic_output
from mrc.reports import render, services
from mrc.reports.services import ReportError, ReportRequest


@job_kind(services.JOB_KIND)
def quarterly_report(job: Job, progress: Progress) -> JobOutput:
    """Build the report the job's parameters ask for, for the scope of the user who asked
    (recomputed now: a user moved to another scope gets the new one), with the report's
    language active. One format gives one file; several give a zip of them.

    Idempotent: the output is named after the job and replaced atomically; a second run
    writes the same tables again (and records a second export in the audit log)."""
    wanted = ReportRequest.from_params(dict(job.params))
    user = db.session.get(User, job.user_id) if job.user_id is not None else None
    if user is None or not user.active or not services.can_report(user):
        raise ReportError("role")
    mrc_ids = services.report_scope(user, wanted.area)
    progress(5, _("Reading the published tables…"))

    def report(done: int, total: int) -> None:
        progress(10 + 85 * done // total, _("%(done)s of %(total)s files", done=done,
                                             total=total))

    files = render.report_files(mrc_ids, wanted, report)
    ext, download_name, data = render.report_output(files, wanted)
    file_name = f"quarterly-report-{job.id}.{ext}"
    with atomic_output(file_name) as path:
        path.write_bytes(data)
    audit.record("export", "quarterly_report", job.id, user=user,
                 detail=(f"period={wanted.period.code},area={wanted.area or '-'},"
                         f"lang={wanted.lang},formats={'+'.join(wanted.formats)}"))
    return JobOutput(file_name=file_name, download_name=download_name)

"""Background job: build a panel export (``panel_export``)."""

from __future__ import annotations

from mrc.jobs.kinds import JobOutput, Progress, job_kind
from mrc.jobs.models import Job
from mrc.panels import services


@job_kind("panel_export")
def panel_export(job: Job, progress: Progress) -> JobOutput | None:
    """Build the zip of the export ``export_id`` with progress. The file is published
    under its final name only when complete, and is recorded on the export, not on the
    job: the generic job download would serve it more than once, the panel page serves
    it once (then deletes it)."""
    export_id = job.params.get("export_id")
    if not isinstance(export_id, int):
        raise ValueError("panel_export needs an export_id")
    services.run_export(export_id, progress)
    return None

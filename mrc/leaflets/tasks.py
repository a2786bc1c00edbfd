"""Background job: render the leaflet library (or a selection) into one zip of PDFs."""

from __future__ import annotations

import zipfile
from typing import Any

from flask_babel import gettext as _

from mrc.extensions import db
from mrc.jobs.kinds import JobOutput, Progress, job_kind
from mrc.jobs.models import Job
from mrc.jobs.outputs import atomic_output
from mrc.leaflets import render
from mrc.org.models import MRC


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("expected a list of strings")
    return value


def render_params(codes: list[str] | None = None, langs: list[str] | None = None,
                  sizes: list[str] | None = None, mrc_id: int | None = None) -> dict[str, Any]:
    """The job's parameters: ids and codes only (an empty list means all)."""
    return {"codes": list(codes or []), "langs": list(langs or []),
            "sizes": list(sizes or []), "mrc_id": mrc_id}


@job_kind("leaflets_render")
def render_library(job: Job, progress: Progress) -> JobOutput:
    """Render the selected leaflets × languages × page sizes into a zip, one PDF each,
    with the MRC's block (``mrc_id``) or a neutral one. Reports progress per PDF.

    Idempotent: the zip is named after the job and written under a temporary name, and
    PDFs and zip entries carry no time of rendering, so a second run replaces the file
    with identical bytes."""
    params = job.params
    specs = render.select_pdfs(_strings(params.get("codes")), _strings(params.get("langs")),
                               _strings(params.get("sizes")))
    mrc_id = params.get("mrc_id")
    mrc = db.session.get(MRC, mrc_id) if isinstance(mrc_id, int) else None
    details = render.MrcDetails.of(mrc) if mrc is not None else None
    suffix = details.code if details else "generic"
    file_name = f"leaflets-{job.id}.zip"

    def report(done: int, total: int, spec: render.PdfSpec) -> None:
        progress(done * 100 // total, _("%(done)s of %(total)s PDFs", done=done, total=total))

    with atomic_output(file_name) as path, zipfile.ZipFile(path, "w") as archive:
        # PDFs are compressed inside already: storing them is as small and faster.
        for spec, pdf in render.render_many(specs, details, progress=report):
            reviewed = spec.leaflet.reviewed
            entry = zipfile.ZipInfo(spec.file_name, (reviewed.year, reviewed.month,
                                                     reviewed.day, 0, 0, 0))
            archive.writestr(entry, pdf, compress_type=zipfile.ZIP_STORED)
    return JobOutput(file_name=file_name, download_name=f"leaflets-{suffix}.zip")

"""Evaluator studies and their exports: define a study within one's scope, export it as
an anonymised panel zip (a background job), download it once.

Studies (definition, key, panel spec) are in :mod:`mrc.panels.studies`, re-exported here.
The pipeline (:func:`export_zip`) is shared by the job, ``mrc export-panel`` and the
benchmark: set-based query (:mod:`mrc.panels.query`) → pseudonyms, long frame and
anonymisation (:mod:`mrc.panels.build`) → writers and zip (:mod:`mrc.panels.writers`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.extensions import db
from mrc.jobs import services as jobs
from mrc.panels import query, writers
from mrc.panels.build import PanelSpec, release_frame
from mrc.panels.models import PanelExport, PanelStudy
from mrc.panels.studies import (
    MAX_K,
    STUDY_ROLES,
    StudyError,
    adhoc_spec,
    can_define_studies,
    comparison_available,
    create_study,
    get_own_study,
    mrcs_in_scope,
    own_studies,
    rotate_study_keys,
    spec_of,
    study_key,
    validate_study,
)
from mrc.privacy.kanonymity import MIN_K, DisclosureReport

__all__ = [
    "EXPIRY", "MAX_K", "STUDY_ROLES", "ExportSummary", "Progress", "StudyError",
    "adhoc_spec", "can_define_studies", "claim_download", "comparison_available",
    "create_study", "export_state", "export_zip", "get_own_study", "mrcs_in_scope",
    "own_export", "own_studies", "purge_expired", "request_export", "rotate_study_keys",
    "run_export", "spec_of", "study_key", "validate_study", "write_cli_export",
]

EXPIRY = timedelta(days=7)  # an export not downloaded by then is deleted
Progress = Callable[[int, str], None]


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back (stored as UTC).
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------- export


@dataclass
class ExportSummary:
    """What an export wrote: counts released, the zip's digest and files, the disclosure
    report and (for the benchmark) the seconds of each stage."""

    persons: int
    rows: int
    k_reached: int | None
    sha256: str
    files: list[str]
    report: DisclosureReport
    stages: dict[str, float] = field(default_factory=dict)


@contextmanager
def _no_stage(name: str) -> Iterator[None]:
    yield


def export_zip(spec: PanelSpec, key: bytes, destination: Path,
               progress: Progress | None = None,
               stage: Callable[[str], Any] | None = None,
               generated: date | None = None) -> ExportSummary:
    """Build the panel of ``spec`` under the study ``key`` and write the zip at
    ``destination`` (the caller makes that path temporary and publishes it).
    ``stage(name)`` is an optional context manager factory wrapped around each stage
    (query, anonymise, csv, dta, sav, parquet, documents, zip) for the benchmark."""
    report = progress or (lambda percent, message: None)
    timer = stage or _no_stage
    generated = generated or date.today()
    report(5, _("Reading the records"))
    with timer("query"):
        connection = db.session.connection()
        raw = query.load_raw(connection, spec.mrc_ids, spec.period_start, spec.period_end,
                             spec.waves, spec.include_comparison)
    report(30, _("Anonymising %(n)s persons", n=len(raw.persons)))
    with timer("anonymise"):
        frame, result = release_frame(raw, spec, key)
    del raw
    report(50, _("Writing the files"))
    work_dir = destination.parent
    with tempfile.TemporaryDirectory(prefix=".partial-panel-", dir=work_dir) as tmp:
        directory = Path(tmp)
        columns = writers.describe_columns(frame)
        data_files = writers.write_data_files(frame, spec, columns, directory, stage=timer)
        report(85, _("Writing the codebook"))
        with timer("documents"):
            documents = writers.write_documents(frame, spec, columns, result.report,
                                                data_files, directory, generated)
        report(92, _("Packing the zip"))
        with timer("zip"):
            digest = writers.write_zip(directory, [*data_files, *documents], destination,
                                       generated)
    return ExportSummary(persons=result.report.persons_released, rows=len(frame),
                         k_reached=result.report.k_reached, sha256=digest,
                         files=[*data_files, *documents, "manifest.json", "SHA256SUMS"],
                         report=result.report)


def request_export(study: PanelStudy, user: User, k: int | None = None) -> PanelExport:
    """Record an export of ``study`` and its job (the caller commits, then enqueues)."""
    k = study.k if k is None else k
    if not MIN_K <= k <= MAX_K:
        raise StudyError({"k": _("k must be a whole number from %(low)s to %(high)s.",
                                 low=MIN_K, high=MAX_K)})
    purge_expired()
    export = PanelExport(study_id=study.id, requested_by_id=user.id, k=k, created_at=_now())
    db.session.add(export)
    db.session.flush()
    job = jobs.create_job("panel_export", {"export_id": export.id}, user.id)
    export.job_id = job.id
    audit.record("create", "panel_export", export.id, user=user, detail=f"k={k}")
    return export


def run_export(export_id: int, progress: Progress) -> None:
    """The job: build the export's zip under its final name (via a temporary name).
    Idempotent: a rerun rebuilds the same panel (same study key, same ids)."""
    export = db.session.get_one(PanelExport, export_id)
    if export.downloaded_at is not None:
        return  # already delivered: never publish it again
    study = db.session.get_one(PanelStudy, export.study_id)
    user = db.session.get_one(User, export.requested_by_id)
    spec = spec_of(study, user, export.k)
    file_name = f"panel-{export.id}.zip"
    with jobs.atomic_output(file_name) as path:
        summary = export_zip(spec, study_key(study), path, progress)
    export.file_name = file_name
    export.sha256 = summary.sha256
    export.persons_released = summary.persons
    export.rows_released = summary.rows
    export.k_reached = summary.k_reached
    export.ready_at = _now()
    export.expires_at = export.ready_at + EXPIRY
    progress(99, _("%(n)s persons released", n=summary.persons))


def own_export(export_id: int, user: User) -> PanelExport | None:
    """The export if ``user`` asked for it."""
    export = db.session.get(PanelExport, export_id)
    return export if export is not None and export.requested_by_id == user.id else None


def export_state(export: PanelExport) -> str:
    """pending | ready | downloaded | expired."""
    if export.downloaded_at is not None:
        return "downloaded"
    if export.file_name is None:
        return "pending"
    if export.expires_at is not None and _aware(export.expires_at) <= _now():
        return "expired"
    return "ready"


def _output_path(export: PanelExport) -> Path | None:
    if not export.file_name:
        return None
    return jobs.output_dir() / export.file_name


def claim_download(export: PanelExport, user: User) -> IO[bytes] | None:
    """Take the one download of an export: marks it downloaded (atomically, so two
    requests cannot both win), records the audit event, and returns the open zip, whose
    file is already deleted from the output directory. None if not (or no longer)
    available."""
    if export.requested_by_id != user.id or export_state(export) != "ready":
        return None
    path = _output_path(export)
    if path is None or not path.is_file():
        return None
    claimed = db.session.execute(
        update(PanelExport)
        .where(PanelExport.id == export.id, PanelExport.downloaded_at.is_(None))
        .values(downloaded_at=_now()))
    if getattr(claimed, "rowcount", 0) != 1:
        return None
    handle = path.open("rb")
    path.unlink()
    study = db.session.get_one(PanelStudy, export.study_id)
    audit.record("export", "panel_study", study.id, user=user,
                 detail=f"export={export.id} k={export.k} persons={export.persons_released}")
    db.session.refresh(export)
    return handle


def purge_expired() -> int:
    """Delete the files of exports past their expiry that were never downloaded."""
    now = _now()
    stale = list(db.session.scalars(select(PanelExport).where(
        PanelExport.downloaded_at.is_(None), PanelExport.file_name.is_not(None),
        PanelExport.expires_at <= now)))
    for export in stale:
        path = _output_path(export)
        if path is not None and path.exists():
            path.unlink()
    return len(stale)


def write_cli_export(spec: PanelSpec, key: bytes, output: Path,
                     study: PanelStudy | None = None) -> ExportSummary:
    """``mrc export-panel``: write the zip at ``output`` (temporary name in the same
    folder, renamed when complete) and audit it."""
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".partial-", suffix=".zip", dir=output.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        summary = export_zip(spec, key, tmp_path)
        os.replace(tmp_path, output)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
    audit.record("export", "panel_study", study.id if study else None, user=None,
                 detail=f"cli k={spec.k} persons={summary.persons}")
    return summary

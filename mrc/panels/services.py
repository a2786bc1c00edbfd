"""Evaluator studies and their exports: define a study within one's scope, export it as
an anonymised panel zip (a background job), download it once.

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

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from mrc.audit import services as audit
from mrc.auth.models import Role, User
from mrc.cases.models import CounsellingSession
from mrc.extensions import db
from mrc.jobs import services as jobs
from mrc.keys import keyring
from mrc.org.models import MRC
from mrc.panels import query, writers
from mrc.panels import variables as V
from mrc.panels.build import PanelSpec, release_frame
from mrc.panels.models import PanelExport, PanelStudy
from mrc.privacy.kanonymity import MIN_K, DisclosureReport
from mrc.privacy.pseudonyms import new_study_key
from mrc.scope import mrc_ids_in_scope

MAX_K = 100
EXPIRY = timedelta(days=7)  # an export not downloaded by then is deleted
STUDY_ROLES = (Role.EVALUATOR, Role.ADMIN)
Progress = Callable[[int, str], None]


class StudyError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back (stored as UTC).
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def comparison_available() -> bool:
    """Whether the comparison survey (mrc.impact) is installed, so the option is offered."""
    return query.comparison_models() is not None


def can_define_studies(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role_enum in STUDY_ROLES)


def mrcs_in_scope(user: User) -> list[MRC]:
    """The MRCs a user may include in a study (their geographic scope)."""
    return list(db.session.scalars(
        select(MRC).where(MRC.id.in_(mrc_ids_in_scope(user))).order_by(MRC.code)))


# --------------------------------------------------------------------------- studies


def validate_study(data: dict[str, Any], user: User) -> dict[str, str]:
    """Errors by field of a study definition (empty when valid)."""
    errors: dict[str, str] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = _("Give the study a name.")
    allowed = set(db.session.scalars(mrc_ids_in_scope(user)))
    chosen = {int(i) for i in data.get("mrc_ids") or []}
    if not chosen:
        errors["mrc_ids"] = _("Choose at least one MRC.")
    elif not chosen <= allowed:
        errors["mrc_ids"] = _("You can only include MRCs within your scope.")
    start, end = data.get("period_start"), data.get("period_end")
    if not isinstance(start, date) or not isinstance(end, date):
        errors["period_start"] = _("Enter the first and last day of the period.")
    elif start > end:
        errors["period_end"] = _("The period ends before it starts.")
    configured = len(current_app.config["MRC_FOLLOWUP_WAVES_DAYS"])
    waves = [int(w) for w in data.get("waves") or []]
    if any(not 1 <= w <= configured for w in waves):
        errors["waves"] = _("Choose among the configured follow-up waves.")
    if not set(data.get("formats") or []) or not set(data["formats"]) <= set(V.FORMATS):
        errors["formats"] = _("Choose at least one file format.")
    if data.get("shape") not in V.SHAPES:
        errors["shape"] = _("Choose long or wide.")
    if data.get("date_mode") not in V.DATE_MODES:
        errors["date_mode"] = _("Choose how dates are released.")
    unknown = (set(data.get("covariates") or []) - set(V.COVARIATES)) | (
        set(data.get("outcomes") or []) - set(V.OUTCOMES))
    if unknown:
        errors["covariates"] = _("Unknown variables.")
    k = data.get("k")
    if not isinstance(k, int) or not MIN_K <= k <= MAX_K:
        errors["k"] = _("k must be a whole number from %(low)s to %(high)s.", low=MIN_K,
                        high=MAX_K)
    l_variable, l_value = data.get("l_variable") or None, data.get("l_value")
    if l_variable:
        if l_variable not in V.SENSITIVE or l_variable not in (data.get("outcomes") or []):
            errors["l_variable"] = _("The sensitive variable must be one of the chosen "
                                     "outcomes.")
        if not isinstance(l_value, int) or l_value < 2:
            errors["l_value"] = _("l must be a whole number of at least 2.")
        elif isinstance(k, int) and l_value > k:
            errors["l_value"] = _("l cannot be larger than k.")
    if data.get("include_comparison") and not comparison_available():
        errors["include_comparison"] = _("The comparison survey is not available.")
    return errors


def create_study(user: User, data: dict[str, Any]) -> PanelStudy:
    """Define a study owned by ``user``, with a fresh secret key (encrypted at rest)."""
    errors = validate_study(data, user)
    if errors:
        raise StudyError(errors)
    l_variable = data.get("l_variable") or None
    study = PanelStudy(
        name=str(data["name"]).strip(), owner_id=user.id,
        mrc_ids=sorted({int(i) for i in data["mrc_ids"]}),
        period_start=data["period_start"], period_end=data["period_end"],
        waves=sorted({int(w) for w in data.get("waves") or []}),
        variables=[v for v in [*V.COVARIATES, *V.OUTCOMES]
                   if v in {*(data.get("covariates") or []), *(data.get("outcomes") or [])}],
        shape=data["shape"], formats=[f for f in V.FORMATS if f in data["formats"]],
        date_mode=data["date_mode"], k=int(data["k"]), l_variable=l_variable,
        l_value=int(data["l_value"]) if l_variable else None,
        include_comparison=bool(data.get("include_comparison")),
        key_enc=keyring().cipher.encrypt(new_study_key().hex()),
        created_at=_now(),
    )
    db.session.add(study)
    db.session.flush()
    audit.record("create", "panel_study", study.id, user=user)
    return study


def own_studies(user: User) -> list[PanelStudy]:
    return list(db.session.scalars(select(PanelStudy).where(PanelStudy.owner_id == user.id)
                                   .order_by(PanelStudy.id.desc())))


def get_own_study(study_id: int, user: User) -> PanelStudy | None:
    """The study if ``user`` owns it (studies are never shared)."""
    study = db.session.get(PanelStudy, study_id)
    return study if study is not None and study.owner_id == user.id else None


def study_key(study: PanelStudy) -> bytes:
    return bytes.fromhex(keyring().cipher.decrypt(study.key_enc))


def rotate_study_keys() -> int:
    """Re-encrypt every study key under the primary application key (``rotate-keys``)."""
    cipher = keyring().cipher
    studies = list(db.session.scalars(select(PanelStudy)))
    for study in studies:
        study.key_enc = cipher.rotate(study.key_enc)
    return len(studies)


def spec_of(study: PanelStudy, user: User | None, k: int | None = None) -> PanelSpec:
    """The panel definition of a study, its MRCs cut down to ``user``'s current scope
    (a study outlives changes of its owner's scope)."""
    mrc_ids = list(study.mrc_ids)
    if user is not None:
        allowed = set(db.session.scalars(mrc_ids_in_scope(user)))
        mrc_ids = [i for i in mrc_ids if i in allowed]
    chosen = set(study.variables)
    return PanelSpec(
        name=study.name, mrc_ids=tuple(mrc_ids), period_start=study.period_start,
        period_end=study.period_end, waves=tuple(study.waves),
        wave_days=tuple(current_app.config["MRC_FOLLOWUP_WAVES_DAYS"]),
        covariates=tuple(v for v in V.COVARIATES if v in chosen),
        outcomes=tuple(v for v in V.OUTCOMES if v in chosen),
        shape=study.shape, formats=tuple(study.formats), date_mode=study.date_mode,
        k=k if k is not None else study.k, l_variable=study.l_variable,
        l_value=study.l_value, include_comparison=study.include_comparison)


def adhoc_spec(mrc_ids: list[int], start: date | None, end: date | None,
               **options: Any) -> PanelSpec:
    """A panel over the given MRCs without a stored study (``mrc export-panel`` without
    ``--study``): the whole period of baselines unless limited."""
    if start is None or end is None:
        first, last = db.session.execute(
            select(func.min(CounsellingSession.date), func.max(CounsellingSession.date))
            .where(CounsellingSession.is_baseline.is_(True))).one()
        start = start or first or date.today()
        end = end or last or date.today()
    waves = tuple(range(1, len(current_app.config["MRC_FOLLOWUP_WAVES_DAYS"]) + 1))
    return PanelSpec(name=options.pop("name", "Ad hoc panel"), mrc_ids=tuple(mrc_ids),
                     period_start=start, period_end=end, waves=options.pop("waves", waves),
                     wave_days=tuple(current_app.config["MRC_FOLLOWUP_WAVES_DAYS"]),
                     **options)


# ---------------------------------------------------------------------------- export


@dataclass
class ExportSummary:
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

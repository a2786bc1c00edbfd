"""Importing CSV files of clients, sessions and follow-ups: validated, all or nothing,
idempotent on the file's own record ids.

``import_csv`` reads the whole file and collects every problem as (row, column, message)
before anything is written. Only a file without problems is loaded, through the same
services the forms use (``register_client``, ``log_session``, ``record_attempt``), whose
own validation is the last line of defence, inside one savepoint: any failure rolls the
whole file back. The caller (upload page or CLI) commits once.

Rows whose id (``client_id``, ``session_id``, ``followup_id``) is already stored for the
row's MRC are skipped and counted as already imported — without comparing their content;
records are corrected in the application, not by re-importing.

Records are always looked up within the row's MRC (the manager's own MRC on the upload
page), which is the scope rule of ``mrc.scope`` for a caller that may be the system.

The checks common to every kind are in :mod:`mrc.imports.checks`; each kind's rules and
loading in its importer (:mod:`~mrc.imports.case_importers`,
:mod:`~mrc.imports.outreach_importer`, :mod:`~mrc.imports.comparison_importer`). This
module is the one door the upload page, the CLI and the tests use.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.cases import services as cases
from mrc.extensions import db
from mrc.imports import checks, kinds, parsing
from mrc.imports.case_importers import ClientsImporter, FollowUpsImporter, SessionsImporter
from mrc.imports.comparison_importer import ComparisonImporter
from mrc.imports.importer import Importer
from mrc.imports.outreach_importer import OutreachImporter
from mrc.imports.rows import Context, ImportResult, ImportRow, RowError
from mrc.org.models import MRC
from mrc.settings import settings

__all__ = [
    "IMPORTERS", "ClientsImporter", "ComparisonImporter", "Context", "FollowUpsImporter",
    "ImportResult", "ImportRow", "Importer", "OutreachImporter", "RowError",
    "SessionsImporter", "import_csv", "kind_choices", "max_rows",
]

IMPORTERS: dict[str, Importer] = {
    importer.spec.name: importer
    for importer in (ClientsImporter(), SessionsImporter(), FollowUpsImporter(),
                     OutreachImporter(), ComparisonImporter())
}


def kind_choices() -> list[tuple[str, Any]]:
    """(kind, translated label) of every importable kind."""
    return [(name, imp.spec.label) for name, imp in IMPORTERS.items()]


def max_rows() -> int:
    """Rows allowed in one file (``MRC_IMPORT_MAX_ROWS``). Each row goes through the cases
    services (a few ms each), and the upload page imports within its request."""
    return settings().import_max_rows


def import_csv(kind: str, raw: bytes, *, target_mrc: MRC | None, user: User | None,
               today: date | None = None) -> ImportResult:
    """Validate a whole CSV file and, only if it has no problem, add its new rows.

    ``target_mrc`` is the MRC the rows go to (the manager's MRC, or the CLI's ``--mrc``):
    rows naming another MRC in their ``mrc`` column are errors. Without it (the CLI as the
    system), every row must name its MRC. Returns counts or every error; the caller
    commits (success) or rolls back (errors). Audits one ``import`` event per MRC with
    counts only.
    """
    importer = IMPORTERS[kind]
    ctx = Context(today=today or date.today(), user=user, target_mrc=target_mrc)
    result = ImportResult(kind=kind)
    try:
        table = parsing.read_table(raw, max_rows())
    except parsing.FileError as exc:
        result.errors.append(RowError(exc.row, None, str(exc.message)))
        return result

    present = checks.check_header(importer.spec, table, ctx)
    if ctx.errors:
        result.errors = ctx.errors
        return result
    new_rows, skipped = _check_rows(importer, present, table, ctx)
    if ctx.errors:
        result.errors = sorted(ctx.errors, key=lambda e: e.row or 0)
        return result

    errors = _load(importer, new_rows, ctx)
    if errors:
        result.errors = errors
        return result
    result.added, result.skipped = len(new_rows), len(skipped)
    _audit(kind, new_rows, skipped, target_mrc, user)
    return result


def _check_rows(importer: Importer, present: list[kinds.Column], table: parsing.Table,
                ctx: Context) -> tuple[list[ImportRow], list[ImportRow]]:
    """Parse and check every data row; returns the rows to add and those already
    imported (problems are in ``ctx.errors``)."""
    spec = importer.spec
    rows = [checks.parse_row(spec, present, row, ctx) for row in table.rows]
    for row in rows:
        importer.check_fields(row, ctx)
    checks.check_duplicates(spec, rows, ctx)
    checks.assign_mrcs(rows, ctx)
    # Rows with an MRC and an id are checked against the database even when another of
    # their columns failed, so the user sees every problem at once.
    placed = [row for row in rows if row.mrc is not None and row.values.get("_id")]
    existing = checks.existing_ids(importer, placed)
    new_rows: list[ImportRow] = []
    skipped: list[ImportRow] = []
    for row in placed:
        assert row.mrc is not None  # noqa: S101
        (skipped if (row.mrc.id, row.record_id) in existing else new_rows).append(row)
    importer.check_new(new_rows, ctx)
    return new_rows, skipped


def _load(importer: Importer, rows: list[ImportRow], ctx: Context) -> list[RowError]:
    """Load the checked rows in one savepoint; the errors that rolled it back, if any."""
    current: ImportRow | None = None
    try:
        with db.session.begin_nested():
            for current in importer.load_order(rows):
                importer.load(current, ctx)
            db.session.flush()
    except cases.ValidationError as exc:
        number = current.number if current is not None else None
        return [RowError(number, importer.column_of(name), message)
                for name, message in exc.errors.items()]
    except IntegrityError:
        return [RowError(None, None, _(
            "Another import added some of these records at the same time; nothing was "
            "saved. Import the file again."))]
    return []


def _audit(kind: str, added: list[ImportRow], skipped: list[ImportRow],
           target_mrc: MRC | None, user: User | None) -> None:
    """One ``import`` event per MRC (a manager's file has one) with counts, never content."""
    added_by = Counter(row.mrc.id for row in added if row.mrc is not None)
    skipped_by = Counter(row.mrc.id for row in skipped if row.mrc is not None)
    mrc_ids: list[int | None] = [*sorted(set(added_by) | set(skipped_by))]
    if not mrc_ids:
        mrc_ids = [target_mrc.id if target_mrc is not None else None]
    for mrc_id in mrc_ids:
        counts = (added_by[mrc_id], skipped_by[mrc_id]) if mrc_id is not None else (0, 0)
        audit.record("import", kind, None, mrc_id=mrc_id, user=user,
                     detail=f"kind={kind},added={counts[0]},skipped={counts[1]}")

"""Importing CSV files of clients, sessions and follow-ups: validated, all or nothing,
idempotent on the file's own record ids.

``import_csv`` reads the whole file and collects every problem as (row, column, message)
before anything is written: a file with a problem loads nothing. Only a file without
problems is loaded, through the same services the forms use (``register_client``,
``log_session``, ``record_attempt``), whose own validation is the last line of defence.

The load goes in chunks of :data:`LOAD_CHUNK` rows, each committed before the next begins,
so that other requests can write between them (SQLite has one writer at a time: a
long import in one transaction would keep every other writer waiting). The caller (upload
page or CLI) commits the last chunk. Checked rows fail to load only when the records
changed meanwhile (another import of the same file, a follow-up closed in the form); the
failing chunk is then rolled back, and the chunks saved before it are reported
(``ImportResult.added``, with the errors) and audited: importing the same file again adds
the rest, since rows already saved are skipped.

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
from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from mrc import database
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

# Rows loaded per transaction: a few hundred ms of work, the longest other writers wait.
LOAD_CHUNK = 500

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
    counts only. Commits between chunks of the load; when a chunk fails to load, the
    result has the errors and the rows saved before it (``added``), already committed
    with their audit.
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

    saved, errors = _load(importer, new_rows, ctx)
    result.added, result.skipped, result.errors = len(saved), len(skipped), errors
    if saved or not errors:
        _audit(kind, saved, skipped, target_mrc, user)
    if saved and errors:
        # The caller rolls back a failed import: the saved chunks' audit must stay too.
        db.session.commit()
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


def _load(importer: Importer, rows: list[ImportRow], ctx: Context
          ) -> tuple[list[ImportRow], list[RowError]]:
    """Load the checked rows in chunks, each in a transaction of its own, committed before
    the next (the caller commits the last); the rows committed before a chunk that failed,
    and its errors."""
    ordered = importer.load_order(rows)
    for start in range(0, len(ordered), LOAD_CHUNK):
        # Each chunk in a writer's transaction of its own (the checks only read).
        db.session.commit()
        if start:
            database.let_others_write(db.engine)
        database.begin_writing()
        errors = _load_chunk(importer, ordered[start:start + LOAD_CHUNK], ctx,
                             saved=start)
        if errors:
            return ordered[:start], errors
    return ordered, []


def _load_chunk(importer: Importer, rows: Sequence[ImportRow], ctx: Context, *,
                saved: int) -> list[RowError]:
    """Load rows in one savepoint; the errors that rolled it back, if any (``saved``:
    rows committed before these)."""
    current: ImportRow | None = None
    try:
        with db.session.begin_nested():
            for current in rows:
                importer.load(current, ctx)
            db.session.flush()
    except cases.ValidationError as exc:
        number = current.number if current is not None else None
        return [RowError(number, importer.column_of(name), message)
                for name, message in exc.errors.items()]
    except IntegrityError:
        if saved:
            return [RowError(None, None, _(
                "Another import added some of these records at the same time. Import "
                "the file again."))]
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

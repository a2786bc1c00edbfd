"""The checks every kind of file goes through before its own rules: the header, each
cell, repeated ids, each row's MRC, and the ids already imported."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from mrc.extensions import db
from mrc.imports import kinds, parsing
from mrc.imports.importer import Importer
from mrc.imports.kinds import KindSpec
from mrc.imports.rows import Context, ImportRow, in_chunks
from mrc.org.models import MRC


def check_header(spec: KindSpec, table: parsing.Table, ctx: Context) -> list[kinds.Column]:
    """The spec's columns present in the header; errors for unknown, repeated, unnamed
    and missing columns."""
    known = spec.by_name
    present: list[kinds.Column] = []
    seen: set[str] = set()
    row = table.header_row
    for position, name in table.header:
        if not name:
            if position in table.unnamed_with_data:
                ctx.error(row, None, _("Column %(n)s has data but no name.", n=position + 1))
            continue
        if name.startswith(kinds.IGNORED_PREFIX):
            continue
        if name in seen:
            ctx.error(row, name, _("This column appears more than once."))
            continue
        seen.add(name)
        if name not in known:
            ctx.error(row, name, _("Unknown column. The columns of this kind of file are: "
                                   "%(columns)s.", columns=", ".join(known)))
            continue
        present.append(known[name])
    _check_required_columns(spec, seen, row, ctx)
    return present


def _check_required_columns(spec: KindSpec, seen: set[str], row: int, ctx: Context) -> None:
    for column in spec.columns:
        if column.required and column.name not in seen:
            ctx.error(row, column.name, _("This required column is missing."))
    if spec.one_of and not seen.intersection(spec.one_of):
        ctx.error(row, spec.one_of[0], _("Add one of these columns: %(columns)s.",
                                         columns=", ".join(spec.one_of)))


def parse_row(spec: KindSpec, present: list[kinds.Column], row: parsing.Row,
              ctx: Context) -> ImportRow:
    """One data row with each present column's cell parsed (None when empty); errors for
    required, too long and unparsable cells and for extra cells."""
    result = ImportRow(number=row.number, values={})
    if row.extra_cells:
        ctx.error(result, None, _("This row has more cells than the header has columns."))
    for column in present:
        text = parsing.clean(row.cells.get(column.name, ""))
        if not text:
            result.values[column.name] = None
            if column.required:
                ctx.error(result, column.name, _("This value is required."))
            continue
        if len(text) > column.max_length:
            ctx.error(result, column.name, _("This value is too long (at most %(max)s "
                                             "characters).", max=column.max_length))
            continue
        try:
            result.values[column.name] = column.parse(text)
        except parsing.FieldError as exc:
            ctx.error(result, column.name, exc.message)
    if spec.one_of and not any(result.values.get(name) for name in spec.one_of) \
            and not result.failed.intersection(spec.one_of):
        ctx.error(result, spec.one_of[0], _("Fill in one of: %(columns)s.",
                                            columns=", ".join(spec.one_of)))
    result.values["_id"] = result.values.get(spec.id_column)
    return result


def check_duplicates(spec: KindSpec, rows: list[ImportRow], ctx: Context) -> None:
    """An error on every row repeating the record id of an earlier row."""
    first: dict[str, int] = {}
    for row in rows:
        record_id = row.values.get("_id")
        if not record_id:
            continue
        if record_id in first:
            ctx.error(row, spec.id_column, _("This id is already used in row %(row)s.",
                                             row=first[record_id]))
        else:
            first[record_id] = row.number


def assign_mrcs(rows: list[ImportRow], ctx: Context) -> None:
    """Each row's MRC: its ``mrc`` column, else the target MRC. With a target MRC, rows
    of any other MRC are refused."""
    cache: dict[str, MRC | None] = {}
    target = ctx.target_mrc
    for row in rows:
        code = row.values.get("mrc")
        if code is None and "mrc" in row.failed:
            continue
        if not code:
            if target is None:
                ctx.error(row, "mrc", _("Name the MRC of this row (the mrc column, or "
                                        "--mrc on the command line)."))
            row.mrc = target
            continue
        if target is not None:
            if code == target.code:
                row.mrc = target
            else:
                ctx.error(row, "mrc", _("This file may only hold rows of MRC %(mrc)s.",
                                        mrc=target.code))
            continue
        if code not in cache:
            cache[code] = db.session.scalar(select(MRC).where(MRC.code == code))
        row.mrc = cache[code]
        if row.mrc is None:
            ctx.error(row, "mrc", _("Unknown MRC code."))


def existing_ids(importer: Importer, rows: Iterable[ImportRow]) -> set[tuple[int, str]]:
    """(MRC id, external id) of the rows' ids already stored."""
    model = importer.model
    wanted: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        if row.mrc is not None:
            wanted[row.mrc.id].add(row.record_id)
    found: set[tuple[int, str]] = set()
    for mrc_id, ids in wanted.items():
        for chunk in in_chunks(sorted(ids)):
            found.update((mrc_id, str(external)) for external in db.session.scalars(
                select(model.external_id).where(model.mrc_id == mrc_id,
                                                model.external_id.in_(chunk))))
    return found

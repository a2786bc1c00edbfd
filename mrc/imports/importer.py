"""The shape of an importer: the rules and the loading of one kind of file. Each kind's
importer (clients, sessions, follow-ups, outreach, comparison survey) subclasses it."""

from __future__ import annotations

from typing import Any, ClassVar

from mrc.imports.kinds import KindSpec
from mrc.imports.rows import Context, ImportRow


class Importer:
    """The rules and the loading of one kind of file. Subclasses set ``spec`` and
    ``model`` (the record table whose ``external_id`` holds the file's ids)."""

    spec: ClassVar[KindSpec]
    model: ClassVar[Any]
    # Field names of the cases services' ValidationError → column of the file.
    field_columns: ClassVar[dict[str, str]] = {}

    def check_fields(self, row: ImportRow, ctx: Context) -> None:
        """Rules between the fields of one row (ranges, conditionally required fields)."""

    def check_new(self, rows: list[ImportRow], ctx: Context) -> None:
        """Rules that need the database, for the rows that will be added."""

    def load(self, row: ImportRow, ctx: Context) -> None:
        """Add the records of one checked row through the feature's services."""
        raise NotImplementedError

    def load_order(self, rows: list[ImportRow]) -> list[ImportRow]:
        """The order in which rows are loaded (the file's order unless a kind needs
        another)."""
        return rows

    def column_of(self, service_field: str) -> str | None:
        """The file's column for a field named in a service's ValidationError (None when
        the file has no such column)."""
        name = self.field_columns.get(service_field, service_field)
        return name if name in self.spec.by_name else None


def not_future(row: ImportRow, ctx: Context, column: str, message: str) -> None:
    """An error on ``column`` if the row's date there lies after the import's date."""
    value = row.values.get(column)
    if value is not None and value > ctx.today:
        ctx.error(row, column, message)

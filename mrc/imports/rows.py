"""What an import works on: the parsed rows of a file, the problems found in them, the
state shared by the checks (:class:`Context`) and the outcome (:class:`ImportResult`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from flask_babel import gettext as _

from mrc.auth.models import User
from mrc.cases.models import Client, FollowUp
from mrc.org.models import MRC
from mrc.survey.models import ComparisonRespondent

# Ids per ``IN (…)`` query: well below the bound-parameter limits of SQLite and PostgreSQL.
CHUNK = 500
T = TypeVar("T")


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (the header is row 1; None for the whole file),
    the column (None for the whole row) and a translated message without cell content."""

    row: int | None
    column: str | None
    message: str

    def describe(self) -> str:
        """The problem as one translated line, for the upload page and the CLI."""
        if self.row is not None and self.column:
            return _("row %(row)s, column %(column)s: %(message)s",
                     row=self.row, column=self.column, message=self.message)
        if self.row is not None:
            return _("row %(row)s: %(message)s", row=self.row, message=self.message)
        return _("file: %(message)s", message=self.message)


@dataclass
class ImportResult:
    """Counts of a loaded file, or every problem of a refused one. With problems,
    ``added`` is 0 unless the load stopped after saving some chunks (:attr:`partial`)."""

    kind: str
    added: int = 0
    skipped: int = 0  # rows whose id was already imported
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def partial(self) -> bool:
        """The load stopped at a problem after saving (and committing) ``added`` rows."""
        return bool(self.errors) and self.added > 0


@dataclass
class ImportRow:
    """One data row: its parsed values and what the checks found for it (its MRC and the
    stored records it refers to)."""

    number: int
    values: dict[str, Any]
    mrc: MRC | None = None
    failed: set[str | None] = field(default_factory=set)  # columns with an error
    client: Client | None = None
    followup: FollowUp | None = None
    respondent: ComparisonRespondent | None = None

    @property
    def record_id(self) -> str:
        return str(self.values["_id"])


@dataclass
class Context:
    """The import under way: its date, the importing user, the target MRC and the errors
    collected so far."""

    today: date
    user: User | None
    target_mrc: MRC | None
    errors: list[RowError] = field(default_factory=list)

    def error(self, row: ImportRow | int | None, column: str | None, message: object) -> None:
        """Record a problem; a row's failed columns are then skipped by later checks that
        would only repeat it."""
        number = row.number if isinstance(row, ImportRow) else row
        if isinstance(row, ImportRow):
            row.failed.add(column)
        self.errors.append(RowError(number, column, str(message)))


def in_chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most :data:`CHUNK`, for ``IN (…)`` queries."""
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]

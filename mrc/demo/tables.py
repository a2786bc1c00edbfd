"""The rows the demo generator yields: the four case tables held by column, in chunks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

CLIENT_COLUMNS = (
    "id", "code", "mrc_id", "sex", "birth_year", "province", "nationality", "migrant_status",
    "education", "employment", "phone", "followup_consent", "consent_date", "registered_on",
    "created_at", "created_by_id",
)
SESSION_COLUMNS = (
    "id", "client_id", "mrc_id", "counsellor_id", "date", "channel", "language", "topics",
    "destination", "intention", "route", "fee_band", "info_source", "context_version",
    "awareness_version", "awareness_answers", "awareness_score",
    "referrals", "duration_minutes", "notes", "is_baseline", "created_at",
)
FOLLOWUP_COLUMNS = (
    "id", "client_id", "mrc_id", "wave", "due_date", "status", "completed_on",
    "location_status", "intention", "awareness_version", "awareness_answers",
    "awareness_score", "used_mrc_info",
)
ATTEMPT_COLUMNS = ("id", "followup_id", "date", "method", "reached", "counsellor_id")


@dataclass
class Table:
    """Rows of one table held by column (each column a list of plain Python values)."""

    columns: tuple[str, ...]
    data: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.data[self.columns[0]]) if self.columns else 0

    def rows(self, columns: Sequence[str] | None = None) -> Iterator[tuple[Any, ...]]:
        return zip(*(self.data[c] for c in (columns or self.columns)), strict=True)


@dataclass
class Chunk:
    """The rows of one chunk of clients: theirs and their sessions, follow-ups and attempts."""

    clients: Table
    sessions: Table
    followups: Table
    attempts: Table

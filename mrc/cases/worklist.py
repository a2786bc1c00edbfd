"""The worklist: pending follow-up waves due soon, one page at a time, in the order the
counsellor chose, with what a call needs (the phone number, the last attempt).

Waves past the lapse horizon (:mod:`mrc.cases.lapse`) are not listed, whether or not the
sweep has marked them yet. The waves are counted up to :data:`COUNT_CAP` only (the page
says "more than …" above it): counting every due wave of a large MRC cost 19 ms of index
look-ups at 300,000 clients (3,348 waves at PK-ISB), more than the page itself. Phone numbers are decrypted only for the rows of the page, and
only ever for the MRC the scope allows (a counsellor's or manager's own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import phonenumbers
from sqlalchemy import Select, func, select
from sqlalchemy.sql.expression import ColumnElement

from mrc.cases.lapse import lapse_cutoff
from mrc.cases.models import Client, FollowUp, FollowUpAttempt
from mrc.extensions import db
from mrc.keys import keyring
from mrc.paging import capped_count, page_count

# Twenty pages of fifty: further than anyone pages a call list.
COUNT_CAP = 1_000

SORT_KEYS = ("due", "wave", "last_attempt", "attempts")
DEFAULT_SORT = "due"


@dataclass(frozen=True)
class WorklistSort:
    """The order of the list (``?sort=`` one of :data:`SORT_KEYS`, ``?dir=asc|desc``)."""

    key: str = DEFAULT_SORT
    descending: bool = False

    @classmethod
    def from_args(cls, key: str | None, direction: str | None) -> WorklistSort:
        """Unknown values fall back to the default (due date, oldest first)."""
        return cls(key if key in SORT_KEYS else DEFAULT_SORT, direction == "desc")

    def aria(self, key: str) -> str | None:
        """The ``aria-sort`` value of a column header (None: not the sorted column)."""
        if key != self.key:
            return None
        return "descending" if self.descending else "ascending"

    def next_dir(self, key: str) -> str:
        """Direction of the column's link: the sorted column flips, another starts ascending."""
        return "desc" if key == self.key and not self.descending else "asc"


@dataclass
class WorklistRow:
    followup_id: int
    client_id: int
    client_code: str
    wave: int
    due_date: date
    attempts: int
    last_attempt: date | None
    last_method: str | None = None
    # E.164 (for the tel: link) and as it is read out, filled in for the page's rows only.
    phone: str | None = None
    phone_display: str | None = None


@dataclass
class WorklistPage:
    rows: list[WorklistRow]
    total: int  # due waves, counted up to COUNT_CAP
    capped: bool  # more are due than were counted
    page: int  # the page asked for, within the pages that exist
    total_pages: int


def display_phone(e164: str) -> str:
    """The number grouped as it is dialled internationally (``+92 300 7654321``)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _attempt_columns() -> dict[str, Any]:
    """Correlated subqueries on the followup_id index, so they are computed only for the
    rows that need them (grouping the whole attempts table made the page slower as the
    database grew: 260 ms instead of 1 ms at 300,000 clients, see benchmarks/)."""
    a = FollowUpAttempt
    n_attempts = (select(func.count()).select_from(a).where(a.followup_id == FollowUp.id)
                  .correlate(FollowUp).scalar_subquery())
    last_attempt = (select(func.max(a.date)).where(a.followup_id == FollowUp.id)
                    .correlate(FollowUp).scalar_subquery())
    last_method = (select(a.method).where(a.followup_id == FollowUp.id)
                   .order_by(a.date.desc(), a.id.desc()).limit(1)
                   .correlate(FollowUp).scalar_subquery())
    return {"attempts": n_attempts, "last_attempt": last_attempt, "last_method": last_method}


def _order(sort: WorklistSort, columns: dict[str, Any]) -> list[ColumnElement[Any]]:
    """ORDER BY of the sort, ties by due date then id. A wave never tried sorts as the
    oldest last attempt (first ascending, last descending)."""
    chosen = {"due": FollowUp.due_date, "wave": FollowUp.wave,
              "last_attempt": columns["last_attempt"], "attempts": columns["attempts"]}[sort.key]
    first = chosen.desc() if sort.descending else chosen.asc()
    if sort.key == "last_attempt":
        first = first.nulls_last() if sort.descending else first.nulls_first()
    return [first, FollowUp.due_date, FollowUp.id]


def _row(values: Any, with_phone: bool) -> WorklistRow:
    *fields, phone_enc = values
    row = WorklistRow(*fields)
    if with_phone and phone_enc:
        row.phone = keyring().cipher.decrypt(phone_enc)
        row.phone_display = display_phone(row.phone)
    return row


def due_followups(scope: Select[FollowUp], *, horizon_days: int = 14,
                  page: int = 1, per_page: int = 50, today: date | None = None,
                  sort: WorklistSort | None = None,
                  with_phones: bool = False) -> WorklistPage:
    """Pending waves due within ``horizon_days`` and not past the lapse horizon, only for
    clients who consented and were not erased, in the order of ``sort`` (default: oldest
    due date first); a page past the last is the last. ``with_phones``: decrypt the phone
    numbers of the page's rows (for the MRC's own worklist page only)."""
    today = today or date.today()
    sort = sort or WorklistSort()
    columns = _attempt_columns()
    base = (scope.join(Client, Client.id == FollowUp.client_id)
            .where(FollowUp.status == "pending",
                   FollowUp.due_date <= today + timedelta(days=horizon_days),
                   FollowUp.due_date >= lapse_cutoff(today),
                   Client.followup_consent.is_(True),
                   Client.erased_at.is_(None)))
    total, capped = capped_count(base, FollowUp.id, COUNT_CAP)
    total_pages = page_count(total, per_page)
    page = min(max(page, 1), total_pages)
    rows_query = (base.with_only_columns(FollowUp.id, Client.id, Client.code, FollowUp.wave,
                                         FollowUp.due_date, columns["attempts"],
                                         columns["last_attempt"], columns["last_method"],
                                         Client.phone_enc)
                  .order_by(*_order(sort, columns))
                  .limit(per_page).offset((page - 1) * per_page))
    rows = [_row(values, with_phones) for values in db.session.execute(rows_query)]
    return WorklistPage(rows, total, capped, page, total_pages)

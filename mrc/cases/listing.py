"""The MRC's client list: filters, sort orders, the code-prefix search and one page of rows.

A client's **status**, first match wins (the same conditions filter the list and label a row):

``erased``
    the client was erased (no code any more; only anonymous statistics remain).
``withdrawn``
    consent to follow-up is not (or no longer) given and at least one wave was cancelled:
    the client had consented and withdrew.
``due``
    consent given and a pending follow-up wave is due today or earlier.
``done``
    consent given, follow-up waves were scheduled and none is pending any more (each was
    reached or closed as unreachable).
``active``
    everything else: waves still ahead, no baseline session yet, or follow-up never agreed.

Efficiency (300,000 clients): the rows of the page are chosen first (filters, sort key,
LIMIT/OFFSET) and only then are their last-seen date, next wave and status computed, with
correlated subqueries on ``ix_session_client_date``, ``uq_follow_up_client_wave`` and
``ix_follow_up_attempt_followup_id``. Sorting by last seen or next due joins one grouped
subquery of the MRC's sessions/attempts or pending waves (``ix_session_mrc_date``,
``ix_follow_up_worklist``). The total is counted up to :data:`COUNT_CAP` only. A status
filter reads the waves through ``ix_follow_up_worklist`` (a semi-join), a code prefix is a
range scan of ``uq_client_code``. Measured with EXPLAIN ANALYZE on PostgreSQL 15 over a
5,000-client demo (1,075 clients in the MRC): 1-13 ms a page, 23 ms sorted by last seen.
Sorting by registration date is a top-N sort of the MRC's clients (``ix_client_mrc_id``);
an index on ``(mrc_id, registered_on, id)`` would make it an index scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, not_, nulls_last, select

from mrc.auth.models import User
from mrc.calendars import YMD, InvalidDate, parse_date_input
from mrc.cases.models import Client, CounsellingSession, FollowUp, FollowUpAttempt
from mrc.extensions import db
from mrc.paging import capped_count, page_count
from mrc.privacy.codes import ALPHABET, CODE_LENGTH, NATIVE_DIGITS, InvalidCode
from mrc.scope import scoped

STATUSES = ("active", "due", "done", "withdrawn", "erased")
CONSENT = ("yes", "no")
# Sort key → its natural direction (the first click on a column header).
SORTS = {"registered": "desc", "last_seen": "desc", "next_due": "asc"}
DEFAULT_SORT = "registered"
# Counting every client of a large MRC on each page view costs more than the page itself:
# beyond this the page says "more than 10,000" (sorting the other way reaches the far end).
COUNT_CAP = 10_000

_ALIASES = {"I": "1", "L": "1", "O": "0"}  # as mrc.privacy.codes reads a typed code


@dataclass(frozen=True)
class ListFilters:
    """What the list shows: filters (not personal data, may be in a URL) and the code
    prefix (a code fragment: only ever POSTed)."""

    status: str = ""
    consent: str = ""
    registered_from: date | None = None
    registered_to: date | None = None
    sort: str = DEFAULT_SORT
    direction: str = SORTS[DEFAULT_SORT]
    page: int = 1
    code_prefix: str = ""

    def query_args(self, **changes: Any) -> dict[str, str]:
        """The filters as form or query arguments (never the code prefix)."""
        values = {"status": self.status, "consent": self.consent,
                  "from": self.registered_from.isoformat() if self.registered_from else "",
                  "to": self.registered_to.isoformat() if self.registered_to else "",
                  "sort": self.sort, "dir": self.direction, "page": str(self.page)}
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}

    def sorted_by(self, key: str) -> dict[str, str]:
        """Arguments of the header link of column ``key``: the sorted column flips."""
        if key == self.sort:
            direction = "asc" if self.direction == "desc" else "desc"
        else:
            direction = SORTS[key]
        return self.query_args(sort=key, dir=direction, page=1)


def _date_arg(raw: str | None, order: str) -> date | None:
    """A date typed in the filter (ISO, or the locale's order and digits); None if not one."""
    try:
        return parse_date_input(raw or "", order) if (raw or "").strip() else None
    except InvalidDate:
        return None


def parse_filters(args: Any, page: int = 1, code_prefix: str = "",
                  order: str = YMD) -> ListFilters:
    """Filters from a query string or form (a ``MultiDict``); unknown values are ignored.
    ``order``: how the user's locale writes dates (the links carry ISO dates)."""
    sort = args.get("sort", "")
    sort = sort if sort in SORTS else DEFAULT_SORT
    direction = args.get("dir", "")
    return ListFilters(
        status=s if (s := args.get("status", "")) in STATUSES else "",
        consent=c if (c := args.get("consent", "")) in CONSENT else "",
        registered_from=_date_arg(args.get("from"), order),
        registered_to=_date_arg(args.get("to"), order),
        sort=sort, direction=direction if direction in ("asc", "desc") else SORTS[sort],
        page=page, code_prefix=code_prefix)


def normalise_code_prefix(text: str) -> str:
    """The canonical form of the start of a code as typed (case, separators, I/L/O and
    native digits forgiven, as for a whole code); InvalidCode if it cannot start one."""
    cleaned = text.translate(NATIVE_DIGITS).upper()
    cleaned = "".join(_ALIASES.get(ch, ch) for ch in cleaned if ch not in " -_.\u200e\u200f")
    if not cleaned or len(cleaned) > CODE_LENGTH:
        raise InvalidCode("wrong length")
    if any(ch not in ALPHABET for ch in cleaned):
        raise InvalidCode("unknown symbol")
    return cleaned


def _prefix_condition(prefix: str) -> ColumnElement[bool]:
    """``code`` starts with ``prefix``, as a range the unique index on ``code`` answers
    (a LIKE cannot use a B-tree under PostgreSQL's non-C collations)."""
    condition = and_(Client.code >= prefix, Client.code.like(prefix + "%"))
    # The upper bound: the prefix with its last symbol that is not the alphabet's last one
    # moved on by one (K7Z → K8). All of them the last symbol: no upper bound.
    stem = prefix.rstrip(ALPHABET[-1])
    if stem:
        upper = stem[:-1] + ALPHABET[ALPHABET.index(stem[-1]) + 1]
        condition = and_(condition, Client.code < upper)
    return condition


def _wave_exists(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    # The MRC condition (always true: a wave is its client's MRC's) lets a status filter
    # read the waves through ix_follow_up_worklist (mrc_id, status, due_date).
    return exists().where(FollowUp.client_id == Client.id, FollowUp.mrc_id == Client.mrc_id,
                          *conditions)


def status_conditions(today: date) -> dict[str, ColumnElement[bool]]:
    """Each status's own condition, in order of precedence (see the module docstring)."""
    consent = Client.followup_consent.is_(True)
    return {
        "erased": Client.erased_at.is_not(None),
        "withdrawn": and_(not_(consent), _wave_exists(FollowUp.status == "cancelled")),
        "due": and_(consent, _wave_exists(FollowUp.status == "pending",
                                          FollowUp.due_date <= today)),
        "done": and_(consent, _wave_exists(FollowUp.status != "cancelled"),
                     not_(_wave_exists(FollowUp.status == "pending"))),
    }


def _status_filter(status: str, today: date) -> ColumnElement[bool]:
    conditions = status_conditions(today)
    earlier: list[ColumnElement[bool]] = []
    for name, condition in conditions.items():
        if name == status:
            return and_(*[not_(c) for c in earlier], condition)
        earlier.append(condition)
    return and_(*[not_(c) for c in earlier])  # active: none of them


def status_expression(today: date) -> ColumnElement[str]:
    return case(*[(c, name) for name, c in status_conditions(today).items()],
                else_="active")


def _filtered(user: User, filters: ListFilters, today: date) -> Select[Any]:
    query = scoped(Client, user)
    if filters.status:
        query = query.where(_status_filter(filters.status, today))
    if filters.consent:
        query = query.where(Client.followup_consent.is_(filters.consent == "yes"))
    if filters.registered_from:
        query = query.where(Client.registered_on >= filters.registered_from)
    if filters.registered_to:
        query = query.where(Client.registered_on <= filters.registered_to)
    if filters.code_prefix:
        query = query.where(_prefix_condition(filters.code_prefix))
    return query


def _later(a: Any, b: Any) -> ColumnElement[Any]:
    """The later of two dates, either possibly NULL (GREATEST is not portable to SQLite)."""
    return case((a.is_(None), b), (b.is_(None), a), (a > b, a), else_=b)


def _sort_key(user: User, query: Select[Any], sort: str) -> tuple[Select[Any], Any]:
    """``query`` joined to what the sort needs, and the sort key column."""
    if sort == "next_due":
        pending = (scoped(FollowUp, user).where(FollowUp.status == "pending")
                   .with_only_columns(FollowUp.client_id, func.min(FollowUp.due_date).label("d"))
                   .group_by(FollowUp.client_id).subquery())
        return query.outerjoin(pending, pending.c.client_id == Client.id), pending.c.d
    if sort == "last_seen":
        sessions = (scoped(CounsellingSession, user).where(CounsellingSession.live())
                    .with_only_columns(CounsellingSession.client_id,
                                       func.max(CounsellingSession.date).label("d"))
                    .group_by(CounsellingSession.client_id).subquery())
        attempts = (scoped(FollowUpAttempt, user)
                    .with_only_columns(FollowUp.client_id,
                                       func.max(FollowUpAttempt.date).label("d"))
                    .group_by(FollowUp.client_id).subquery())
        query = (query.outerjoin(sessions, sessions.c.client_id == Client.id)
                 .outerjoin(attempts, attempts.c.client_id == Client.id))
        return query, _later(sessions.c.d, attempts.c.d)
    return query, Client.registered_on


@dataclass
class ListRow:
    client_id: int
    code: str | None
    registered_on: date
    last_session: date | None
    last_attempt: date | None
    status: str
    next_due: date | None
    next_wave: int | None
    consent: bool

    @property
    def last_seen(self) -> date | None:
        """The latest session or follow-up attempt."""
        seen = [d for d in (self.last_session, self.last_attempt) if d is not None]
        return max(seen) if seen else None


@dataclass
class ClientPage:
    rows: list[ListRow]
    total: int
    capped: bool  # more clients match than were counted (total is COUNT_CAP)
    page: int
    total_pages: int


def _page_columns(today: date) -> list[Any]:
    """What a row shows, computed only for the clients of the page."""
    last_session = (select(func.max(CounsellingSession.date))
                    .where(CounsellingSession.client_id == Client.id, CounsellingSession.live())
                    .correlate(Client).scalar_subquery())
    last_attempt = (select(func.max(FollowUpAttempt.date))
                    .join(FollowUp, FollowUp.id == FollowUpAttempt.followup_id)
                    .where(FollowUp.client_id == Client.id)
                    .correlate(Client).scalar_subquery())
    next_wave = (select(FollowUp.due_date, FollowUp.wave)
                 .where(FollowUp.client_id == Client.id, FollowUp.status == "pending")
                 .order_by(FollowUp.due_date, FollowUp.wave).limit(1).correlate(Client))
    # Two columns, not _later(): a CASE would run each subquery up to three times per row.
    return [Client.id, Client.code, Client.registered_on, last_session, last_attempt,
            status_expression(today),
            next_wave.with_only_columns(FollowUp.due_date).scalar_subquery(),
            next_wave.with_only_columns(FollowUp.wave).scalar_subquery(),
            Client.followup_consent]


def list_clients(user: User, filters: ListFilters, per_page: int,
                 today: date | None = None) -> ClientPage:
    """One page of the clients ``user`` may see, filtered and sorted; the page number is
    clamped to the pages that exist."""
    today = today or date.today()
    query = _filtered(user, filters, today)
    total, capped = capped_count(query, Client.id, COUNT_CAP)
    total_pages = page_count(total, per_page)
    page = min(max(filters.page, 1), total_pages)
    query, key = _sort_key(user, query, filters.sort)
    order = key.desc() if filters.direction == "desc" else key.asc()
    tiebreak = Client.id.desc() if filters.direction == "desc" else Client.id.asc()
    # Never seen / nothing due: at the end whichever way the list is sorted.
    ids = (query.with_only_columns(Client.id.label("id"), key.label("k"))
           .order_by(nulls_last(order), tiebreak)
           .limit(per_page).offset((page - 1) * per_page).subquery())
    # The same order again on the page: re-sorting per_page rows costs nothing.
    outer_order = ids.c.k.desc() if filters.direction == "desc" else ids.c.k.asc()
    rows_query = (scoped(Client, user).with_only_columns(*_page_columns(today))
                  .join(ids, ids.c.id == Client.id).order_by(nulls_last(outer_order), tiebreak))
    rows = [ListRow(*row) for row in db.session.execute(rows_query)]
    return ClientPage(rows, total, capped, page, total_pages)

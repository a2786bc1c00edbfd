"""Referral aggregates: referrals sent in a period by service, by destination country and by
status, and the completion rate by service, for the dashboard, ``mrc aggregates`` and the
quarterly report.

What is counted: every referral (``mrc.referrals``) whose ``sent_on`` falls in the period,
sent by an MRC of the scope. Referrals whose consent was later withdrawn still count: the
withdrawal stops what the *facility* may read of the client, while a count says nothing
about anyone (and suppression below takes care of the small ones). The destination is the
facility's country; the status is the referral's status *now*; a referral "reached the
service" when the facility recorded the service as given (``service_on``), whatever its
status since (a closed referral may have reached it).

Referrals are few (a few per hundred sessions), so they are read straight from the
``referral`` table with one grouped SELECT (on the index ``ix_referral_mrc_sent``), not
through summary tables. The raw counts never leave this module: like every aggregate they
are published through :func:`mrc.aggregates.services.protect`, or with the cell key method
(``MRC_DISCLOSURE_METHOD=cellkey``, docs/disclosure.md) perturbed cell by cell from the sum
of the referrals' record keys, summed in the same query.

Disclosure control: the five blocks (sent, reached and not reached by service; sent by
destination; sent by status) share their row totals -- each is "the
referrals this MRC sent" -- so they are suppressed together as **one**
:class:`~mrc.privacy.suppression.Table`: each block's hierarchy and category totals, sent =
reached + not reached cell by cell, and the destination and status totals of every row
equal to the sum of its services. Suppressing them apart would let a cell hidden in one be
recomputed from another's margins. The completion rate (reached / sent, %) is published
only where both counts are; the reached and not-reached counts are not published as
tables, but are cells of the table so that a rate can never give a small one away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from mrc.aggregates import services
from mrc.aggregates.breakdowns import TOP_DESTINATIONS, country_label
from mrc.aggregates.hierarchy import Counts, Layout, Org, hierarchy, org
from mrc.aggregates.periods import Period
from mrc.aggregates.tables import PublishedTable
from mrc.extensions import db
from mrc.privacy.suppression import Table
from mrc.referrals import vocab
from mrc.referrals.models import Facility, Referral
from mrc.settings import settings

SERVICE = "referrals_service"
DESTINATION = "referrals_destination"
STATUS = "referrals_status"
COMPLETION = "referrals_completion"
KEYS = (SERVICE, DESTINATION, STATUS, COMPLETION)  # the published tables, in page order

TITLES: dict[str, Any] = {
    SERVICE: _l("Referrals sent, by service"),
    DESTINATION: _l("Referrals sent, by destination country"),
    STATUS: _l("Referrals sent, by status today"),
    COMPLETION: _l("Referrals that reached the service, by service (%)"),
}
NOTES: dict[str, Any] = {
    DESTINATION: _l("The country of the facility the client was referred to."),
    STATUS: _l("Where the referrals sent in the period stand today."),
    COMPLETION: _l("Share of the referrals sent in the period for which the facility "
                   "recorded the service as given."),
}


@dataclass(frozen=True)
class Fact:
    """One group of the query: how many referrals an MRC sent with these values."""

    mrc_id: int
    service: str
    country: str
    status: str
    reached: bool  # the service was given (``service_on`` recorded)
    n: int
    key: int = 0  # the sum of the referrals' record keys (the cell key method)


def read_referrals(mrc_ids: Sequence[int], period: Period) -> list[Fact]:
    """Referrals sent by ``mrc_ids`` in ``period``, grouped by MRC, service, destination,
    status and whether they reached the service: raw counts, for this module only. One
    SELECT restricted on ``(mrc_id, sent_on)``, the index ``ix_referral_mrc_sent``; codes
    outside the vocabularies are left out, so that every table counts the same referrals."""
    r = Referral
    reached = r.service_on.is_not(None)
    rows = db.session.execute(
        select(r.mrc_id, r.service, Facility.country, r.status, reached, func.count(),
               func.sum(r.record_key))
        .join(Facility, Facility.id == r.facility_id)
        .where(r.mrc_id.in_(list(mrc_ids)), r.sent_on >= period.first,
               r.sent_on <= period.end)
        .group_by(r.mrc_id, r.service, Facility.country, r.status, reached))
    services_known = {code for code, _label in vocab.SERVICES}
    return [Fact(int(mrc_id), str(service), str(country or ""), str(status), bool(done),
                 int(n), int(key or 0))
            for mrc_id, service, country, status, done, n, key in rows
            if service in services_known and status in vocab.STATUS]


def _counts(facts: Sequence[Fact], by: str, *, reached: bool | None = None,
            keys: bool = False) -> Counts:
    """``{(mrc_id, value of the fact's field ``by``): referrals}`` (``keys``: the sums of
    their record keys), of those that reached the service (or did not) when ``reached`` is
    given."""
    out: Counts = {}
    for f in facts:
        if reached is None or f.reached == reached:
            key = (f.mrc_id, str(getattr(f, by)))
            out[key] = out.get(key, 0) + (f.key if keys else f.n)
    return out


def destination_columns(facts: Sequence[Fact]) -> tuple[list[tuple[str, str]], list[str]]:
    """The destination columns (code, name) and the codes folded into "Other": the
    countries most referred to in the scope, in the order of their names (not of their
    counts, which the order would otherwise hint at), the rest in one column."""
    totals: dict[str, int] = {}
    for f in facts:
        totals[f.country] = totals.get(f.country, 0) + f.n
    ranked = sorted(totals, key=lambda c: (-totals[c], c))
    top, rest = ranked[:TOP_DESTINATIONS], ranked[TOP_DESTINATIONS:]
    columns = sorted(((c, country_label(c)) for c in top), key=lambda col: col[1].casefold())
    if rest:
        columns.append(("__other__", _("Other countries")))
    return columns, rest


@dataclass
class _Block:
    key: str
    layout: Layout
    counts: Counts
    keys: Counts  # the key sums of the same cells
    start: int = 0  # the block's first cell in the joint table

    def cell(self, row: int, column: int) -> int:
        return self.start + row * self.layout.width + column

    def row_total(self, row: int) -> int:
        return self.cell(row, self.layout.width - 1)


def _joint_table(blocks: list[_Block]) -> Table:
    """The blocks as one table (see the module docstring): ``blocks`` are sent, reached
    and not reached by service, then sent by destination and by status."""
    values: list[int] = []
    constraints: list[tuple[int, list[int]]] = []
    for block in blocks:
        block.start = len(values)
        values += block.layout.cell_values(block.counts)
        constraints += [(t + block.start, [p + block.start for p in parts])
                        for t, parts in block.layout.template().constraints]
    sent, reached, unreached, *others = blocks
    size = len(sent.layout.rows) * sent.layout.width
    constraints += [(sent.start + i, [reached.start + i, unreached.start + i])
                    for i in range(size)]
    services_of_row = range(sent.layout.width - 1)
    for other in others:
        constraints += [(other.row_total(r), [sent.cell(r, j) for j in services_of_row])
                        for r in range(len(sent.layout.rows))]
    return Table(values, constraints)


def _grid(key: str, layout: Layout, cells: Sequence[float | int | None],
          hidden: Sequence[bool], kind: str = "count") -> PublishedTable:
    """A block's cells (row after row, as laid out) as a published table."""
    width, n = layout.width, len(layout.rows)
    return PublishedTable(
        key=key, title=str(TITLES[key]), kind=kind, rows=layout.rows,
        columns=layout.all_columns(_("Total")),
        cells=[list(cells[r * width:(r + 1) * width]) for r in range(n)],
        suppressed=[list(hidden[r * width:(r + 1) * width]) for r in range(n)],
        note=str(NOTES.get(key, "")))


def _published(block: _Block, values: Sequence[int], hidden: Sequence[bool]) -> PublishedTable:
    """A block's counts as a published table, None where suppressed."""
    size = len(block.layout.rows) * block.layout.width
    own = values[block.start:block.start + size]
    sup = hidden[block.start:block.start + size]
    return _grid(block.key, block.layout, [None if s else v for v, s in zip(own, sup, strict=True)],
                 sup)


def _completion(sent: _Block, reached: _Block, values: Sequence[int],
                hidden: Sequence[bool]) -> PublishedTable:
    """Reached / sent in per cent, from the protected counts: suppressed where either is,
    undefined where nothing was sent."""
    rates: list[float | int | None] = []
    sup: list[bool] = []
    for i in range(len(sent.layout.rows) * sent.layout.width):
        a, d = values[reached.start + i], values[sent.start + i]
        withheld = hidden[reached.start + i] or hidden[sent.start + i]
        rates.append(None if withheld or d == 0 else round(100.0 * a / d, 1))
        sup.append(withheld)
    return _grid(COMPLETION, sent.layout, rates, sup, "percent")


def referral_tables(mrc_ids: Select[Any] | Sequence[int] | Org, period: Period,
                    breakdown: str = "mrc", *,
                    threshold: int | None = None) -> list[PublishedTable]:
    """The published referral tables (:data:`KEYS`) of the MRCs ``mrc_ids`` over
    ``period``: rows are the organisation hierarchy (down to countries for the "country"
    breakdown, else to MRCs), columns the services, destinations or statuses and their
    total. Suppressed and audited together (:func:`mrc.aggregates.services.protect`);
    [] when the scope has no MRC or sent no referral in the period."""
    scope = mrc_ids if isinstance(mrc_ids, Org) else org(mrc_ids)
    facts = read_referrals(scope.ids, period) if scope.mrcs else []
    if not facts:
        return []
    depth = 2 if breakdown == "country" else 3
    rows, leaves = hierarchy(scope, depth)

    def layout(columns: list[tuple[str, str]], other: list[str] | None = None) -> Layout:
        return Layout(rows, leaves, columns, depth, scope, other or [])

    def block(key: str, on: Layout, by: str, reached: bool | None = None) -> _Block:
        return _Block(key, on, _counts(facts, by, reached=reached),
                      _counts(facts, by, reached=reached, keys=True))

    by_service = layout([(code, str(label)) for code, label in vocab.SERVICES])
    sent = block(SERVICE, by_service, "service")
    reached = block("referrals_reached", by_service, "service", True)
    unreached = block("referrals_unreached", by_service, "service", False)
    destination = block(DESTINATION, layout(*destination_columns(facts)), "country")
    status = block(STATUS, layout([(c, str(label)) for c, label in vocab.STATUS.items()]),
                   "status")
    blocks = [sent, reached, unreached, destination, status]
    table = _joint_table(blocks)
    limit = threshold if threshold is not None else settings().suppression_threshold
    values = list(table.values)
    if services.cell_key_method():  # every cell perturbed from its own referrals
        keys = [k for b in blocks for k in b.layout.cell_values(b.keys)]
        values = services.perturbed(values, keys, limit)
        hidden = [False] * len(values)
    else:
        # ``services.protect`` is looked up at call time: tests wrap it to audit every table.
        hidden = services.protect(table, limit, services.lineage(
            scope, period, f"referrals:{depth}")).suppressed
    return [_published(sent, values, hidden), _published(destination, values, hidden),
            _published(status, values, hidden), _completion(sent, reached, values, hidden)]

"""The dashboard's indicators, declared: which tables, from which summary measures, linked how.

Each :class:`GroupSpec` is one group of arithmetically linked tables, suppressed together
(:func:`mrc.aggregates.services.indicator_tables` publishes them in this order). A block
derived from others (:class:`Sum`, :class:`Rest`) also declares the link between them, so
the arithmetic and the constraint the suppression protects cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from mrc.aggregates.breakdowns import (
    BREAKDOWNS,
    CLIENT_DIMS,
    OUTREACH_DIMS,
    SESSION_DIMS,
    categories,
    outreach_categories,
)
from mrc.aggregates.models import LeafletMonth, OutcomeMonth, OutreachMonth, SessionMonth
from mrc.aggregates.reader import Reader

# --- where a block's counts come from ---------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """A measure of a summary table, summed over the period."""

    model: type[Any]
    name: str


@dataclass(frozen=True)
class Clients:
    """Distinct clients with a session in the period: the new or the returning ones."""

    returning: bool


@dataclass(frozen=True)
class Sum:
    """The cell-wise sum of other blocks of the group; links this block = sum of ``parts``."""

    parts: tuple[str, ...]


@dataclass(frozen=True)
class Rest:
    """``total`` minus ``parts``, cell by cell; links ``total`` = ``parts`` + this block."""

    total: str
    parts: tuple[str, ...]


Source = Measure | Clients | Sum | Rest


@dataclass(frozen=True)
class BlockSpec:
    key: str
    title: Any  # a lazy string; empty for a block only published through a rate
    source: Source
    published: bool = True


@dataclass(frozen=True)
class Axis:
    """The dimensions a family of indicators has in the summary tables. For another
    breakdown the family is shown by MRC (with a note, unless the breakdown is by MRC or
    country anyway)."""

    dims: tuple[str, ...]
    outreach: bool = False  # columns are attendance categories, not session ones

    def columns(self, breakdown: str,
                reader: Reader) -> tuple[list[tuple[str, str]], list[str]]:
        """Columns of the breakdown and the codes folded into an "other" column."""
        if self.outreach:
            return outreach_categories(breakdown), []
        return categories(breakdown, reader)


SESSIONS = Axis(SESSION_DIMS)
CLIENTS = Axis(CLIENT_DIMS)
ATTENDANCE = Axis(OUTREACH_DIMS, outreach=True)
BY_MRC = Axis(())


@dataclass(frozen=True)
class GroupSpec:
    axis: Axis
    blocks: tuple[BlockSpec, ...]
    rates: tuple[tuple[str, Any, str, str], ...] = ()  # key, title, numerator, denominator
    means: tuple[tuple[str, Any, str, Source], ...] = ()  # key, title, denominator, sums
    only: frozenset[str] | None = None  # breakdowns the group is shown for (None: all)

    def shown(self, breakdown: str) -> bool:
        return self.only is None or breakdown in self.only

    def links(self) -> list[tuple[str, list[str]]]:
        """``(total, parts)``: the cell-wise sums the derived blocks declare."""
        out = []
        for block in self.blocks:
            if isinstance(block.source, Sum):
                out.append((block.key, list(block.source.parts)))
            elif isinstance(block.source, Rest):
                out.append((block.source.total, [*block.source.parts, block.key]))
        return out


def _outcome(name: str) -> Measure:
    return Measure(OutcomeMonth, name)


def _intentions(stage: str, title: Any, irregular: Any, regular: Any) -> GroupSpec:
    """Clients at a stage and the shares intending to migrate irregularly and regularly."""
    return GroupSpec(CLIENTS, (
        BlockSpec(f"{stage}_n", title, _outcome(f"{stage}_n")),
        BlockSpec(f"{stage}_irregular", "", _outcome(f"{stage}_irregular"), published=False),
        BlockSpec(f"{stage}_regular", "", _outcome(f"{stage}_regular"), published=False),
        BlockSpec(f"{stage}_other", "", Rest(f"{stage}_n", (f"{stage}_irregular",
                                                            f"{stage}_regular")),
                  published=False),
    ), rates=((f"{stage}_irregular_share", irregular, f"{stage}_irregular", f"{stage}_n"),
              (f"{stage}_regular_share", regular, f"{stage}_regular", f"{stage}_n")))


def _by_mrc(key: str, title: Any, measure: Measure, **options: Any) -> GroupSpec:
    return GroupSpec(BY_MRC, (BlockSpec(key, title, measure),), **options)


INDICATORS: tuple[GroupSpec, ...] = (
    # Sessions and new clients (baseline sessions): by every session dimension.
    GroupSpec(SESSIONS, (
        BlockSpec("sessions", _l("Counselling sessions"), Measure(SessionMonth, "sessions")),
        BlockSpec("baseline_sessions", _l("First sessions (new clients)"),
                  Measure(SessionMonth, "new_clients"), published=False),
        BlockSpec("later_sessions", _l("Later sessions"),
                  Rest("sessions", ("baseline_sessions",)), published=False),
    )),
    # Distinct clients, new and returning, and everything about follow-ups and impact:
    # by client dimensions only.
    GroupSpec(CLIENTS, (
        BlockSpec("clients", _l("Clients counselled"), Sum(("new_clients", "returning_clients"))),
        BlockSpec("new_clients", _l("New clients"), Clients(returning=False)),
        BlockSpec("returning_clients", _l("Returning clients"), Clients(returning=True)),
    )),
    GroupSpec(CLIENTS, (
        BlockSpec("followups_due", _l("Follow-ups due"), _outcome("due")),
        BlockSpec("followups_reached", _l("Follow-ups: client reached"), _outcome("reached")),
        BlockSpec("followups_unreachable", _l("Follow-ups: not reached"),
                  _outcome("unreachable"), published=False),
        BlockSpec("followups_open", _l("Follow-ups still open"),
                  Rest("followups_due", ("followups_reached", "followups_unreachable")),
                  published=False),
    ), rates=(("followup_reach_rate", _l("Follow-up reach rate (%)"), "followups_reached",
               "followups_due"),)),
    _intentions("baseline", _l("Clients at baseline"),
                _l("Intending to migrate irregularly at baseline (%)"),
                _l("Intending to migrate regularly at baseline (%)")),
    _intentions("followup", _l("Clients reached at follow-up"),
                _l("Intending to migrate irregularly at follow-up (%)"),
                _l("Intending to migrate regularly at follow-up (%)")),
    GroupSpec(CLIENTS, (
        BlockSpec("info_answered", "", _outcome("info_answered"), published=False),
        BlockSpec("info_used", "", _outcome("info_used"), published=False),
        BlockSpec("info_unused", "", Rest("info_answered", ("info_used",)), published=False),
    ), rates=(("info_used_share", _l("Used information from the MRC (share of those asked, %)"),
               "info_used", "info_answered"),)),
    GroupSpec(CLIENTS, (
        BlockSpec("awareness_paired",
                  _l("Clients with awareness scores at baseline and follow-up"),
                  _outcome("paired")),
    ), means=(("awareness_change", _l("Mean change in awareness score (points)"),
               "awareness_paired", _outcome("score_change_sum")),)),
    # Outreach: attendance by sex and age band; events and reach by MRC.
    GroupSpec(ATTENDANCE, (
        BlockSpec("outreach_attendance", _l("Outreach attendance"),
                  Measure(OutreachMonth, "attendance")),
    ), only=frozenset(OUTREACH_DIMS)),
    _by_mrc("outreach_events", _l("Outreach events"), Measure(OutreachMonth, "events")),
    _by_mrc("outreach_attendance", _l("Outreach attendance"), Measure(OutreachMonth, "attendance"),
            only=frozenset(BREAKDOWNS) - frozenset(OUTREACH_DIMS)),
    _by_mrc("outreach_reach", _l("Estimated reach of media events"),
            Measure(OutreachMonth, "reach")),
    _by_mrc("leaflets", _l("Leaflets distributed"), Measure(LeafletMonth, "quantity")),
)

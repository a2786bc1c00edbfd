"""What the dashboard page and its chart and CSV endpoints show, for one scope, period
and breakdown: published tables only (:mod:`mrc.aggregates.services`, and
:mod:`mrc.aggregates.referrals` for the referral tables)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select

from mrc.aggregates import charts, referrals, services
from mrc.aggregates.headline import Tile, headline
from mrc.aggregates.periods import Period
from mrc.aggregates.tables import PublishedTable

BAR_CHARTS = ("sessions", "clients", "followup_reach_rate", "outreach_attendance")
LINE_CHARTS = ("trend_destination", "trend_intention")

Scope = Select[Any] | Sequence[int]


@dataclass
class Dashboard:
    tables: list[PublishedTable]
    trends: list[PublishedTable]
    headline: list[Tile]
    # The tables that have a chart, in page order, each with the version of its chart: a
    # digest of what it draws, so that a changed number is a new URL (never a stale image).
    charts: list[tuple[PublishedTable, str]]
    referrals: list[PublishedTable] = field(default_factory=list)


def _version(salt: str, drawn: object) -> str:
    return hashlib.sha256(f"{salt}|{drawn!r}".encode()).hexdigest()[:16]


def dashboard(scope: Scope, period: Period, breakdown: str, *, salt: str = "") -> Dashboard:
    """The page: this period's tables, the headline against the previous period's.
    ``salt``: what else changes a chart (language, digits, direction)."""
    tables, trends = services.dashboard_tables(scope, period, breakdown)
    previous = services.indicator_tables(scope, period.previous(), breakdown) if tables else []
    now = {t.key: t for t in [*tables, *trends]}
    before = {t.key: t for t in previous}
    shown = [(now[k], _version(salt, charts.bar_data(now[k], before.get(k))))
             for k in BAR_CHARTS if k in now]
    shown += [(now[k], _version(salt, charts.line_data(now[k]))) for k in LINE_CHARTS if k in now]
    sent = referrals.referral_tables(scope, period, breakdown) if tables else []
    return Dashboard(tables, trends, headline(tables, previous), shown, sent)


def table(scope: Scope, period: Period, breakdown: str, key: str) -> PublishedTable | None:
    """One of the page's tables (for its CSV), from the same request of tables."""
    if key in referrals.KEYS:
        return next((t for t in referrals.referral_tables(scope, period, breakdown)
                     if t.key == key), None)
    tables, trends = services.dashboard_tables(scope, period, breakdown)
    return next((t for t in [*tables, *trends] if t.key == key), None)


def chart_svg(scope: Scope, period: Period, breakdown: str, key: str, *,
              rtl: bool) -> str | None:
    """The SVG of one of the page's charts; None if the page has no such chart."""
    if key in LINE_CHARTS:
        trends = services.trend_tables(scope, period)
        found = next((t for t in trends if t.key == key), None)
        return charts.line_svg(found, rtl=rtl) if found else None
    if key not in BAR_CHARTS:
        return None
    now = {t.key: t for t in services.indicator_tables(scope, period, breakdown)}
    if key not in now:
        return None
    before = {t.key: t for t in services.indicator_tables(scope, period.previous(), breakdown)}
    return charts.bar_svg(now[key], before.get(key), rtl=rtl) or None

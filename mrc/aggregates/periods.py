"""Reporting periods made of whole months: a month, a quarter, a year or a custom range.

The summary tables are monthly, so every period is a run of whole months. Accepted forms:
``2026``, ``2026-Q3``, ``2026-07``, ``2026-01..2026-06`` and ``2026-01-01..2026-06-30``
(a custom date range must start on a first and end on a last day of a month).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta


class PeriodError(ValueError):
    """The text is not a period this module understands."""


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def last_day(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """Months ``first`` .. ``last`` (both the first day of their month), inclusive."""

    first: date
    last: date
    kind: str = "custom"  # month, quarter, year or custom

    def __post_init__(self) -> None:
        if self.first.day != 1 or self.last.day != 1 or self.last < self.first:
            raise PeriodError("a period is a run of whole months")

    @property
    def months(self) -> list[date]:
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = add_months(month, 1)
        return out

    @property
    def end(self) -> date:
        """The period's last day."""
        return last_day(self.last)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        n = len(self.months)
        return Period(add_months(self.first, -n), add_months(self.first, -1), self.kind)

    @property
    def code(self) -> str:
        """The canonical text form (parses back to this period)."""
        if self.kind == "year":
            return f"{self.first.year}"
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.first:%Y-%m}"
        return f"{self.first:%Y-%m}..{self.last:%Y-%m}"


def year(y: int) -> Period:
    return Period(date(y, 1, 1), date(y, 12, 1), "year")


def quarter(y: int, q: int) -> Period:
    if not 1 <= q <= 4:
        raise PeriodError("quarters are Q1 to Q4")
    return Period(date(y, 3 * q - 2, 1), date(y, 3 * q, 1), "quarter")


def month(y: int, m: int) -> Period:
    if not 1 <= m <= 12:
        raise PeriodError("months are 01 to 12")
    return Period(date(y, m, 1), date(y, m, 1), "month")


def custom(first: date, last: date) -> Period:
    """Whole months from ``first`` to ``last`` (days must be month boundaries)."""
    if first.day != 1:
        raise PeriodError("a custom period starts on the first day of a month")
    if last != last_day(last.replace(day=1)):
        raise PeriodError("a custom period ends on the last day of a month")
    if last < first:
        raise PeriodError("the period ends before it starts")
    return Period(first, last.replace(day=1), "custom")


_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse(text: str) -> Period:
    """A period from its text form (see the module docstring); PeriodError otherwise."""
    raw = text.strip()
    try:
        if ".." in raw:
            start, _, stop = raw.partition("..")
            start, stop = start.strip(), stop.strip()
            if _MONTH.match(start) and _MONTH.match(stop):
                first = date(int(start[:4]), int(start[5:]), 1)
                last = date(int(stop[:4]), int(stop[5:]), 1)
                if last < first:
                    raise PeriodError("the period ends before it starts")
                return Period(first, last, "custom")
            if _DAY.match(start) and _DAY.match(stop):
                return custom(date.fromisoformat(start), date.fromisoformat(stop))
            raise PeriodError(f"not a period: {text!r}")
        if m := _YEAR.match(raw):
            return year(int(m[1]))
        if m := _QUARTER.match(raw):
            return quarter(int(m[1]), int(m[2]))
        if m := _MONTH.match(raw):
            return month(int(m[1]), int(m[2]))
    except ValueError as exc:
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(f"not a period: {text!r}") from exc
    raise PeriodError(f"not a period: {text!r}")


def current_year(today: date | None = None) -> Period:
    """The twelve months up to and including the current one."""
    this = (today or date.today()).replace(day=1)
    return Period(add_months(this, -11), this, "custom")

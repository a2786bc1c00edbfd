"""A published table and how it is shown: cells, the suppression symbol, CSV and JSON.

A :class:`PublishedTable` holds only published numbers (suppression happened before it was
built, :mod:`mrc.aggregates.services`), so anything here may be shown or exported as it is.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from babel import numbers as babel_numbers
from flask_babel import get_locale
from flask_babel import gettext as _

from mrc.i18n import numbering_system
from mrc.settings import settings

SUPPRESSED = "x"  # the symbol of a suppressed cell in CSV and on screen


def legend(threshold: int | None = None) -> str:
    """What the suppression symbol means, for the threshold the tables were built with
    (the configured one when not given)."""
    if threshold is None:
        threshold = settings().suppression_threshold
    return _("x: fewer than %(n)s, or hidden to protect such a cell", n=threshold)


def number_format() -> Callable[[float | int | None], str]:
    """``fmt_number`` for the hundreds of cells of one page: the locale and the user's
    digits are looked up once, and each distinct value is formatted once."""
    locale, digits = get_locale(), numbering_system()
    seen: dict[float | int, str] = {}

    def fmt(value: float | int | None) -> str:
        if value is None:
            return ""
        if value not in seen:
            seen[value] = babel_numbers.format_decimal(value, locale=locale,
                                                       numbering_system=digits)
        return seen[value]

    return fmt


@dataclass(frozen=True)
class Row:
    key: str  # "", region code, country code or MRC code (or a month "2026-07")
    label: str
    level: int  # 0 total, 1 region, 2 country, 3 MRC


@dataclass(frozen=True)
class PublishedTable:
    """One published table. ``cells[r][c]`` is the published number, ``None`` when
    suppressed (``suppressed[r][c]``) or not defined (a rate over zero)."""

    key: str
    title: str
    kind: str  # "count", "percent" or "mean"
    rows: list[Row]
    columns: list[tuple[str, str]]  # (code, label); the last is the total where there is one
    cells: list[list[float | int | None]]
    suppressed: list[list[bool]]
    note: str = ""
    highlight: list[list[bool]] = field(default_factory=list)

    def display(self, r: int, c: int) -> str:
        """Text of a cell for CSV: the number, ``x`` if suppressed, empty if undefined."""
        if self.suppressed[r][c]:
            return SUPPRESSED
        value = self.cells[r][c]
        if value is None:
            return ""
        return f"{value:.1f}" if self.kind in ("percent", "mean") else str(value)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["", *[label for _code, label in self.columns]])
        for r, row in enumerate(self.rows):
            writer.writerow([row.label, *[self.display(r, c) for c in range(len(self.columns))]])
        return out.getvalue()

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "title": self.title, "kind": self.kind, "note": self.note,
            "columns": [{"code": code, "label": label} for code, label in self.columns],
            "rows": [{"key": row.key, "label": row.label, "level": row.level,
                      "cells": [None if self.suppressed[r][c] else self.cells[r][c]
                                for c in range(len(self.columns))],
                      "suppressed": self.suppressed[r]}
                     for r, row in enumerate(self.rows)],
        }


def tables_to_json(tables: Sequence[PublishedTable]) -> str:
    """The tables as a JSON list (suppressed cells are ``null``)."""
    return json.dumps([t.to_dict() for t in tables], ensure_ascii=False, indent=1)


def tables_to_csv(tables: Sequence[PublishedTable]) -> str:
    """All tables one after the other, each headed by its title (a one-cell CSV row, quoted
    when it holds a comma), separated by a blank line."""
    parts = []
    for t in tables:
        title = io.StringIO()
        csv.writer(title, lineterminator="\n").writerow([t.title])
        parts.append(title.getvalue() + t.to_csv())
    return "\n".join(parts)

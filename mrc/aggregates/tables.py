"""A published table and how it is shown: cells, the suppression symbol, CSV and JSON.

A :class:`PublishedTable` holds only published numbers (suppression happened before it was
built, :mod:`mrc.aggregates.services`), so anything here may be shown or exported as it is.
CSV goes through :mod:`mrc.spreadsheets`: labels (names of MRCs, countries, regions) are
text and can never run as formulas; cells are numbers.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _

from mrc.aggregates.numbers import formatter
from mrc.calendars import localise_digits
from mrc.i18n import numbering_system
from mrc.settings import settings
from mrc.spreadsheets import CsvWriter, csv_text

SUPPRESSED = "x"  # the symbol of a suppressed cell in CSV and on screen


def legend(threshold: int | None = None) -> str:
    """What the suppression symbol means, for the threshold the tables were built with
    (the configured one when not given), and with the cell key method what it does."""
    if threshold is None:
        threshold = settings().suppression_threshold
    text = _("x: fewer than %(n)s, or hidden to protect such a cell",
             n=localise_digits(str(threshold), numbering_system()))
    if settings().disclosure_method != "cellkey":
        return text
    digits = numbering_system()
    perturbed = _("Counts of people are changed slightly, the same way in every table, so "
                  "that nobody can be singled out: a figure may differ from the true count by "
                  "a few, and never shows %(low)s to %(n)s.",
                  low=localise_digits("1", digits), n=localise_digits(str(threshold - 1), digits))
    return f"{text} {perturbed}"


def number_format() -> Callable[[float | int | None], str]:
    """``fmt_number`` for the hundreds of cells of one page: the locale and the user's
    digits are looked up once, and each distinct value is formatted once."""
    return formatter(str(get_locale()), numbering_system())


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

    def csv_value(self, r: int, c: int) -> str | int | float | Decimal:
        """A cell for CSV: the number (rounded to one decimal for percents and means), ``x``
        if suppressed, empty if undefined. A number, not its text, so that a negative one
        stays a number in :mod:`mrc.spreadsheets`."""
        if self.suppressed[r][c]:
            return SUPPRESSED
        value = self.cells[r][c]
        if value is None:
            return ""
        if self.kind in ("percent", "mean") and math.isfinite(value):
            return Decimal(f"{value:.1f}")
        return value

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = CsvWriter(out, lineterminator="\n")
        writer.writerow(["", *[label for _code, label in self.columns]])
        for r, row in enumerate(self.rows):
            writer.writerow([row.label, *[self.csv_value(r, c)
                                          for c in range(len(self.columns))]])
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
    return "\n".join(csv_text([[t.title]]) + t.to_csv() for t in tables)

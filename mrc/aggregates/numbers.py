"""Numbers of the dashboard in the user's digits, like its dates.

Babel's ``format_decimal(..., numbering_system=...)`` changes only the separators (``12٬345``)
and keeps Latin digits, while :func:`mrc.templating.fmt_date` writes the locale's digits
(:func:`mrc.calendars.localise_digits`). These formatters do both, so that the tables, the
headline, the charts' axes and the period line of one page use one set of digits
(:func:`mrc.i18n.numbering_system`: the locale's, or Latin if the user asked)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from babel import numbers as babel_numbers

from mrc.calendars import localise_digits

SIGNED = "+#,##0.#;-#,##0.#"


@lru_cache(maxsize=65_536)
def _formatted(value: float | int, locale: str, numbering: str, signed: bool) -> str:
    text = babel_numbers.format_decimal(value, format=SIGNED if signed else None,
                                        locale=locale, numbering_system=numbering)
    return localise_digits(text, numbering)


def formatter(locale: str, numbering: str, *, signed: bool = False,
              ) -> Callable[[float | int | None], str]:
    """A formatter for the many cells of one page. Each distinct value is formatted once
    per process and language (a pure function of them, kept in a bounded cache shared by
    every page: the next page's cells are mostly the same numbers)."""

    def fmt(value: float | int | None) -> str:
        return "" if value is None else _formatted(value, locale, numbering, signed)

    return fmt

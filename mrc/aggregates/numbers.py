"""Numbers of the dashboard in the user's digits, like its dates.

Babel's ``format_decimal(..., numbering_system=...)`` changes only the separators (``12٬345``)
and keeps Latin digits, while :func:`mrc.templating.fmt_date` writes the locale's digits
(:func:`mrc.calendars.localise_digits`). These formatters do both, so that the tables, the
headline, the charts' axes and the period line of one page use one set of digits
(:func:`mrc.i18n.numbering_system`: the locale's, or Latin if the user asked)."""

from __future__ import annotations

from collections.abc import Callable

from babel import numbers as babel_numbers

from mrc.calendars import localise_digits

SIGNED = "+#,##0.#;-#,##0.#"


def formatter(locale: str, numbering: str, *, signed: bool = False,
              ) -> Callable[[float | int | None], str]:
    """A formatter for the many cells of one page; each distinct value is formatted once."""
    seen: dict[float | int, str] = {}

    def fmt(value: float | int | None) -> str:
        if value is None:
            return ""
        if value not in seen:
            text = babel_numbers.format_decimal(value, format=SIGNED if signed else None,
                                                locale=locale, numbering_system=numbering)
            seen[value] = localise_digits(text, numbering)
        return seen[value]

    return fmt

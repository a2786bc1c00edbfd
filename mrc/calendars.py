"""Calendars and digits for display and entry. Storage is always ISO/Gregorian; the Solar
Hijri calendar (used in Afghanistan, with the Dari and Pashto month names of the zodiac
months) is a display option, and date entry accepts what the display shows.

Conversions use jdatetime (a maintained Jalali calendar library); the month names and the
digit sets are ours.
"""

from __future__ import annotations

import re
from datetime import date

import jdatetime

GREGORIAN, SOLAR_HIJRI, BOTH = "gregorian", "solar_hijri", "both"
CALENDARS = (GREGORIAN, SOLAR_HIJRI, BOTH)

# Afghan month names (zodiac months) of the Solar Hijri year, Hamal = month 1.
SOLAR_MONTHS = {
    "fa_AF": ("حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله",
              "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت"),
    "ps": ("وری", "غویی", "غبرگولی", "چنګاښ", "زمری", "وږی",
           "تله", "لړم", "لیندۍ", "مرغومی", "سلواغه", "کب"),
    "en": ("Hamal", "Sawr", "Jawza", "Saratan", "Asad", "Sonbola",
           "Mizan", "Aqrab", "Qaws", "Jadi", "Dalw", "Hut"),
}
SOLAR_LOCALES = frozenset({"fa_AF", "ps"})

DIGIT_SETS = {
    "latn": "0123456789",
    "arab": "٠١٢٣٤٥٦٧٨٩",
    "arabext": "۰۱۲۳۴۵۶۷۸۹",
    "beng": "০১২৩৪৫৬৭৮৯",
}
_TO_ASCII = str.maketrans("".join(DIGIT_SETS[s] for s in ("arab", "arabext", "beng")),
                          "0123456789" * 3)
_SOLAR_INPUT = re.compile(r"^\s*(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*$")
# Years before this are read as Solar Hijri (1405 SH = 2026 CE): no Gregorian date a
# counsellor enters is that early, and no Solar Hijri date that late.
SOLAR_YEAR_LIMIT = 1700


class InvalidDate(ValueError):
    """The text is not a date in an accepted form."""


def to_solar(day: date) -> tuple[int, int, int]:
    j = jdatetime.date.fromgregorian(date=day)
    return j.year, j.month, j.day


def from_solar(year: int, month: int, day: int) -> date:
    try:
        gregorian: date = jdatetime.date(year, month, day).togregorian()
        return gregorian
    except ValueError as exc:
        raise InvalidDate(str(exc)) from exc


def localise_digits(text: str, numbering: str) -> str:
    """``text`` with ASCII digits written in the given numbering system (``arabext`` …)."""
    digits = DIGIT_SETS.get(numbering)
    if digits is None or numbering == "latn":
        return text
    return text.translate(str.maketrans("0123456789", digits))


def format_solar(day: date, locale: str) -> str:
    """"2 قوس 1405": day, month name in the locale (Dari, Pashto or transliterated), year."""
    year, month, dom = to_solar(day)
    names = SOLAR_MONTHS.get(locale, SOLAR_MONTHS["en"])
    return f"{dom} {names[month - 1]} {year}"


def solar_numeric(day: date) -> str:
    """Numeric Solar Hijri form as typed in forms: 1405/09/02."""
    year, month, dom = to_solar(day)
    return f"{year:04d}/{month:02d}/{dom:02d}"


def parse_date_input(text: str) -> date:
    """A typed date: ISO Gregorian (2026-11-23) or numeric Solar Hijri (1405/09/02,
    1405-9-2), in any digits. Raises InvalidDate."""
    cleaned = text.translate(_TO_ASCII).strip()
    match = _SOLAR_INPUT.match(cleaned)
    if match is None:
        raise InvalidDate("not a date")
    year, month, dom = (int(g) for g in match.groups())
    if year < SOLAR_YEAR_LIMIT:
        return from_solar(year, month, dom)
    try:
        return date(year, month, dom)
    except ValueError as exc:
        raise InvalidDate(str(exc)) from exc

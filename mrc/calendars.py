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
from babel.dates import get_date_format

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
_SEP = r"\s*[-/.\u060d\s]\s*"  # - / . Arabic date separator ؍ or a space
_YEAR_FIRST = re.compile(rf"^(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})$")
_YEAR_LAST = re.compile(rf"^(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}})$")
# Direction marks CLDR puts between the parts of Arabic dates (d‏/M‏/y), and copy-paste junk.
_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u200b\u2066\u2067\u2068\u2069"))
# Order of the numeric date a locale writes: year-month-day or day/month/year.
YMD, DMY = "ymd", "dmy"
MAX_DATE_INPUT = 32
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


def date_order(locale: str) -> str:
    """YMD or DMY: the order of the locale's short date in CLDR (ur, bn, ar: d/M/y; fa_AF,
    ps, ckb: y/M/d). Month-first orders (CLDR's English M/d/yy) give YMD, i.e. ISO: a
    month-first date cannot be told apart from a day-first one, so it is never used."""
    try:
        pattern = get_date_format("short", locale).pattern
    except (ValueError, LookupError):
        return YMD
    positions = {part: pattern.find(part) for part in "yMd"}
    if min(positions.values()) >= 0 and positions["d"] < positions["M"] < positions["y"]:
        return DMY
    return YMD


def date_separator(locale: str) -> str:
    """"/" where the locale's year-first short date uses it (Dari and Pashto y/M/d), else
    "-" (ISO). Day-first dates always use "/"."""
    if date_order(locale) == DMY:
        return "/"
    try:
        pattern = get_date_format("short", locale).pattern
    except (ValueError, LookupError):
        return "-"
    return "/" if pattern.startswith("y") and "/" in pattern else "-"


def format_date_input(day: date, *, solar: bool, order: str, numbering: str,
                      separator: str = "-") -> str:
    """A date as a date field shows it, and as it is typed back: Solar Hijri 1405/09/02,
    Gregorian year first 2026-11-23 (or 2026/11/23 with ``separator``) or day/month/year
    23/11/2026, in the given digits."""
    if solar:
        text = solar_numeric(day)
    elif order == DMY:
        text = f"{day.day:02d}/{day.month:02d}/{day.year:04d}"
    else:
        text = day.isoformat().replace("-", separator)
    return localise_digits(text, numbering)


def _parts(cleaned: str, order: str) -> tuple[int, int, int]:
    match = _YEAR_FIRST.match(cleaned)
    if match is not None:
        year, month, dom = (int(g) for g in match.groups())
        return year, month, dom
    match = _YEAR_LAST.match(cleaned)
    if match is None:
        raise InvalidDate("not a date")
    if order != DMY:  # 03/04/2026 is 3 April or March 4 depending on who typed it
        raise InvalidDate("ambiguous order")
    dom, month, year = (int(g) for g in match.groups())
    return year, month, dom


def parse_date_input(text: str, order: str = YMD) -> date:
    """A typed date, in any digits (Latin, Arabic-Indic, Persian, Bengali): always year
    first, 2026-11-23 or 1405/09/02 (Gregorian or Solar Hijri, told apart by the year);
    day first, 23/11/2026 or 02/09/1405, only where the locale writes dates that way
    (``order`` DMY). Two-digit years and month-first dates are refused. Raises
    InvalidDate."""
    cleaned = text.translate(_MARKS).translate(_TO_ASCII).strip()
    if len(cleaned) > MAX_DATE_INPUT:
        raise InvalidDate("too long")
    year, month, dom = _parts(cleaned, order)
    if year < SOLAR_YEAR_LIMIT:
        return from_solar(year, month, dom)
    try:
        return date(year, month, dom)
    except ValueError as exc:
        raise InvalidDate(str(exc)) from exc

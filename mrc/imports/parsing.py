"""Reading import files: bytes → rows of text cells, and text cells → typed values.

Pure functions without database access. Every parser either returns a value or raises
``FieldError`` carrying a translatable message (a lazy string, so the message is rendered
in the language of whoever reads it: the manager's page or the CLI's default locale).
Messages never repeat the cell's content, which may be personal data.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeAlias

import pycountry
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from mrc.cases import awareness
from mrc.privacy.codes import NATIVE_DIGITS, InvalidCode, normalise_code

# A message to show, translated when it is turned into a string.
Message: TypeAlias = "str | LazyString"

# Invisible direction marks that RTL keyboards and spreadsheets insert around numbers.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                    "\u2066\u2067\u2068\u2069\ufeff\u200b"))
DELIMITERS = (",", ";", "\t")
TRUE_WORDS = frozenset({"yes", "true", "1"})
FALSE_WORDS = frozenset({"no", "false", "0"})
MAX_INT_DIGITS = 9
_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[T ][0-9:.+\-Z]*)?", re.ASCII)
_INT = re.compile(r"\+?([0-9]{1,9})", re.ASCII)  # at most MAX_INT_DIGITS digits
_COUNTRY = re.compile(r"[A-Z]{2}", re.ASCII)
_PROVINCE = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}", re.ASCII)
_LIST_SEPARATORS = re.compile(r"[;,\s]+")


class FieldError(ValueError):
    """A cell's text is not a valid value for its column."""

    def __init__(self, message: Message):
        super().__init__("invalid value")
        self.message = message


class FileError(ValueError):
    """The file as a whole cannot be read (encoding, CSV structure, size)."""

    def __init__(self, message: Message, row: int | None = None):
        super().__init__("unreadable file")
        self.message = message
        self.row = row


# --- cells ------------------------------------------------------------------------------

def clean(text: str) -> str:
    """The cell without surrounding white space or invisible direction marks."""
    return text.translate(_INVISIBLE).strip()


def _digits(text: str) -> str:
    return clean(text).translate(NATIVE_DIGITS)


def parse_text(text: str) -> str:
    return clean(text)


def parse_int(text: str) -> int:
    """A non-negative whole number; Persian, Arabic and Bengali digits are accepted."""
    match = _INT.fullmatch(_digits(text))
    if match is None:
        raise FieldError(_l("Enter a whole number."))
    return int(match.group(1))


def parse_date(text: str) -> date:
    """An ISO date ``YYYY-MM-DD`` (a time after it, as in ODK date-times, is ignored)."""
    match = _DATE.fullmatch(_digits(text))
    if match is None:
        raise FieldError(_l("Write dates as YYYY-MM-DD, for example 2024-03-31."))
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise FieldError(_l("This date does not exist.")) from None


def parse_bool(text: str) -> bool:
    """yes/no, true/false or 1/0, in any letter case."""
    word = _digits(text).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise FieldError(_l("Write yes or no."))


def _unknown_code(allowed: Sequence[str]) -> FieldError:
    return FieldError(_l("Unknown code. Allowed codes: %(codes)s.", codes=", ".join(allowed)))


def parse_code(text: str, allowed: Sequence[str]) -> str:
    """One code of a vocabulary, in any letter case."""
    code = clean(text).lower()
    if code not in allowed:
        raise _unknown_code(allowed)
    return code


def parse_codes(text: str, allowed: Sequence[str]) -> list[str]:
    """Codes separated by ``;`` (or by commas or spaces, as KoboToolbox writes
    select_multiple answers), without repeats, in the order written."""
    result: list[str] = []
    for part in _LIST_SEPARATORS.split(clean(text).lower()):
        if not part:
            continue
        if part not in allowed:
            raise _unknown_code(allowed)
        if part not in result:
            result.append(part)
    return result


def parse_country(text: str) -> str:
    """An ISO 3166 alpha-2 country code (``SA``), returned in capitals."""
    code = clean(text).upper()
    if _COUNTRY.fullmatch(code) is None or pycountry.countries.get(alpha_2=code) is None:
        raise FieldError(_l("Unknown country code; use ISO 3166 alpha-2 codes such as SA."))
    return code


def parse_province(text: str) -> str:
    """A first-level ISO 3166-2 subdivision code (``PK-IS``), returned in capitals: the
    provinces the registration form offers (districts would be too fine for statistics)."""
    code = clean(text).upper()
    found = pycountry.subdivisions.get(code=code) if _PROVINCE.fullmatch(code) else None
    if found is None or getattr(found, "parent_code", None) is not None:
        raise FieldError(_l("Unknown province code; use first-level ISO 3166-2 codes such "
                            "as PK-IS."))
    return code


def parse_answers(text: str) -> str:
    """Awareness answers, one symbol per question: T (true), F (false), ? (don't know)."""
    answers = re.sub(r"\s", "", clean(text)).upper()
    expected = awareness.max_score()
    if len(answers) != expected or any(a not in awareness.ANSWERS for a in answers):
        raise FieldError(_l("Write %(n)s answers, each T, F or ?, for example TF?TTFTT.",
                            n=expected))
    return answers


def parse_client_code(text: str) -> str:
    """A client code as printed on the card, in canonical form."""
    try:
        return normalise_code(clean(text))
    except InvalidCode:
        raise FieldError(_l("This is not a valid client code.")) from None


def parse_mrc_code(text: str) -> str:
    return clean(text).upper()


def parse_id(text: str) -> str:
    """A record id of the source system, kept as written (without surrounding spaces)."""
    value = clean(text)
    if any(not ch.isprintable() for ch in value):
        raise FieldError(_l("Ids may not contain control characters."))
    return value


# --- files ------------------------------------------------------------------------------

@dataclass
class Row:
    number: int  # as a spreadsheet shows it: the header is row 1
    cells: dict[str, str]
    extra_cells: bool = False  # more non-empty cells than the header has columns


@dataclass
class Table:
    header: list[tuple[int, str]]  # (position, normalised column name)
    header_row: int
    rows: list[Row] = field(default_factory=list)
    unnamed_with_data: set[int] = field(default_factory=set)  # positions of such columns


def decode(raw: bytes) -> str:
    """UTF-8 text of the file, with or without a byte-order mark; FileError otherwise."""
    save_hint = _l("Save the file as “CSV UTF-8” in your spreadsheet program and try again.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError(_l("The file is saved as UTF-16, not UTF-8. %(hint)s", hint=save_hint))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise FileError(_l("The file is not UTF-8 text (the first problem is on line "
                           "%(line)s). %(hint)s", line=line, hint=save_hint), row=line) from None


def sniff_delimiter(first_line: str) -> str:
    """The delimiter that splits the header line most often (column names never contain
    ``,``, ``;`` or tabs)."""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def normalise_header(name: str) -> str:
    return clean(name).lower()


def read_table(raw: bytes, max_rows: int) -> Table:
    """Parse CSV bytes into a header and rows numbered as a spreadsheet numbers them.

    Blank rows are skipped but counted, so row numbers match what the user sees. Raises
    FileError for undecodable or malformed files, files without rows, or more than
    ``max_rows`` rows.
    """
    text = decode(raw)
    if not text.strip():
        raise FileError(_l("The file is empty."))
    first_line = next(line for line in io.StringIO(text) if line.strip())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first_line))
    table: Table | None = None
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue
            if table is None:
                table = Table(header=[(i, normalise_header(c)) for i, c in enumerate(record)],
                              header_row=number)
                continue
            if len(table.rows) >= max_rows:
                raise FileError(_l("The file has more than %(max)s rows; split it into "
                                   "smaller files.", max=max_rows))
            width = len(table.header)
            cells = {name: record[i] if i < len(record) else ""
                     for i, name in table.header if name}
            table.unnamed_with_data.update(
                i for i, name in table.header if not name and i < len(record) and record[i].strip())
            extra = any(cell.strip() for cell in record[width:])
            table.rows.append(Row(number=number, cells=cells, extra_cells=extra))
    except csv.Error as exc:
        row = number + 1
        if "field larger than field limit" in str(exc):
            raise FileError(_l("A value in row %(row)s is far too long.", row=row),
                            row=row) from None
        raise FileError(_l("The file is not valid CSV near row %(row)s (check its quotes).",
                           row=row), row=row) from None
    if table is None or not table.rows:
        raise FileError(_l("The file has no data rows below its header."))
    return table


_LEAFLET_ITEM = re.compile(r"^(L\d{2}-[a-z0-9-]+):([A-Za-z_]{2,5}):(\d+)$")


def parse_leaflet_items(text: str) -> list[tuple[str, str, int]]:
    """Leaflets handed out, as ``CODE:language:quantity`` items separated by ``;``
    (``L01-regular-pathways:ur:40;L03-recruitment-fees:en:15``)."""
    items: list[tuple[str, str, int]] = []
    for part in clean(text).translate(NATIVE_DIGITS).split(";"):
        part = part.strip()
        if not part:
            continue
        match = _LEAFLET_ITEM.fullmatch(part)
        if match is None or int(match.group(3)) < 1:
            raise FieldError(_l("Write leaflets as CODE:language:quantity, separated by ';' "
                                "(for example L01-regular-pathways:ur:40)."))
        items.append((match.group(1), match.group(2), int(match.group(3))))
    return items

"""The one writer of the CSV and XLSX files MRC gives to people: text cells can never run
as formulas in the spreadsheet program that opens them.

A name typed into MRC (an MRC, a country, a region) ends up in dashboard tables, reports
and logs. Spreadsheet programs run a CSV cell that starts with ``=``, ``+``, ``-`` or
``@`` (and, in some, a tab or a carriage return) as a formula, ``=HYPERLINK(…)`` included.
Following OWASP's rule for CSV injection, such a **text** cell is written with a single
quote in front (``'=HYPERLINK(…)``), which spreadsheets show as text. Numbers (``int``,
``float``, ``Decimal``, NumPy's) are not text and are written as they are: ``-3`` stays ``-3``;
the text ``"-3"`` becomes ``'-3``. So a number meant as a number must be passed as one
(``Decimal`` for a number printed with fixed decimals).

In XLSX, cells hold types: text is written as a string cell (never a formula), exactly as
it is, and numbers as numbers.

Pure code: the standard ``csv`` module, and openpyxl for the worksheets its callers made.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from numbers import Number
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # the caller brings the worksheet: openpyxl is loaded only for XLSX
    from openpyxl.worksheet.worksheet import Worksheet

# A text cell starting with one of these would be run as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_number(value: object) -> bool:
    """int, float, Decimal, NumPy's numbers (and bool, an int): written as they are."""
    return isinstance(value, Number)


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def neutralise(text: str) -> str:
    """``text``, with a single quote in front if a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def text_cell(value: Any) -> Any:
    """A string neutralised; any other value (a number, a missing value) as it is. For
    data frames, whose missing values must stay missing."""
    return neutralise(value) if isinstance(value, str) else value


def csv_cell(value: object) -> object:
    """A CSV cell: numbers and ``None`` (an empty cell) as they are, anything else as its
    text, neutralised."""
    if value is None or is_number(value):
        return value
    return neutralise(str(value))


class CsvWriter:
    """``csv.writer`` (the same dialect options) whose text cells are neutralised.

    ``csv`` quotes a cell holding a line break of its own line terminator only: with
    ``"\n"``, a carriage return inside a cell is written bare, and a spreadsheet ends the
    line there and reads what follows as a new, unneutralised cell. A row with such a cell
    is written with the cells holding it quoted; every other row exactly as ``csv`` does.
    """

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._out = out
        self._options = options
        self._writer = csv.writer(out, **options)
        self._terminator = str(self._writer.dialect.lineterminator)

    def writerow(self, row: Iterable[object]) -> None:
        cells = [csv_cell(value) for value in row]
        if "\r" in self._terminator or not any(isinstance(c, str) and "\r" in c for c in cells):
            self._writer.writerow(cells)
            return
        line = io.StringIO()
        csv.writer(line, **{**self._options, "lineterminator": "\r\n"}).writerow(cells)
        self._out.write(line.getvalue().removesuffix("\r\n") + self._terminator)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_text(rows: Iterable[Iterable[object]], lineterminator: str = "\n") -> str:
    """Rows as CSV text (``csv`` module's minimal quoting), text cells neutralised."""
    out = io.StringIO()
    CsvWriter(out, lineterminator=lineterminator).writerows(rows)
    return out.getvalue()


def xlsx_append(sheet: Worksheet, values: Iterable[object]) -> None:
    """Append a row to an openpyxl worksheet: numbers as numbers, ``None`` empty, and
    every other value as a string cell holding its text (never a formula)."""
    from openpyxl.cell.cell import Cell

    cells = []
    for value in values:
        if value is None or is_number(value):
            cells.append(value)
            continue
        cell = Cell(sheet, value=str(value))
        cell.data_type = "s"  # openpyxl takes text starting with "=" for a formula
        cells.append(cell)
    sheet.append(cells)

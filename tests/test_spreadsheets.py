"""The export writer (mrc.spreadsheets): text cells a spreadsheet would run as formulas are
neutralised in CSV and written as string cells in XLSX; numbers stay numbers; safe text is
written byte for byte as the csv module writes it."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from mrc import spreadsheets
from mrc.spreadsheets import CsvWriter, csv_cell, csv_text, neutralise, xlsx_append

FORMULA = '=HYPERLINK("http://x","c")'
DANGEROUS = ["=1+2", "+1 (555)", "-3", "@SUM(A1)", "\t=1+2", "\r=1+2", FORMULA, "-", "="]
SAFE = ["", "x", "MRC Islamabad", "a=b", "3-2", " =1", "'=1", "Total", "١٢٣", "PK-ISB"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_starting_like_a_formula_gets_a_quote(text):
    assert neutralise(text) == "'" + text
    assert csv_cell(text) == "'" + text
    rows = list(csv.reader(io.StringIO(csv_text([[text, "next"]]), newline="")))
    assert rows == [["'" + text, "next"]]


@pytest.mark.parametrize("text", SAFE)
def test_safe_text_is_untouched(text):
    assert neutralise(text) == text
    assert csv_cell(text) == text


@pytest.mark.parametrize("number", [-3, -3.5, 0, 7, 1e20, Decimal("-0.5"), Decimal("12.0"),
                                    np.int64(-3), np.float64(-2.25), True])
def test_numbers_are_not_text(number):
    assert csv_cell(number) is number
    assert csv_text([[number]]) == f"{number}\n"


def test_a_negative_number_and_its_text_differ():
    assert csv_text([[-3, "-3", Decimal("-3.0"), None]]) == "-3,'-3,-3.0,\n"


def test_other_values_are_written_as_their_neutralised_text():
    class Odd:
        def __str__(self) -> str:
            return "=evil()"

    assert csv_cell(Odd()) == "'=evil()"
    assert csv_cell(None) is None


SAFE_TEXT = st.text().filter(lambda t: not t.startswith(spreadsheets.FORMULA_START)
                             and "\r" not in t)
NUMBER = st.one_of(st.integers(), st.floats(), st.decimals(allow_nan=False,
                                                           allow_infinity=False))
CELL = st.one_of(SAFE_TEXT, NUMBER, st.none())


@given(st.lists(st.lists(CELL, max_size=5), max_size=5),
       st.sampled_from(["\n", "\r\n"]))
def test_safe_rows_are_written_exactly_as_the_csv_module_writes_them(rows, terminator):
    expected = io.StringIO()
    csv.writer(expected, lineterminator=terminator).writerows(rows)
    ours = io.StringIO()
    CsvWriter(ours, lineterminator=terminator).writerows(rows)
    assert ours.getvalue() == expected.getvalue()
    assert csv_text(rows, terminator) == expected.getvalue()


@given(st.lists(st.lists(st.one_of(st.text(), NUMBER, st.none()), min_size=1, max_size=5),
                max_size=5),
       st.sampled_from(["\n", "\r\n"]))
def test_any_cell_reads_back_as_one_cell_neutralised(rows, terminator):
    read = list(csv.reader(io.StringIO(csv_text(rows, terminator), newline="")))
    assert read == [["" if v is None else str(csv_cell(v)) for v in row] for row in rows]


def test_a_carriage_return_inside_a_cell_cannot_start_a_new_row():
    # csv writes a bare CR with a "\n" line end; a spreadsheet would start a row there,
    # its first cell the unneutralised "=1+2".
    assert csv_text([["Total", "a\r=1+2", 3]]) == 'Total,"a\r=1+2",3\n'
    assert csv_text([["a\r=1+2"]], "\r\n") == '"a\r=1+2"\r\n'


def xlsx_round_trip(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        xlsx_append(sheet, row)
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    return load_workbook(io.BytesIO(data)).active, xml


def test_xlsx_text_is_a_string_cell_never_a_formula():
    sheet, xml = xlsx_round_trip([DANGEROUS, SAFE[1:]])
    for cell, text in zip(sheet[1], DANGEROUS, strict=True):
        assert cell.data_type == "s", text
        # The text itself, without a quote: a string cell is never run. (An XML reader
        # reads a carriage return as a line feed.)
        assert cell.value == text.replace("\r", "\n")
    assert [c.value for c in sheet[2]] == SAFE[1:]
    assert b"<f>" not in xml and b"<f " not in xml


def test_xlsx_numbers_stay_numbers():
    sheet, _xml = xlsx_round_trip([[-3, -3.5, Decimal("-0.5"), np.int64(-7), None, "-3"]])
    cells = sheet[1]
    assert [c.value for c in cells[:4]] == [-3, -3.5, -0.5, -7]
    assert all(c.data_type == "n" for c in cells[:4])
    assert cells[4].value is None
    assert (cells[5].value, cells[5].data_type) == ("-3", "s")

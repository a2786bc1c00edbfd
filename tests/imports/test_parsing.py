"""Field parsers and file reading: valid inputs round-trip, anything else is a FieldError
(or FileError for whole files) and never another exception."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mrc.cases import awareness, vocab
from mrc.imports import parsing
from mrc.imports.parsing import FieldError, FileError

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
BENGALI = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
SCRIPTS = st.sampled_from([str.maketrans("", ""), PERSIAN, ARABIC, BENGALI])
PADDING = st.sampled_from(["", " ", "\t", "\u200f", "\u00a0 "])
TOPIC_CODES = vocab.codes(vocab.TOPICS)


def only_field_errors(parse: Callable[[str], object], text: str) -> None:
    with contextlib.suppress(FieldError):
        parse(text)


@given(st.dates(), SCRIPTS, PADDING)
def test_dates_round_trip(day: date, script: dict[int, str], pad: str) -> None:
    assert parsing.parse_date(pad + day.isoformat().translate(script) + pad) == day


@given(st.dates())
def test_date_times_keep_their_date(day: date) -> None:
    assert parsing.parse_date(day.isoformat() + "T10:22:05.000+05:00") == day


@given(st.text())
@example("2024-02-30")
@example("2024-13-01")
@example("0000-01-01")
@example("31/12/2024")
def test_dates_reject_anything_else_with_field_error(text: str) -> None:
    only_field_errors(parsing.parse_date, text)


@pytest.mark.parametrize("text", ["2024-02-30", "2024-13-01", "31/12/2024", "yesterday", ""])
def test_bad_dates(text: str) -> None:
    with pytest.raises(FieldError):
        parsing.parse_date(text)


@given(st.integers(min_value=0, max_value=999_999_999), SCRIPTS, PADDING)
def test_integers_round_trip(number: int, script: dict[int, str], pad: str) -> None:
    assert parsing.parse_int(pad + str(number).translate(script) + pad) == number


@given(st.text())
@example("1" * 400)
@example("-5")
@example("1.5")
@example("١٢٣٤٥٦٧٨٩٠١٢")
def test_integers_reject_anything_else_with_field_error(text: str) -> None:
    only_field_errors(parsing.parse_int, text)


@pytest.mark.parametrize("text", ["-5", "1.5", "12a", "", "1" * 10, "٣ ٤"])
def test_bad_integers(text: str) -> None:
    with pytest.raises(FieldError):
        parsing.parse_int(text)


@given(st.sampled_from(["yes", "true", "1", "no", "false", "0"]),
       st.sampled_from([str.lower, str.upper, str.title]), PADDING)
def test_booleans_round_trip(word: str, case: Callable[[str], str], pad: str) -> None:
    assert parsing.parse_bool(pad + case(word) + pad) is (word in ("yes", "true", "1"))


def test_native_digit_booleans() -> None:
    assert parsing.parse_bool("۱") is True
    assert parsing.parse_bool("০") is False


@given(st.text())
@example("maybe")
@example("2")
def test_booleans_reject_anything_else_with_field_error(text: str) -> None:
    only_field_errors(parsing.parse_bool, text)


@given(st.lists(st.sampled_from(TOPIC_CODES), unique=True), st.sampled_from([";", "; ", " ", ","]))
def test_code_lists_round_trip(codes: list[str], separator: str) -> None:
    assert parsing.parse_codes(separator.join(codes), TOPIC_CODES) == codes


def test_code_lists_drop_repeats_and_ignore_case() -> None:
    assert parsing.parse_codes(" Documents;documents; REMITTANCES ;", TOPIC_CODES) == [
        "documents", "remittances"]


@given(st.text())
@example("documents;nonsense")
def test_code_lists_reject_anything_else_with_field_error(text: str) -> None:
    only_field_errors(lambda t: parsing.parse_codes(t, TOPIC_CODES), text)


@given(st.sampled_from(vocab.codes(vocab.CHANNEL)), PADDING)
def test_codes_round_trip(code: str, pad: str) -> None:
    assert parsing.parse_code(pad + code.upper() + pad, vocab.codes(vocab.CHANNEL)) == code


@given(st.text())
def test_single_codes_reject_anything_else_with_field_error(text: str) -> None:
    only_field_errors(lambda t: parsing.parse_code(t, vocab.codes(vocab.CHANNEL)), text)


@given(st.lists(st.sampled_from(awareness.ANSWERS), min_size=awareness.max_score(),
                max_size=awareness.max_score()))
def test_awareness_answers_round_trip(answers: list[str]) -> None:
    text = "".join(answers)
    assert parsing.parse_answers(text.lower()) == text


@given(st.text())
@example("TF?TTFT")
@example("TF?TTFTTT")
@example("TFXTTFTT")
def test_other_parsers_raise_only_field_errors(text: str) -> None:
    for parse in (parsing.parse_answers, parsing.parse_country, parsing.parse_province,
                  parsing.parse_client_code, parsing.parse_id):
        only_field_errors(parse, text)


def test_countries_and_provinces() -> None:
    assert parsing.parse_country(" sa ") == "SA"
    assert parsing.parse_province("pk-is") == "PK-IS"
    for parse, text in ((parsing.parse_country, "XX"), (parsing.parse_country, "SAU"),
                        (parsing.parse_province, "PK-XX"), (parsing.parse_province, "PK")):
        with pytest.raises(FieldError):
            parse(text)


# --- files ------------------------------------------------------------------------------

def test_bom_and_semicolons() -> None:
    table = parsing.read_table("\ufeffa;b\n1;\"x;y\"\n".encode(), max_rows=10)
    assert [name for _, name in table.header] == ["a", "b"]
    assert table.rows[0].cells == {"a": "1", "b": "x;y"}


def test_rows_are_numbered_as_in_a_spreadsheet() -> None:
    raw = b"a,b\r\n1,2\r\n\r\n,\r\n3,\"multi\nline\"\r\n4,5\r\n"
    table = parsing.read_table(raw, max_rows=10)
    assert table.header_row == 1
    assert [row.number for row in table.rows] == [2, 5, 6]


def test_extra_cells_are_flagged() -> None:
    table = parsing.read_table(b"a,b\n1,2,3\n1,2,,\n1\n", max_rows=10)
    assert [row.extra_cells for row in table.rows] == [True, False, False]
    assert table.rows[2].cells == {"a": "1", "b": ""}


@pytest.mark.parametrize("raw", [b"", b"   \n\n", b"a,b\n", b"a,b\n,\n\n"])
def test_files_without_rows(raw: bytes) -> None:
    with pytest.raises(FileError):
        parsing.read_table(raw, max_rows=10)


def test_non_utf8_reports_the_line() -> None:
    raw = "a,b\n1,2\n3,é\n".encode("latin-1")
    with pytest.raises(FileError) as info:
        parsing.read_table(raw, max_rows=10)
    assert info.value.row == 3


def test_utf16_is_refused() -> None:
    with pytest.raises(FileError):
        parsing.read_table("a,b\n1,2\n".encode("utf-16"), max_rows=10)


def test_field_beyond_the_csv_limit() -> None:
    raw = b"a,b\n1,2\n3,\"" + b"x" * 200_000 + b"\"\n"
    with pytest.raises(FileError) as info:
        parsing.read_table(raw, max_rows=10)
    assert info.value.row == 3


def test_row_cap() -> None:
    raw = b"a\n" + b"1\n" * 11
    assert len(parsing.read_table(raw, max_rows=11).rows) == 11
    with pytest.raises(FileError):
        parsing.read_table(raw, max_rows=10)


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_anything_but_file_error(raw: bytes) -> None:
    with contextlib.suppress(FileError):
        parsing.read_table(raw, max_rows=5)


def test_districts_are_too_fine() -> None:
    assert parsing.parse_province("BD-C") == "BD-C"
    with pytest.raises(FieldError):
        parsing.parse_province("BD-13")

"""Solar Hijri conversions against known dates, digits, and date entry in either calendar."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mrc.calendars import (
    DMY,
    YMD,
    InvalidDate,
    date_separator,
    format_date_input,
    format_solar,
    from_solar,
    localise_digits,
    parse_date_input,
    solar_numeric,
    to_solar,
)

KNOWN = [
    (date(2021, 3, 21), (1400, 1, 1)),  # Nowruz 1400: 1 Hamal
    (date(2020, 3, 20), (1399, 1, 1)),  # Nowruz 1399
    (date(2021, 8, 15), (1400, 5, 24)),  # 24 Asad 1400
    (date(2023, 12, 22), (1402, 10, 1)),  # 1 Jadi 1402 (winter solstice)
    (date(2026, 11, 23), (1405, 9, 2)),  # 2 Qaws 1405
    (date(2025, 3, 20), (1403, 12, 30)),  # last day of the leap year 1403
]


@pytest.mark.parametrize(("gregorian", "solar"), KNOWN)
def test_known_conversions(gregorian, solar):
    assert to_solar(gregorian) == solar
    assert from_solar(*solar) == gregorian


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)))
def test_round_trip_and_entry_of_what_is_displayed(day):
    assert from_solar(*to_solar(day)) == day
    assert parse_date_input(solar_numeric(day)) == day
    assert parse_date_input(day.isoformat()) == day
    assert parse_date_input(localise_digits(solar_numeric(day), "arabext")) == day


def test_month_names_per_language():
    assert format_solar(date(2026, 11, 23), "fa_AF") == "2 قوس 1405"
    assert format_solar(date(2026, 11, 23), "ps") == "2 لیندۍ 1405"
    assert format_solar(date(2021, 3, 21), "en") == "1 Hamal 1400"


@pytest.mark.parametrize("text", ["", "yesterday", "1405/13/01", "1405/12/31", "2026-02-30",
                                  "99/1/1", "1405/09"])
def test_bad_dates_are_refused(text):
    with pytest.raises(InvalidDate):
        parse_date_input(text)


def test_digits():
    assert localise_digits("1405/09/02", "arabext") == "۱۴۰۵/۰۹/۰۲"
    assert localise_digits("23", "beng") == "২৩"
    assert localise_digits("23", "arab") == "٢٣"
    assert localise_digits("23", "latn") == "23"


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)),
       st.sampled_from(["latn", "arab", "arabext", "beng"]), st.booleans(),
       st.sampled_from([YMD, DMY]), st.sampled_from(["-", "/"]))
def test_every_displayed_form_is_read_back(day, numbering, solar, order, separator):
    shown = format_date_input(day, solar=solar, order=order, numbering=numbering,
                              separator=separator)
    assert parse_date_input(shown, order) == day
    assert parse_date_input(day.isoformat(), order) == day


def test_display_forms():
    day = date(2026, 11, 23)
    assert format_date_input(day, solar=False, order=YMD, numbering="latn") == "2026-11-23"
    assert format_date_input(day, solar=False, order=DMY, numbering="arab") == "٢٣/١١/٢٠٢٦"
    assert format_date_input(day, solar=True, order=DMY, numbering="arabext") == "۱۴۰۵/۰۹/۰۲"
    assert format_date_input(day, solar=False, order=YMD, numbering="latn",
                             separator="/") == "2026/11/23"
    assert [date_separator(lang) for lang in ("en", "fa_AF", "ps", "ckb", "ar")] == [
        "-", "/", "/", "-", "/"]


@pytest.mark.parametrize("text", ["11/23/2026", "23/11/26", "2026/11", "23//11/2026"])
def test_day_first_needs_a_four_digit_year_and_a_day_first_locale(text):
    with pytest.raises(InvalidDate):
        parse_date_input(text, DMY)
    with pytest.raises(InvalidDate):
        parse_date_input("23/11/2026", YMD)

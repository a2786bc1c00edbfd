"""Date fields show and read dates in the user's locale order, calendar and digits.

No month-first (US) dates anywhere; ISO year-month-day always works; a day-first date
only where the locale writes dates day first; wrong input gets a message naming the
accepted forms, and the hint under each field names them with today as the example.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date

import pytest
from flask import session
from flask_babel import gettext, refresh
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional

import mrc
from mrc.calendars import DMY, YMD, InvalidDate, date_order, parse_date_input
from mrc.forms import LocalDateField, date_hint

DAY = date(2026, 11, 23)  # 2 Qaws 1405


class _Form(FlaskForm):
    class Meta:
        csrf = False

    day = LocalDateField("Day", validators=[Optional()])


def _shown(app, lang: str, calendar: str = "gregorian") -> str:
    with app.test_request_context(f"/?lang={lang}"):
        refresh()
        session["calendar"] = calendar
        return str(_Form(formdata=None, day=DAY).day._value())


def _typed(app, lang: str, text: str, calendar: str = "gregorian") -> tuple[date | None, list]:
    with app.test_request_context(f"/?lang={lang}", method="POST", data={"day": text}):
        refresh()
        session["calendar"] = calendar
        form = _Form()
        form.validate()
        return form.day.data, list(form.day.errors)


@pytest.mark.parametrize(("locale", "order"), [
    ("en", YMD), ("fa_AF", YMD), ("ps", YMD), ("ckb", YMD),
    ("ur", DMY), ("bn", DMY), ("ar", DMY),
])
def test_locale_order_comes_from_cldr_and_is_never_month_first(locale, order):
    assert date_order(locale) == order


@pytest.mark.parametrize(("lang", "calendar", "expected"), [
    ("en", "gregorian", "2026-11-23"),
    ("ur", "gregorian", "23/11/2026"),
    ("ar", "gregorian", "23/11/2026"),
    ("bn", "gregorian", "২৩/১১/২০২৬"),
    ("fa_AF", "gregorian", "۲۰۲۶/۱۱/۲۳"),  # CLDR y/M/d
    ("ps", "gregorian", "۲۰۲۶/۱۱/۲۳"),
    ("ckb", "gregorian", "٢٠٢٦-١١-٢٣"),
    ("fa_AF", "solar_hijri", "۱۴۰۵/۰۹/۰۲"),
    ("ps", "both", "۱۴۰۵/۰۹/۰۲"),
])
def test_value_is_shown_in_locale_order_calendar_and_digits(app, lang, calendar, expected):
    assert _shown(app, lang, calendar) == expected


@pytest.mark.parametrize(("lang", "text", "calendar"), [
    ("ar", "23/11/2026", "gregorian"),
    ("ar", "٢٣/١١/٢٠٢٦", "gregorian"),
    ("ar", "٢٣\u200f/١١\u200f/٢٠٢٦", "gregorian"),  # as CLDR writes it, with RLMs
    ("ur", "23-11-2026", "gregorian"),
    ("bn", "২৩/১১/২০২৬", "gregorian"),
    ("bn", "23.11.2026", "gregorian"),
    ("en", "2026-11-23", "gregorian"),
    ("ar", "2026-11-23", "gregorian"),  # ISO is accepted everywhere
    ("fa_AF", "۲۰۲۶/۱۱/۲۳", "gregorian"),
    ("fa_AF", "۱۴۰۵/۰۹/۰۲", "solar_hijri"),
    ("fa_AF", "1405-9-2", "gregorian"),  # the year tells the calendar
])
def test_accepted_forms(app, lang, text, calendar):
    assert _typed(app, lang, text, calendar) == (DAY, [])


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "23/11/2026"),  # English is ISO only: 03/04 would be read two ways
    ("en", "11/23/2026"),  # never US month/day
    ("fa_AF", "23/11/2026"),
    ("ar", "11/23/2026"),  # month 23
    ("ar", "23/11/26"),  # two-digit year
    ("ar", "31/02/2026"),
    ("ur", "tomorrow"),
])
def test_refused_with_a_message_naming_the_accepted_forms(app, lang, text):
    day, errors = _typed(app, lang, text)
    assert day is None
    with app.test_request_context(f"/?lang={lang}"):
        refresh()
        hint = date_hint()
        expected = gettext("This is not a date in an accepted form. %(forms)s", forms=hint)
    # In the user's language, and naming the accepted forms with today as the example.
    assert errors == [expected] and hint in errors[0]


def test_parse_refuses_day_first_unless_the_locale_writes_it():
    assert parse_date_input("03/04/2026", DMY) == date(2026, 4, 3)
    with pytest.raises(InvalidDate):
        parse_date_input("03/04/2026")
    with pytest.raises(InvalidDate):
        parse_date_input("2026-11-" + " " * 100 + "23")


def _hint(app, lang: str, calendar: str = "gregorian", day: date | None = DAY) -> str:
    with app.test_request_context(f"/?lang={lang}"):
        refresh()  # the app context (and Flask-Babel's cached locale) outlives the request
        session["calendar"] = calendar
        return date_hint(day).replace("\u2066", "").replace("\u2069", "")


def test_hint_lists_the_forms_with_today(app):
    assert _hint(app, "en") == "Year-month-day, for example 2026-11-23."
    assert _hint(app, "en", "solar_hijri") == (
        "Solar Hijri year/month/day, for example 1405/09/02, or "
        "Gregorian year-month-day, for example 2026-11-23.")
    hint = _hint(app, "bn")
    assert "২৩/১১/২০২৬" in hint and "2026-11-23" in hint
    assert date.today().isoformat() in _hint(app, "en", day=None)


def test_hint_examples_keep_their_order_in_right_to_left_text(app):
    with app.test_request_context("/?lang=fa_AF"):
        refresh()
        # Isolated left to right: in Dari text the parts of ۲۰۲۶/۱۱/۲۳ would be reversed.
        assert "\u2066۲۰۲۶/۱۱/۲۳\u2069" in date_hint(DAY)
        assert parse_date_input("\u2066۲۰۲۶/۱۱/۲۳\u2069") == DAY


def test_widget_is_a_text_box_with_the_hint_under_it(app):
    with app.test_request_context("/?lang=ar"):
        refresh()
        html = str(_Form(formdata=None, day=DAY).day())
        assert 'type="text"' in html and 'type="date"' not in html
        assert 'dir="ltr"' in html and 'value="23/11/2026"' in html
        rendered = app.jinja_env.from_string(
            '{% from "macros.html" import field %}{{ field(form.day) }}').render(
            form=_Form(formdata=None, day=DAY))
        assert 'aria-describedby="day-hint"' in rendered
        assert f'id="day-hint">{date_hint()}' in rendered


def _form_classes():
    for info in pkgutil.walk_packages(mrc.__path__, "mrc."):
        if info.name.endswith(("forms", "correction_forms")):
            module = importlib.import_module(info.name)
            for _name, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, FlaskForm) and value.__module__ == module.__name__:
                    yield value


def test_every_date_field_of_every_form_is_a_local_date_field():
    date_fields = []
    for form_class in _form_classes():
        for name, unbound in inspect.getmembers(form_class):
            field_class = getattr(unbound, "field_class", None)
            if isinstance(field_class, type) and issubclass(field_class, DateField):
                date_fields.append((form_class.__name__, name, field_class))
    assert len(date_fields) >= 8
    assert [f for f in date_fields if not issubclass(f[2], LocalDateField)] == []

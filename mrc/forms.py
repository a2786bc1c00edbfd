"""Form pieces every feature uses: multi-checkbox lists, dates in the user's calendar,
and attaching service errors to fields.

Date fields are text boxes, not ``<input type="date">``: a native date picker shows and
reads dates in the *browser's* language and region (a Dari interface on an English
browser shows 11/23/2026, month first), knows neither the Solar Hijri calendar nor the
user's digit setting, and differs between browsers. A text box shows the date in the
user's calendar, in the order of their locale (CLDR short date: day/month/year in Urdu,
Bengali and Arabic, year/month/day in Dari, Pashto, Kurdish; ISO in English, whose CLDR
order is month first and ambiguous) and in their digits. It accepts that form, ISO
year-month-day always, and any digits; a day-first date is refused where the locale does
not write dates that way (03/04/2026 would be ambiguous). The hint under the field lists
the accepted forms with today as the example. No ``inputmode="numeric"``: phone keypads
for it have no "/" or "-"."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from wtforms import DateField, Field, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from mrc.calendars import (
    DMY,
    GREGORIAN,
    InvalidDate,
    date_order,
    date_separator,
    format_date_input,
    parse_date_input,
)
from mrc.i18n import calendar_preference, numbering_system
from mrc.validation import MAX_ID


class _ListCheckbox(CheckboxInput):
    """One checkbox of a list. Never ``required`` in HTML, even when the field is
    (``InputRequired``/``DataRequired``): on a checkbox that means *this* box must be
    ticked, so the browser would refuse any choice but all of them. "At least one" is
    checked by the field's validator on the server."""

    validation_attrs = ["disabled"]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (multi-valued vocabularies such as topics)."""

    widget = ListWidget(prefix_label=False)
    option_widget = _ListCheckbox()


class _DateTextInput(TextInput):
    """A text box, never ``<input type="date">``: see the module docstring."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("dir", "ltr")  # digits and separators in typing order
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("spellcheck", "false")
        box: Markup = super().__call__(field, **kwargs)
        return box


def _date_style() -> tuple[bool, str, str, str]:
    """(Solar Hijri?, YMD or DMY, digits, year-first separator) of the user's date fields."""
    locale = str(get_locale() or "en")
    return (calendar_preference() != GREGORIAN, date_order(locale), numbering_system(),
            date_separator(locale))


def shown_date(day: date) -> str:
    """A date as the user's date fields show it (calendar, locale order, digits)."""
    solar, order, numbering, separator = _date_style()
    return format_date_input(day, solar=solar, order=order, numbering=numbering,
                             separator=separator)


def _isolated(text: str) -> str:
    """Left-to-right isolate (LRI … PDI): in a right-to-left sentence, "۲۰۲۶-۱۲-۰۳" would
    otherwise be shown with its parts reversed. Date entry ignores these marks."""
    return f"\u2066{text}\u2069"


def date_hint(today: date | None = None) -> str:
    """The accepted forms of a date, each with today as the example (field hints and
    error messages)."""
    day = today or date.today()
    solar, order, numbering, _separator = _date_style()
    example, iso = _isolated(shown_date(day)), _isolated(day.isoformat())
    if solar:
        text = _("Solar Hijri year/month/day, for example %(example)s, or Gregorian "
                 "year-month-day, for example %(iso)s.", example=example, iso=iso)
    elif order == DMY:
        text = _("Day/month/year, for example %(example)s, or year-month-day, for "
                 "example %(iso)s.", example=example, iso=iso)
    else:
        text = _("Year-month-day, for example %(example)s.", example=example)
    if numbering != "latn":
        latin = _("Latin digits (0-9) work too.")  # not inside the f-string: pybabel skips those
        text = f"{text} {latin}"
    return str(text)


class LocalDateField(DateField):
    """A date shown and typed in the user's calendar, locale order and digits (see the
    module docstring). Stored as a Gregorian ``date``."""

    widget = _DateTextInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(*args, **kwargs)

    def hint(self) -> str:
        return date_hint()

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, date):
            return shown_date(self.data)
        return ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_date_input(str(valuelist[0]), _date_style()[1])
        except InvalidDate as exc:
            self.data = None
            raise ValueError(_("This is not a date in an accepted form. %(forms)s",
                               forms=date_hint())) from exc


def attach_errors(form: FlaskForm, errors: dict[str, str]) -> dict[str, str]:
    """Show service errors next to their fields; returns the errors that match no field."""
    rest: dict[str, str] = {}
    for name, message in errors.items():
        field: Field | None = form._fields.get(name)
        if field is None:
            rest[name] = message
        else:
            field.errors = [*field.errors, message]
    return rest


def int_or_none(value: str | None) -> int | None:
    """A select's value as an id; None for the empty choice, anything not a number, or a
    number no id can have."""
    if not value or not value.isdigit() or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def mrc_choices() -> list[tuple[str, str]]:
    """Every MRC as a select choice (admin and audit filters)."""
    from mrc.extensions import db
    from mrc.org.models import MRC

    mrcs = db.session.scalars(select(MRC).order_by(MRC.code)).all()
    return [(str(m.id), f"{m.code} · {m.name}") for m in mrcs]

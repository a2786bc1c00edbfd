"""Form pieces every feature uses: multi-checkbox lists, dates in the user's calendar,
and attaching service errors to fields."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from wtforms import DateField, Field, SelectMultipleField
from wtforms.widgets import CheckboxInput, DateInput, ListWidget, TextInput

from mrc.calendars import GREGORIAN, InvalidDate, parse_date_input, solar_numeric
from mrc.i18n import calendar_preference
from mrc.validation import MAX_ID


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (multi-valued vocabularies such as topics)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _CalendarDateInput:
    """A native date picker for the Gregorian calendar; a text box with the Solar Hijri
    form (1405/09/02) for users who see dates in that calendar."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        if calendar_preference() == GREGORIAN:
            picker: Markup = DateInput()(field, **kwargs)
            return picker
        kwargs.setdefault("placeholder", "1405/09/02")
        kwargs.setdefault("dir", "ltr")
        kwargs.setdefault("inputmode", "numeric")
        box: Markup = TextInput()(field, **kwargs)
        return box


class LocalDateField(DateField):
    """A date typed as ISO (2026-11-23) or Solar Hijri (1405/09/02), in any digits.
    Stored as a Gregorian ``date``; shown in the user's calendar."""

    widget = _CalendarDateInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(*args, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, date):
            if calendar_preference() == GREGORIAN:
                return self.data.isoformat()
            return solar_numeric(self.data)
        return ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = parse_date_input(str(valuelist[0]))
        except InvalidDate as exc:
            self.data = None
            raise ValueError(str(_l("Enter a date such as 2026-11-23 or 1405/09/02."))) from exc


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

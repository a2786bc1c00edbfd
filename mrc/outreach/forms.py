"""Outreach event form: the attendance grid, media reach, topics and leaflets handed out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, Form, FormField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from mrc.cases import vocab as case_vocab
from mrc.forms import LocalDateField, MultiCheckboxField
from mrc.i18n import LanguageChoice
from mrc.leaflets.services import HandOut
from mrc.outreach import vocab

LEAFLET_ROWS = 3
NUMBER = {"inputmode": "numeric", "dir": "ltr"}


class LeafletRow(Form):
    """One line of 'leaflets distributed': leaflet, language, quantity (all or nothing)."""

    leaflet = SelectField(_l("Leaflet"), choices=[], validators=[Optional()])
    language = SelectField(_l("Language"), choices=[], validators=[Optional()])
    quantity = IntegerField(_l("Quantity"), validators=[Optional(), NumberRange(min=1, max=100_000)],
                            render_kw=NUMBER)


class EventForm(FlaskForm):
    class Meta:
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """The submitted data without nameless parts: a multipart part whose name
            parses to nothing arrives with the key None, which the leaflet rows' FieldList
            cannot read (found by the fuzz test)."""
            data = FlaskForm.Meta.wrap_formdata(self, form, formdata)
            if data is None:
                return None
            return MultiDict([(k, v) for k, v in data.items(multi=True) if k is not None])

    date = LocalDateField(_l("Date"), default=dt.date.today, validators=[InputRequired()])
    type = SelectField(_l("Type of event"), choices=[("", _l("Choose…")),
                                                      *case_vocab.choices(vocab.EVENT_TYPE)],
                       validators=[InputRequired(_l("Choose one of the listed values."))])
    province = SelectField(_l("Province"), choices=[], validators=[Optional()])
    attendance_total = IntegerField(_l("Total attendance (optional check)"),
                                    validators=[Optional()], render_kw=NUMBER)
    estimated_reach = IntegerField(_l("Estimated reach (radio, TV, social media)"),
                                   validators=[Optional(), NumberRange(min=0)], render_kw=NUMBER)
    topics = MultiCheckboxField(_l("Topics"), choices=case_vocab.choices(case_vocab.TOPICS))
    partners = StringField(_l("Partners"), validators=[Optional(), Length(max=300)])
    leaflets = FieldList(FormField(LeafletRow), min_entries=LEAFLET_ROWS, max_entries=20)

    def __init__(self, *args: Any, provinces: list[tuple[str, str]],
                 leaflets: list[tuple[str, str]], languages: list[LanguageChoice],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.province.choices = [("", _l("Not stated")), *provinces]
        for row in self.leaflets:
            row.leaflet.choices = [("", "—"), *leaflets]
            row.language.choices = [("", "—"), *languages]

    def attendance_fields(self) -> list[tuple[str, str, Any]]:
        return [(sex, band, self[f"att_{sex}_{band}"])
                for sex in vocab.ATTENDANCE_SEX for band in vocab.AGE_BANDS]

    def event_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "date": self.date.data, "type": self.type.data, "province": self.province.data or None,
            "attendance_total": self.attendance_total.data,
            "estimated_reach": self.estimated_reach.data, "topics": self.topics.data or [],
            "partners": self.partners.data or "",
        }
        for column in vocab.ATTENDANCE_COLUMNS:
            data[column] = self[column].data or 0
        return data

    def hand_outs(self) -> tuple[list[HandOut], str | None]:
        """Complete leaflet rows, and an error message if a row is half filled."""
        items: list[HandOut] = []
        for row in self.leaflets:
            values = (row.leaflet.data, row.language.data, row.quantity.data)
            if not any(values):
                continue
            if not all(values):
                return items, str(_l("Fill in leaflet, language and quantity on each line."))
            items.append(HandOut(str(values[0]), str(values[1]), int(values[2] or 0)))
        return items, None


for _column in vocab.ATTENDANCE_COLUMNS:
    _, _sex, _band = _column.split("_", 2)
    setattr(EventForm, _column, IntegerField(
        _l("%(sex)s, %(age)s", sex=vocab.ATTENDANCE_SEX[_sex], age=vocab.AGE_BANDS[_band]),
        default=0, validators=[Optional(), NumberRange(min=0, max=100_000)], render_kw=NUMBER))


class EventFilter(FlaskForm):
    class Meta:
        csrf = False

    type = SelectField(_l("Type of event"), choices=[("", _l("All")),
                                                      *case_vocab.choices(vocab.EVENT_TYPE)],
                       validators=[Optional()])
    date_from = LocalDateField(_l("From"), validators=[Optional()])
    date_to = LocalDateField(_l("To"), validators=[Optional()])

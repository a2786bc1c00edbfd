"""The signals page's filter (GET): an area inside the scope and the week to look at."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from mrc.forms import LocalDateField


class SignalsFilter(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    area = SelectField(_l("Area"), choices=[], validators=[Optional()])
    week = LocalDateField(_l("A day of the week to look at"), validators=[Optional()])


class SubscribeForm(FlaskForm):
    area = SelectField(_l("Area"), choices=[], validators=[Optional()])
    email = StringField(_l("Also e-mail the alert to (optional)"),
                        validators=[Optional(), Length(max=254)],
                        render_kw={"type": "email", "dir": "ltr", "autocomplete": "email"})


class CancelForm(FlaskForm):
    pass

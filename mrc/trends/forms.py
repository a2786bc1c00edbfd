"""The signals page's filter (GET): an area inside the scope and the week to look at."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from mrc.forms import LocalDateField


class SignalsFilter(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    area = SelectField(_l("Area"), choices=[], validators=[Optional()])
    week = LocalDateField(_l("A day of the week to look at"), validators=[Optional()])

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField

from mrc.calendars import BOTH, GREGORIAN, SOLAR_HIJRI


class PreferencesForm(FlaskForm):
    calendar = RadioField(_l("Show dates in"), choices=[
        (GREGORIAN, _l("Gregorian calendar")),
        (SOLAR_HIJRI, _l("Solar Hijri calendar")),
        (BOTH, _l("Both calendars")),
    ], default=GREGORIAN)
    latin_digits = BooleanField(_l("Always write numbers with Latin digits (0-9)"))

"""The filter of the impact page: the cohorts' baseline period and an area of the scope."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from mrc.scope import AreaChoice


class ImpactFilter(FlaskForm):
    class Meta:
        csrf = False

    period = StringField(_l("Baseline period"), validators=[Optional(), Length(max=40)],
                         render_kw={"dir": "ltr", "placeholder": "2026, 2026-Q3, 2026-07"})
    area = SelectField(_l("Area"), validators=[Optional()])

    def __init__(self, *args: Any, areas: list[AreaChoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area.choices = [("", _l("Everything in your scope"), {}), *areas]

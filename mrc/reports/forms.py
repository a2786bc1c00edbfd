"""The quarterly report request form."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from mrc.forms import MultiCheckboxField
from mrc.i18n import language_choices
from mrc.reports.services import FIRST_YEAR, FORMATS, default_quarter
from mrc.scope import AreaChoice

QUARTERS = [(1, _l("Q1 (January to March)")), (2, _l("Q2 (April to June)")),
            (3, _l("Q3 (July to September)")), (4, _l("Q4 (October to December)"))]


class ReportForm(FlaskForm):
    area = SelectField(_l("Area"), choices=[], validators=[Optional()])
    year = IntegerField(_l("Year"), render_kw={"inputmode": "numeric", "dir": "ltr"},
                        validators=[InputRequired(), NumberRange(min=FIRST_YEAR, max=2100)])
    quarter = SelectField(_l("Quarter"), choices=QUARTERS, coerce=int,
                          validators=[InputRequired()])
    lang = SelectField(_l("Language of the report"), choices=language_choices(),
                       validators=[InputRequired()])
    formats = MultiCheckboxField(_l("Files"), choices=list(FORMATS.items()),
                                 default=["pdf", "xlsx"],
                                 validators=[InputRequired(_l("Choose at least one format."))])

    def __init__(self, *args: Any, areas: list[AreaChoice], lang: str,
                 today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area.choices = areas
        if not self.is_submitted():
            self.year.data, self.quarter.data = default_quarter(today)
            self.lang.data = lang

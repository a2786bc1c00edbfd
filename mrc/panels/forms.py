"""The study definition form."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from mrc.forms import LocalDateField, MultiCheckboxField
from mrc.panels import variables as V
from mrc.privacy.kanonymity import DEFAULT_K, MIN_K

NUMBER = {"inputmode": "numeric", "dir": "ltr"}


def _choices(catalogue: dict[str, V.Variable]) -> list[tuple[str, Any]]:
    return [(name, var.label) for name, var in catalogue.items()]


class StudyForm(FlaskForm):
    name = StringField(_l("Name of the study"), validators=[InputRequired(), Length(max=120)])
    mrc_ids = MultiCheckboxField(_l("MRCs"), choices=[], coerce=int,
                                 validators=[InputRequired(_l("Choose at least one MRC."))])
    period_start = LocalDateField(_l("Baselines from"), validators=[InputRequired()])
    period_end = LocalDateField(_l("Baselines until"), default=date.today,
                                validators=[InputRequired()])
    waves = MultiCheckboxField(_l("Follow-up waves"), choices=[], coerce=int)
    covariates = MultiCheckboxField(_l("Baseline covariates (quasi-identifiers)"),
                                    choices=_choices(V.COVARIATES), default=list(V.COVARIATES))
    outcomes = MultiCheckboxField(_l("Outcomes"), choices=_choices(V.OUTCOMES),
                                  default=list(V.OUTCOMES))
    shape = RadioField(_l("Shape"), choices=list(V.SHAPES.items()), default="long")
    formats = MultiCheckboxField(_l("File formats"), choices=list(V.FORMATS.items()),
                                 default=list(V.FORMATS),
                                 validators=[InputRequired(_l("Choose at least one format."))])
    date_mode = RadioField(_l("Dates"), choices=list(V.DATE_MODES.items()), default="days")
    k = IntegerField(_l("k (smallest group of persons sharing their quasi-identifiers)"),
                     default=DEFAULT_K, render_kw=NUMBER,
                     validators=[InputRequired(), NumberRange(min=MIN_K, max=100)])
    l_variable = SelectField(_l("l-diversity of (optional)"), validators=[Optional()],
                             choices=[("", _l("No l-diversity")),
                                      *[(n, V.OUTCOMES[n].label) for n in V.SENSITIVE]])
    l_value = IntegerField(_l("l (distinct values per group and wave)"), render_kw=NUMBER,
                           validators=[Optional(), NumberRange(min=2, max=100)])
    include_comparison = BooleanField(_l("Include the comparison-survey respondents"))

    def __init__(self, *args: Any, mrcs: list[tuple[int, str]],
                 waves: list[tuple[int, str]], comparison: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mrc_ids.choices = mrcs
        self.waves.choices = waves
        if not comparison:
            del self.include_comparison
        if not self.is_submitted():
            self.mrc_ids.data = [choice[0] for choice in mrcs]
            self.waves.data = [value for value, _ in waves]

    def study_data(self) -> dict[str, Any]:
        return {
            "name": self.name.data, "mrc_ids": self.mrc_ids.data or [],
            "period_start": self.period_start.data, "period_end": self.period_end.data,
            "waves": self.waves.data or [], "covariates": self.covariates.data or [],
            "outcomes": self.outcomes.data or [], "shape": self.shape.data,
            "formats": self.formats.data or [], "date_mode": self.date_mode.data,
            "k": self.k.data, "l_variable": self.l_variable.data or None,
            "l_value": self.l_value.data,
            "include_comparison": bool(getattr(self, "include_comparison", None)
                                       and self.include_comparison.data),
        }

"""The dashboard's filter form (GET): area inside the scope, period and breakdown."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Optional, ValidationError

from mrc.aggregates import periods
from mrc.aggregates.services import BREAKDOWNS


class DashboardFilter(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    area = SelectField(_l("Area"), choices=[], validators=[Optional()])
    period = StringField(_l("Period"), validators=[Optional()],
                         render_kw={"dir": "ltr", "placeholder": "2026-Q3"},
                         description=_l("A year (2026), quarter (2026-Q3), month (2026-07) "
                                        "or months 2026-01..2026-06."))
    breakdown = SelectField(_l("Breakdown"), choices=list(BREAKDOWNS.items()), default="mrc",
                            validators=[Optional()])

    def validate_period(self, field: StringField) -> None:
        if field.data:
            try:
                periods.parse(field.data)
            except periods.PeriodError as exc:
                raise ValidationError(_l("Enter a year, a quarter, a month or a range of "
                                         "months such as 2026-01..2026-06.")) from exc

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from mrc.forms import LocalDateField, MultiCheckboxField
from mrc.i18n import LanguageChoice

NUMBER = {"inputmode": "numeric", "dir": "ltr"}
CHOOSE = _l("Choose one of the listed values.")


class _StockForm(FlaskForm):
    leaflet = SelectField(_l("Leaflet"), choices=[], validators=[InputRequired(CHOOSE)])
    language = SelectField(_l("Language"), choices=[], validators=[InputRequired(CHOOSE)])
    on_date = LocalDateField(_l("Date"), default=dt.date.today, validators=[InputRequired()])

    def __init__(self, *args: Any, leaflets: list[tuple[str, str]],
                 languages: list[LanguageChoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.leaflet.choices = [("", _l("Choose…")), *leaflets]
        self.language.choices = [("", _l("Choose…")), *languages]


class ReceiveForm(_StockForm):
    quantity = IntegerField(_l("Quantity received"),
                            validators=[InputRequired(), NumberRange(min=1, max=100_000)],
                            render_kw=NUMBER)
    reason = StringField(_l("Note (print run, supplier…)"),
                         validators=[Optional(), Length(max=200)])


class AdjustForm(_StockForm):
    quantity = IntegerField(_l("Change (negative to remove)"),
                            validators=[InputRequired(), NumberRange(min=-100_000, max=100_000)],
                            render_kw=NUMBER)
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=200)])


class RenderForm(FlaskForm):
    """Which leaflets, languages and page sizes the library job renders (all by default)."""

    codes = MultiCheckboxField(_l("Leaflets"), choices=[],
                               validators=[DataRequired(_l("Choose at least one leaflet."))])
    langs = MultiCheckboxField(_l("Languages"), choices=[],
                               validators=[DataRequired(_l("Choose at least one language."))])
    sizes = MultiCheckboxField(_l("Page sizes"), choices=[],
                               validators=[DataRequired(_l("Choose at least one page size."))])

    def __init__(self, *args: Any, leaflets: list[tuple[str, str]],
                 languages: list[LanguageChoice], sizes: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        kwargs.setdefault("codes", [code for code, _name in leaflets])
        kwargs.setdefault("langs", [choice[0] for choice in languages])
        kwargs.setdefault("sizes", [code for code, _name in sizes])
        super().__init__(*args, **kwargs)
        self.codes.choices = leaflets
        self.langs.choices = languages
        self.sizes.choices = sizes

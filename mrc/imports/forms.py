"""The upload form of the import page."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import InputRequired

from mrc.imports.services import kind_choices


class ImportForm(FlaskForm):
    kind = SelectField(_l("What the file holds"),
                       validators=[InputRequired(_l("Choose one of the listed values."))])
    file = FileField(_l("CSV file"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv"], _l("Only .csv files can be imported.")),
    ], render_kw={"accept": ".csv,text/csv"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("Choose…")), *kind_choices()]

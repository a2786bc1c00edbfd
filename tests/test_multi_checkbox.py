"""Multi-checkbox lists (``mrc.forms.MultiCheckboxField``): a field that needs at least one
choice must not put ``required`` on each box (the browser would then demand every box);
the server still refuses an empty choice, with the field's translated message."""

from __future__ import annotations

from flask import Flask
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.validators import DataRequired, InputRequired

from mrc.forms import MultiCheckboxField
from mrc.reports.forms import ReportForm


class Pick(FlaskForm):
    class Meta:
        csrf = False

    strict = MultiCheckboxField("Strict", choices=[("a", "A"), ("b", "B"), ("c", "C")],
                                validators=[InputRequired("Choose one.")])
    data = MultiCheckboxField("Data", choices=[("a", "A"), ("b", "B")],
                              validators=[DataRequired("Choose one too.")])


def test_no_box_is_required_but_one_choice_is(app: Flask) -> None:
    with app.test_request_context(method="POST"):
        form = Pick(formdata=MultiDict([("strict", "a"), ("data", "b")]))
        assert form.validate()
        html = str(form.strict()) + str(form.data())
        assert html.count('type="checkbox"') == 5 and "required" not in html
        empty = Pick(formdata=MultiDict([("other", "x")]))
        assert not empty.validate()
        assert empty.strict.errors == ["Choose one."]
        assert empty.data.errors == ["Choose one too."]


def test_report_formats_default_choice_is_valid(app: Flask) -> None:
    with app.test_request_context(method="POST"):
        form = ReportForm(formdata=MultiDict([("year", "2026"), ("quarter", "2"),
                                              ("lang", "en"), ("formats", "pdf"),
                                              ("formats", "xlsx")]),
                          areas=[("", "All", {})], lang="en", meta={"csrf": False})
        assert form.validate(), form.errors
        assert form.formats.data == ["pdf", "xlsx"]
        assert "required" not in str(form.formats())
        none = ReportForm(formdata=MultiDict([("year", "2026"), ("quarter", "2"),
                                              ("lang", "en")]),
                          areas=[("", "All", {})], lang="en", meta={"csrf": False})
        assert not none.validate()
        assert none.formats.errors == ["Choose at least one format."]

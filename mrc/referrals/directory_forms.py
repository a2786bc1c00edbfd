"""The forms of the facility directory: a facility, the CSV upload and the list's search."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from mrc.cases.forms import country_choices
from mrc.forms import LocalDateField, MultiCheckboxField
from mrc.places import country_name
from mrc.referrals import directory, vocab
from mrc.referrals.models import Facility
from mrc.referrals.services import service_codes

REQUIRED = _l("This field is required.")
MAX = directory.MAX_LENGTH
LTR = {"dir": "ltr", "spellcheck": "false", "autocapitalize": "none"}


class FacilityForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(REQUIRED),
                                               Length(max=MAX["name"])],
                       render_kw={"translate": "no"})
    kind = SelectField(_l("Type"), validators=[InputRequired(REQUIRED)],
                       choices=[("", _l("Choose…")), *vocab.FACILITY_KIND.items()])
    country = SelectField(_l("Country"), choices=[], validators=[InputRequired(REQUIRED)])
    city = StringField(_l("City"), validators=[Length(max=MAX["city"])],
                       render_kw={"translate": "no"})
    languages = StringField(_l("Languages spoken"),
                            validators=[Length(max=MAX["languages"])],
                            render_kw={**LTR, "autocomplete": "off"})
    services = MultiCheckboxField(_l("Services offered"), choices=list(vocab.SERVICES))
    phone = StringField(_l("Phone"), validators=[Length(max=MAX["phone"])],
                        render_kw={**LTR, "type": "tel", "autocomplete": "off"})
    email = StringField(_l("E-mail"), validators=[Length(max=MAX["email"])],
                        render_kw={**LTR, "type": "email", "autocomplete": "off"})
    website = StringField(_l("Website"), validators=[Length(max=MAX["website"])],
                          render_kw={**LTR, "type": "url", "autocomplete": "off",
                                     "placeholder": "https://"})
    address = TextAreaField(_l("Address"), validators=[Length(max=MAX["address"])],
                            render_kw={"rows": 3, "translate": "no"})
    verified_on = LocalDateField(_l("Verified on"), validators=[Optional()])
    active = BooleanField(_l("Active: counsellors can refer clients to this facility"),
                          default=True)
    external_id = StringField(_l("Identifier in directory files"),
                              validators=[Optional(), Length(max=MAX["external_id"])],
                              render_kw={**LTR, "autocomplete": "off"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [("", str(_l("Choose…"))), *country_choices()]

    @staticmethod
    def data_of(facility: Facility) -> dict[str, Any]:
        """A facility's values as the form shows them."""
        values = {name: getattr(facility, name) for name in directory.COLUMNS}
        values["services"] = service_codes(facility.services)
        return values

    def values(self) -> dict[str, Any]:
        """The typed values for :func:`mrc.referrals.directory.create_facility`."""
        return {
            "name": (self.name.data or "").strip(), "kind": self.kind.data or "",
            "country": self.country.data or "", "city": (self.city.data or "").strip(),
            "languages": directory.split_codes(self.languages.data or ""),
            "services": list(self.services.data or []),
            "phone": (self.phone.data or "").strip(), "email": (self.email.data or "").strip(),
            "website": (self.website.data or "").strip(),
            "address": (self.address.data or "").strip(), "verified_on": self.verified_on.data,
            "active": bool(self.active.data),
            "external_id": (self.external_id.data or "").strip() or None,
        }


class DirectoryImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv"], _l("Only .csv files can be imported.")),
        FileSize(directory.MAX_BYTES, message=_l(
            "The file is larger than %(size)s MB; split it into smaller files.",
            size=directory.MAX_BYTES // (1024 * 1024))),
    ], render_kw={"accept": ".csv,text/csv"})


class DirectoryFilter(FlaskForm):
    """The list's search (GET): part of the name or city, the country, the type."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or city contains"), validators=[Optional(), Length(max=80)],
                    render_kw={"type": "search"})
    country = SelectField(_l("Country"), choices=[], validators=[Optional()])
    kind = SelectField(_l("Type"), validators=[Optional()],
                       choices=[("", _l("All types")), *vocab.FACILITY_KIND.items()])

    def __init__(self, *args: Any, countries: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        named = sorted(((code, country_name(code)) for code in countries or []),
                       key=lambda item: item[1].casefold())
        self.country.choices = [("", str(_l("All countries"))), *named]

    def wanted(self) -> directory.Search:
        """The search asked for; no filter at all when the query is not valid."""
        if not self.validate():
            return directory.Search()
        return directory.Search(q=(self.q.data or "").strip(), country=self.country.data or "",
                                kind=self.kind.data or "")

"""Forms of the administration pages, the MRC manager's user page and the account page.

Forms turn typed text into values; the rules (code formats, duplicates, scopes, password
length) live in ``mrc.org.services`` and ``mrc.admin.services`` and their errors are
attached back to the fields.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from mrc.admin.services import MANAGER_ROLES, MAX_PASSWORD_LENGTH, Scope
from mrc.auth.models import ROLE_LABELS, Role, User
from mrc.config import RTL_LOCALES, SUPPORTED_LOCALES
from mrc.extensions import db
from mrc.forms import int_or_none, mrc_choices
from mrc.i18n import LanguageChoice, language_choices
from mrc.org import contact
from mrc.org.models import MRC, Country, Region
from mrc.privacy.phones import MAX_PHONE_LENGTH
from mrc.referrals.models import Facility
from mrc.settings import settings

REQUIRED = _l("This field is required.")
CHOOSE = _l("Choose one of the listed values.")
LTR = {"dir": "ltr", "autocapitalize": "characters", "spellcheck": "false"}
NEW_PASSWORD = {"autocomplete": "new-password", "dir": "ltr"}


def region_choices() -> list[tuple[str, str]]:
    regions = db.session.scalars(select(Region).order_by(Region.name)).all()
    return [(str(r.id), f"{r.name} ({r.code})") for r in regions]


def country_choices() -> list[tuple[str, str]]:
    countries = db.session.scalars(select(Country).order_by(Country.name)).all()
    return [(str(c.id), f"{c.name} ({c.code})") for c in countries]


def facility_choices() -> list[tuple[str, str]]:
    facilities = db.session.scalars(select(Facility).order_by(Facility.country, Facility.name))
    return [(str(f.id), f"{f.name}, {f.city} ({f.country})") for f in facilities]


def role_choices(roles: tuple[Role, ...] = tuple(Role)) -> list[tuple[str, str]]:
    return [(role.value, str(ROLE_LABELS[role.value])) for role in roles]


def locale_choices() -> list[LanguageChoice]:
    supported = settings().supported_locales
    return [("", str(_l("Same as the browser")), {}), *language_choices(supported)]


def scope_choices() -> dict[str, list[tuple[str, str]]]:
    """Grouped choices: everything, or one MRC, one country or one region."""
    return {
        str(_l("Whole network")): [("", str(_l("Everything (no restriction)")))],
        str(_l("One MRC")): [(f"mrc:{value}", text) for value, text in mrc_choices()],
        str(_l("One country")): [(f"country:{value}", text) for value, text in country_choices()],
        str(_l("One region")): [(f"region:{value}", text) for value, text in region_choices()],
        # Partners only: the facility whose referrals they see.
        str(_l("One partner facility")): [(f"facility:{value}", text)
                                          for value, text in facility_choices()],
    }


def scope_value(user: User) -> str:
    if user.mrc_id is not None:
        return f"mrc:{user.mrc_id}"
    if user.country_id is not None:
        return f"country:{user.country_id}"
    if user.region_id is not None:
        return f"region:{user.region_id}"
    if user.facility_id is not None:
        return f"facility:{user.facility_id}"
    return ""


def parse_scope(value: str | None) -> Scope:
    kind, _sep, raw_id = (value or "").partition(":")
    record_id = int_or_none(raw_id)
    if kind == "mrc":
        return Scope(mrc_id=record_id)
    if kind == "country":
        return Scope(country_id=record_id)
    if kind == "region":
        return Scope(region_id=record_id)
    if kind == "facility":
        return Scope(facility_id=record_id)
    return Scope()


class RegionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(REQUIRED), Length(max=32)],
                       render_kw=LTR)
    name = StringField(_l("Name"), validators=[InputRequired(REQUIRED), Length(max=120)])

    def values(self) -> dict[str, Any]:
        return {"code": self.code.data, "name": self.name.data}


class CountryForm(FlaskForm):
    code = StringField(_l("ISO 3166 alpha-2 code"),
                       validators=[InputRequired(REQUIRED), Length(max=2)],
                       render_kw={**LTR, "maxlength": 2})
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    region_id = SelectField(_l("Region"), choices=[], validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region_id.choices = [("", str(_l("Choose…"))), *region_choices()]
        if self.region_id.data is not None:
            self.region_id.data = str(self.region_id.data)

    def values(self) -> dict[str, Any]:
        return {"code": self.code.data, "name": self.name.data,
                "region_id": int_or_none(self.region_id.data)}


class MRCForm(FlaskForm):
    """An MRC with its hotline and, per interface language, its address and opening hours
    (the ``address_<locale>`` / ``opening_hours_<locale>`` fields are added below)."""

    code = StringField(_l("Code"), validators=[InputRequired(REQUIRED), Length(max=8)],
                       render_kw=LTR)
    name = StringField(_l("Name"), validators=[InputRequired(REQUIRED), Length(max=160)])
    country_id = SelectField(_l("Country"), choices=[], validate_choice=False)
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    hotline = StringField(_l("Hotline"), validators=[Optional()],
                          render_kw={"dir": "ltr", "type": "tel", "autocomplete": "off",
                                     "maxlength": MAX_PHONE_LENGTH})

    def __init__(self, *args: Any, mrc: MRC | None = None, **kwargs: Any) -> None:
        data = {f"{name}_{locale}": value for locale, texts in
                (contact.texts_of(mrc) if mrc else {}).items() for name, value in texts.items()}
        super().__init__(*args, obj=mrc, data=data, **kwargs)
        self.country_id.choices = [("", str(_l("Choose…"))), *country_choices()]
        if self.country_id.data is not None:
            self.country_id.data = str(self.country_id.data)

    def language_fields(self) -> list[tuple[str, Any, Any]]:
        """(locale, address field, opening hours field) for each interface language."""
        return [(locale, self[f"address_{locale}"], self[f"opening_hours_{locale}"])
                for locale in SUPPORTED_LOCALES]

    def values(self) -> dict[str, Any]:
        return {"code": self.code.data, "name": self.name.data,
                "country_id": int_or_none(self.country_id.data), "city": self.city.data,
                "hotline": self.hotline.data,
                "texts": {locale: {"address": address.data, "opening_hours": hours.data}
                          for locale, address, hours in self.language_fields()}}


for _locale in SUPPORTED_LOCALES:
    _text_attrs = {"lang": _locale.replace("_", "-"),
                   "dir": "rtl" if _locale in RTL_LOCALES else "ltr"}
    setattr(MRCForm, f"address_{_locale}", TextAreaField(
        _l("Address"), validators=[Optional()],
        render_kw={**_text_attrs, "rows": 2, "maxlength": contact.MAX_ADDRESS}))
    setattr(MRCForm, f"opening_hours_{_locale}", StringField(
        _l("Opening hours"), validators=[Optional()],
        render_kw={**_text_attrs, "maxlength": contact.MAX_HOURS}))


class NewUserForm(FlaskForm):
    """An admin creates any user with any scope."""

    username = StringField(_l("Username"), validators=[InputRequired(REQUIRED), Length(max=64)],
                           render_kw={"autocomplete": "off", "dir": "ltr", "spellcheck": "false"})
    password = PasswordField(_l("Initial password"),
                             validators=[InputRequired(REQUIRED),
                                         Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw=NEW_PASSWORD)
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    scope = SelectField(_l("Scope"), choices=[], validate_choice=False)
    locale = SelectField(_l("Preferred language"), choices=[], validate_choice=False)

    def __init__(self, *args: Any, roles: tuple[Role, ...] = tuple(Role), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [("", str(_l("Choose…"))), *role_choices(roles)]
        self.scope.choices = scope_choices()
        self.locale.choices = locale_choices()

    def values(self) -> dict[str, Any]:
        return {"username": self.username.data, "password": self.password.data,
                "role": self.role.data, "locale": self.locale.data or None}

    def chosen_scope(self) -> Scope:
        return parse_scope(self.scope.data)


class EditUserForm(FlaskForm):
    """An admin changes a user's role, scope, status and language (not the username)."""

    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    scope = SelectField(_l("Scope"), choices=[], validate_choice=False)
    active = BooleanField(_l("Active (may log in)"))
    locale = SelectField(_l("Preferred language"), choices=[], validate_choice=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, obj=user, **kwargs)
        self.role.choices = role_choices()
        self.scope.choices = scope_choices()
        self.locale.choices = locale_choices()
        if not self.is_submitted():
            self.scope.data = scope_value(user)
            self.locale.data = user.locale or ""

    def values(self) -> dict[str, Any]:
        return {"role": self.role.data, "active": self.active.data,
                "locale": self.locale.data or None}

    def chosen_scope(self) -> Scope:
        return parse_scope(self.scope.data)


class NewMRCUserForm(FlaskForm):
    """An MRC manager creates a counsellor or manager of their own MRC."""

    username = NewUserForm.username
    password = NewUserForm.password
    role = SelectField(_l("Role"), choices=[], validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices(MANAGER_ROLES)

    def values(self) -> dict[str, Any]:
        return {"username": self.username.data, "password": self.password.data,
                "role": self.role.data}


class EditMRCUserForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    active = BooleanField(_l("Active (may log in)"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, obj=user, **kwargs)
        self.role.choices = role_choices(MANAGER_ROLES)

    def values(self) -> dict[str, Any]:
        return {"role": self.role.data, "active": self.active.data}


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"),
                             validators=[InputRequired(REQUIRED),
                                         Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw=NEW_PASSWORD)
    confirm = PasswordField(_l("New password again"), validators=[InputRequired(REQUIRED)],
                            render_kw=NEW_PASSWORD)


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[InputRequired(REQUIRED),
                                        Length(max=MAX_PASSWORD_LENGTH)],
                            render_kw={"autocomplete": "current-password", "dir": "ltr"})
    password = ResetPasswordForm.password
    confirm = ResetPasswordForm.confirm


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Preferred language"), choices=[], validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = locale_choices()


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Username contains"), validators=[Optional(), Length(max=64)],
                    render_kw={"type": "search", "dir": "ltr"})
    role = SelectField(_l("Role"), choices=[], validators=[Optional()])
    mrc = SelectField(_l("MRC"), choices=[], validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [("", str(_l("All"))), *role_choices()]
        self.mrc.choices = [("", str(_l("All"))), *mrc_choices()]

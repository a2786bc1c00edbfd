"""Forms of the counsellor's workflow.

Forms only turn typed text into values (numbers, dates, codes from a list); the domain
rules live in ``services.validate_*`` so that forms and importers share them. Service
errors are attached back to the fields with ``attach_errors``.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import pycountry
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from mrc.calendars import localise_digits
from mrc.cases import awareness, vocab
from mrc.cases.models import Client
from mrc.cases.services import MAX_NOTES_LENGTH
from mrc.forms import LocalDateField, MultiCheckboxField
from mrc.i18n import language_choices, numbering_system
from mrc.leaflets.services import HandOut
from mrc.places import country_name, province_choices
from mrc.privacy.phones import MAX_PHONE_LENGTH

CHOOSE = _l("Choose one of the listed values.")
NOT_STATED = _l("Not stated")

ANSWER_CHOICES = [
    (awareness.TRUE, _l("True")),
    (awareness.FALSE, _l("False")),
    (awareness.DONT_KNOW, _l("Don't know")),
]
YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]

# The session language a counsellor most likely speaks, from the interface language …
LOCALE_SESSION_LANGUAGE = {"fa_AF": "fa", "ps": "ps", "ur": "ur", "bn": "bn", "ar": "ar",
                           "ckb": "ckb"}
# … or, with an English interface, from the MRC's country.
COUNTRY_SESSION_LANGUAGE = {"AF": "fa", "PK": "ur", "BD": "bn", "IQ": "ar", "TJ": "tg"}

# Leaflets come in the interface languages; a session language maps to the closest one.
SESSION_LEAFLET_LANGUAGE = {"fa": "fa_AF", "ps": "ps", "ur": "ur", "bn": "bn", "ar": "ar",
                            "ckb": "ckb", "en": "en"}

HORIZONS = {"7": 7, "14": 14, "30": 30, "overdue": -1}
DEFAULT_HORIZON = "14"


def default_session_language(locale_code: str, country: str) -> str:
    """Session language to preselect for a UI locale and an MRC country."""
    return (LOCALE_SESSION_LANGUAGE.get(locale_code)
            or COUNTRY_SESSION_LANGUAGE.get(country.upper())
            or "en")


def client_session_language(client: Client, locale_code: str, country: str) -> str:
    """Session language to preselect for a client: the language of their latest session
    (a client usually keeps their language, whoever counsels them), else the guess from
    the interface language and the MRC's country."""
    latest = max(client.sessions, key=lambda s: (s.date, s.id), default=None)
    if latest is not None and latest.language in vocab.SESSION_LANGUAGE:
        return latest.language
    return default_session_language(locale_code, country)


def country_choices() -> list[tuple[str, str]]:
    """(alpha-2, name in the UI language) of every ISO 3166 country, sorted by name."""
    return list(_country_choices(str(get_locale())))


@cache
def _country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    # 249 CLDR look-ups and a sort: 10 ms of every session form (#16), the same each time.
    items = [(c.alpha_2, country_name(c.alpha_2, locale)) for c in pycountry.countries]
    return tuple(sorted(items, key=lambda item: item[1].casefold()))






class AwarenessFields:
    """One True/False/Don't know radio group per awareness question (see below)."""

    @staticmethod
    def field_name(question: awareness.Question) -> str:
        return f"aw_{question.key}"

    def awareness_fields(self) -> list[Field]:
        form: Any = self
        return [form[self.field_name(q)] for q in awareness.questions()]

    def awareness_answers(self) -> str | None:
        """The answers string ("TF?T…"), None when nothing was answered. A partly answered
        questionnaire keeps "-" for the gaps, which the service rejects with a message."""
        answers = [f.data for f in self.awareness_fields()]
        if not any(answers):
            return None
        return "".join(a or "-" for a in answers)


for _question in awareness.questions():
    setattr(AwarenessFields, AwarenessFields.field_name(_question),
            RadioField(_question.text, choices=ANSWER_CHOICES, validators=[Optional()]))


def _select(label: Any, options: dict[str, Any] | tuple[tuple[str, Any], ...],
            **kwargs: Any) -> SelectField:
    return SelectField(label, choices=[("", _l("Choose…")), *vocab.choices(options)],
                       validators=[InputRequired(CHOOSE)], **kwargs)


def _optional(label: Any, options: dict[str, Any]) -> SelectField:
    """A choice the counsellor may leave empty (not asked, or the client did not say)."""
    return SelectField(label, choices=[("", NOT_STATED), *vocab.choices(options)],
                       validators=[Optional()])


class ClientFieldsForm(FlaskForm):
    """Coarse client fields shared by registration and editing. No names, by design."""

    sex = _select(_l("Sex"), vocab.SEX)
    birth_year = IntegerField(_l("Birth year"), validators=[Optional()],
                              render_kw={"inputmode": "numeric", "dir": "ltr"})
    province = SelectField(_l("Province of residence"), validators=[Optional()])
    nationality = SelectField(_l("Nationality"), validators=[Optional()])
    migrant_status = _select(_l("Migrant status"), vocab.MIGRANT_STATUS)
    education = _select(_l("Education"), vocab.EDUCATION)
    employment = _select(_l("Employment"), vocab.EMPLOYMENT)
    phone = TelField(_l("Phone number (optional)"),
                     validators=[Optional(), Length(max=MAX_PHONE_LENGTH)],
                     render_kw={"autocomplete": "off", "inputmode": "tel", "dir": "ltr"})
    followup_consent = BooleanField(_l("The client agrees to be called for follow-up"))
    consent_date = LocalDateField(_l("Date of consent"), validators=[Optional()],
                             default=dt.date.today)

    def __init__(self, *args: Any, country: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.province.choices = [("", NOT_STATED), *province_choices(country)]
        self.nationality.choices = [("", NOT_STATED), *country_choices()]

    def client_data(self) -> dict[str, Any]:
        consent = bool(self.followup_consent.data)
        return {
            "sex": self.sex.data,
            "birth_year": self.birth_year.data,
            "province": self.province.data or None,
            "nationality": self.nationality.data or None,
            "migrant_status": self.migrant_status.data,
            "education": self.education.data,
            "employment": self.employment.data,
            "phone": (self.phone.data or "").strip() or None,
            "followup_consent": consent,
            "consent_date": self.consent_date.data if consent else None,
        }


class RegisterForm(ClientFieldsForm):
    registered_on = LocalDateField(_l("Registration date"), validators=[InputRequired()],
                              default=dt.date.today)

    def client_data(self) -> dict[str, Any]:
        return {**super().client_data(), "registered_on": self.registered_on.data}


class EditClientForm(ClientFieldsForm):
    pass


class CodeSearchForm(FlaskForm):
    code = StringField(_l("Client code"), validators=[InputRequired(), Length(max=24)],
                       render_kw={"autocomplete": "off", "autofocus": True, "dir": "ltr",
                                  "spellcheck": "false", "autocapitalize": "characters",
                                  "placeholder": "XXXX-XXXX"})


class PhoneSearchForm(FlaskForm):
    phone = TelField(_l("Phone number"),
                     validators=[InputRequired(), Length(max=MAX_PHONE_LENGTH)],
                     render_kw={"autocomplete": "off", "inputmode": "tel", "dir": "ltr"})


class SessionForm(AwarenessFields, FlaskForm):
    date = LocalDateField(_l("Date"), validators=[InputRequired()], default=dt.date.today,
                     render_kw={"autofocus": True})
    channel = SelectField(_l("Channel"), choices=vocab.choices(vocab.CHANNEL),
                          default="walk_in", validators=[InputRequired(CHOOSE)])
    language = SelectField(_l("Language of the session"),
                           choices=vocab.choices(vocab.SESSION_LANGUAGE),
                           validators=[InputRequired(CHOOSE)])
    intention = RadioField(_l("Migration intention"), choices=vocab.choices(vocab.INTENTION),
                           validators=[InputRequired(CHOOSE)])
    destination = SelectField(_l("Intended destination country"), validators=[Optional()])
    route = _optional(_l("Route considered"), vocab.ROUTE)
    fee_band = _optional(_l("Fee quoted by a recruiter or smuggler"), vocab.FEE_BAND)
    info_source = _optional(_l("Where the client's information came from"),
                            vocab.INFO_SOURCE)
    topics = MultiCheckboxField(_l("Topics discussed"), choices=vocab.choices(vocab.TOPICS))
    referrals = MultiCheckboxField(_l("Referrals"), choices=vocab.choices(vocab.REFERRALS))
    duration_minutes = IntegerField(_l("Duration (minutes)"), validators=[Optional()],
                                    render_kw={"inputmode": "numeric", "dir": "ltr"})
    notes = TextAreaField(_l("Notes (stay inside this MRC)"),
                          render_kw={"maxlength": MAX_NOTES_LENGTH, "rows": 4})
    leaflets = MultiCheckboxField(_l("Leaflets given (one copy each)"), choices=[])
    leaflet_language = SelectField(_l("Language of the leaflets"), choices=[],
                                   validators=[Optional()])

    def __init__(self, *args: Any, leaflets: list[tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.destination.choices = [("", _l("None or not known")), *country_choices()]
        self.leaflets.choices = leaflets or []
        self.leaflet_language.choices = language_choices()
        if not self.leaflet_language.data:
            self.leaflet_language.data = SESSION_LEAFLET_LANGUAGE.get(self.language.data or "", "en")

    def hand_outs(self) -> list[HandOut]:
        language = self.leaflet_language.data or "en"
        return [HandOut(code, language, 1) for code in self.leaflets.data or []]

    def session_data(self) -> dict[str, Any]:
        return {
            "date": self.date.data,
            "channel": self.channel.data,
            "language": self.language.data,
            "topics": list(self.topics.data or []),
            "destination": self.destination.data or None,
            "intention": self.intention.data,
            **{name: self[name].data or None for name in vocab.CONTEXT_FIELDS},
            "awareness_answers": self.awareness_answers(),
            "referrals": list(self.referrals.data or []),
            "duration_minutes": self.duration_minutes.data,
            "notes": self.notes.data or "",
            "leaflets": self.hand_outs(),
        }


class AttemptForm(AwarenessFields, FlaskForm):
    date = LocalDateField(_l("Date of the attempt"), validators=[InputRequired()],
                     default=dt.date.today, render_kw={"autofocus": True})
    method = SelectField(_l("Method"), choices=vocab.choices(vocab.ATTEMPT_METHOD),
                         default="phone", validators=[InputRequired(CHOOSE)])
    reached = RadioField(_l("Was the client reached?"), choices=YES_NO,
                         validators=[InputRequired(CHOOSE)])
    location_status = RadioField(_l("Where is the client now?"),
                                 choices=vocab.choices(vocab.LOCATION_STATUS),
                                 validators=[Optional()])
    intention = RadioField(_l("Current migration intention"),
                           choices=vocab.choices(vocab.INTENTION), validators=[Optional()])
    used_mrc_info = RadioField(_l("Did the client use the information from the MRC?"),
                               choices=YES_NO, validators=[Optional()])
    give_up = BooleanField(_l("Give up on this follow-up (mark as not reached)"))

    def attempt_data(self) -> dict[str, Any]:
        reached = self.reached.data == "yes"
        used = {"yes": True, "no": False}.get(self.used_mrc_info.data or "")
        return {
            "date": self.date.data,
            "method": self.method.data,
            "reached": reached,
            "location_status": self.location_status.data if reached else None,
            "intention": self.intention.data if reached else None,
            "awareness_answers": self.awareness_answers() if reached else None,
            "used_mrc_info": used if reached else None,
            "give_up": bool(self.give_up.data) and not reached,
        }


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("The client asked to be erased. I understand this cannot be undone."),
        validators=[DataRequired(_l("Tick the box to confirm."))])


class WorklistFilter:
    """The horizon of the due follow-ups list, read from the query string."""

    def __init__(self, horizon: str | None, page: int | None) -> None:
        self.horizon = horizon if horizon in HORIZONS else DEFAULT_HORIZON
        self.page = max(page or 1, 1)

    @property
    def horizon_days(self) -> int:
        return HORIZONS[self.horizon]

    @staticmethod
    def choices() -> list[tuple[str, Any]]:
        """The horizons, their numbers in the user's digits (like the dates on the page)."""
        labels = [("7", _l("Due within 7 days")), ("14", _l("Due within 14 days")),
                  ("30", _l("Due within 30 days")), ("overdue", _l("Overdue only"))]
        digits = numbering_system()
        return [(value, localise_digits(str(text), digits)) for value, text in labels]

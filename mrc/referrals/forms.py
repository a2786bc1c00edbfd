"""The referral forms: refer a client, move a referral on, withdraw consent, and the
partner's look-up by reference."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from mrc.forms import LocalDateField
from mrc.i18n import language_choices
from mrc.places import country_name
from mrc.referrals import vocab
from mrc.referrals.models import Facility
from mrc.settings import settings

REQUIRED = _l("This field is required.")

# Session languages whose slip is printed in the interface language of the same name.
SLIP_LANGUAGE = {"fa": "fa_AF", "ps": "ps", "ur": "ur", "bn": "bn", "ar": "ar", "ckb": "ckb",
                 "en": "en"}


def facility_choices(facilities: list[Facility]) -> list[tuple[str, str, dict[str, str]]]:
    """Each facility as "Name, City (Country)": names are data (``translate="no"``)."""
    return [(str(f.id), f"{f.name}, {f.city} ({country_name(f.country)})", {"translate": "no"})
            for f in facilities]


class ReferForm(FlaskForm):
    facility = SelectField(_l("Facility"), choices=[], validate_choice=False,
                           validators=[InputRequired(REQUIRED)])
    service = SelectField(_l("Service needed"), validators=[InputRequired(REQUIRED)],
                          choices=[("", _l("Choose…")),
                                   *[(code, label) for code, label in vocab.SERVICES]])
    consent = BooleanField(_l("The client agrees that the facility receives their client code "
                              "and the service they need"))
    consent_on = LocalDateField(_l("Date of consent"), default=date.today,
                                validators=[InputRequired(REQUIRED)])
    share_phone = BooleanField(_l("The client also agrees that the facility receives their "
                                  "phone number"))
    language = SelectField(_l("Language of the slip"), choices=[], validate_choice=False,
                           validators=[InputRequired(REQUIRED)])

    def __init__(self, facilities: list[Facility], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.facility.choices = [("", str(_l("Choose…")), {}), *facility_choices(facilities)]
        self.language.choices = language_choices(settings().supported_locales)

    def values(self) -> dict[str, Any]:
        raw = self.facility.data or ""
        return {"facility_id": int(raw) if raw.isdigit() and len(raw) < 10 else None,
                "service": self.service.data, "consent": bool(self.consent.data),
                "consent_on": self.consent_on.data, "share_phone": bool(self.share_phone.data),
                "language": self.language.data}


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=[], validate_choice=False,
                         validators=[InputRequired(REQUIRED)])
    on = LocalDateField(_l("Date"), default=date.today, validators=[InputRequired(REQUIRED)])
    outcome = SelectField(_l("Outcome (when closing)"), validators=[Optional()],
                          choices=[("", "—"), *vocab.OUTCOME.items()])

    def __init__(self, current: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [(code, str(vocab.STATUS[code]))
                               for code in vocab.NEXT_STATUS.get(current, ())]


class WithdrawForm(FlaskForm):
    confirm = BooleanField(_l("The client withdrew their consent: stop sharing this referral"),
                           validators=[InputRequired(_l("Tick the box to confirm."))])


class ReferenceForm(FlaskForm):
    reference = StringField(_l("Reference on the slip"),
                            validators=[InputRequired(REQUIRED), Length(max=24)],
                            render_kw={"autocomplete": "off", "dir": "ltr", "spellcheck": "false",
                                       "autocapitalize": "characters",
                                       "placeholder": "R-4K7Q-M2XD"})


class ListFilter(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=[("", _l("Any status")), *vocab.STATUS.items()])

"""The domain rules of case records, which every service re-checks before it writes.

Input dictionaries hold already-typed values (forms and importers parse text); these checks
return field → translated message for every broken rule, so no path can store a bad record.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pycountry
from flask_babel import gettext as _

from mrc.cases import awareness, vocab

MAX_NOTES_LENGTH = 4000
OLDEST_BIRTH_YEAR = 1900
MAX_DURATION_MINUTES = 600

_CLIENT_CHOICES = (("sex", vocab.SEX), ("migrant_status", vocab.MIGRANT_STATUS),
                   ("education", vocab.EDUCATION), ("employment", vocab.EMPLOYMENT))


def is_country(code: str | None) -> bool:
    """An ISO 3166 alpha-2 country code (any case)."""
    return bool(code) and pycountry.countries.get(alpha_2=str(code).upper()) is not None


def _check_choices(data: dict[str, Any], fields: Any, errors: dict[str, str]) -> None:
    for field, options in fields:
        if data.get(field) not in options:
            errors[field] = _("Choose one of the listed values.")


def _check_consent(data: dict[str, Any], today: date, errors: dict[str, str]) -> None:
    consent_date = data.get("consent_date")
    if data.get("followup_consent"):
        if consent_date is None:
            errors["consent_date"] = _("Enter the date consent to follow-up was given.")
        elif consent_date > today:
            errors["consent_date"] = _("The consent date cannot be in the future.")


def validate_client(data: dict[str, Any], today: date | None = None) -> dict[str, str]:
    """Domain rules for client fields; returns field → message for every broken rule."""
    today = today or date.today()
    errors: dict[str, str] = {}
    _check_choices(data, _CLIENT_CHOICES, errors)
    year = data.get("birth_year")
    if year is not None and not (OLDEST_BIRTH_YEAR <= year <= today.year):
        errors["birth_year"] = _("Enter a birth year between %(low)s and %(high)s.",
                                 low=OLDEST_BIRTH_YEAR, high=today.year)
    nationality = data.get("nationality")
    if nationality and not is_country(nationality):
        errors["nationality"] = _("Unknown country code.")
    province = data.get("province")
    if province and pycountry.subdivisions.get(code=province) is None:
        errors["province"] = _("Unknown province code.")
    registered = data.get("registered_on")
    if registered is None or registered > today:
        errors["registered_on"] = _("The registration date cannot be in the future.")
    _check_consent(data, today, errors)
    return errors


def check_awareness(data: dict[str, Any], errors: dict[str, str]) -> None:
    """Awareness answers, when given, answer every question of the set."""
    answers = data.get("awareness_answers")
    if answers:
        try:
            awareness.score(answers)
        except ValueError:
            errors["awareness_answers"] = _("Answer every awareness question.")


def _check_codes(data: dict[str, Any], errors: dict[str, str]) -> None:
    """Topics, referrals, destination and migration context: codes of the vocabularies and
    ISO 3166."""
    topic_codes = vocab.codes(vocab.TOPICS)
    if any(t not in topic_codes for t in data.get("topics") or []):
        errors["topics"] = _("Unknown topic.")
    referral_codes = vocab.codes(vocab.REFERRALS)
    if any(r not in referral_codes for r in data.get("referrals") or []):
        errors["referrals"] = _("Unknown referral.")
    destination = data.get("destination")
    if destination and not is_country(destination):
        errors["destination"] = _("Unknown country code.")
    for field, options in vocab.CONTEXT_FIELDS.items():  # optional: empty is "not asked"
        if data.get(field) and data[field] not in options:
            errors[field] = _("Choose one of the listed values.")


def validate_session(data: dict[str, Any], baseline: date | None,
                     today: date | None = None) -> dict[str, str]:
    """Domain rules for a counselling session; field → message for every broken rule."""
    today = today or date.today()
    errors: dict[str, str] = {}
    when = data.get("date")
    if when is None or when > today:
        errors["date"] = _("The session date cannot be in the future.")
    _check_choices(data, (("channel", vocab.CHANNEL), ("language", vocab.SESSION_LANGUAGE),
                          ("intention", vocab.INTENTION)), errors)
    _check_codes(data, errors)
    duration = data.get("duration_minutes")
    if duration is not None and not (1 <= duration <= MAX_DURATION_MINUTES):
        errors["duration_minutes"] = _("Enter a duration between 1 and %(max)s minutes.",
                                       max=MAX_DURATION_MINUTES)
    check_awareness(data, errors)
    notes = data.get("notes") or ""
    if len(notes) > MAX_NOTES_LENGTH:
        errors["notes"] = _("Notes are limited to %(max)s characters.", max=MAX_NOTES_LENGTH)
    return errors

"""An MRC's contact details as data: a hotline (E.164, normalised for the MRC's country) and,
per interface language, its address and opening hours. Validation for the admin form, the
change of the rows, and the choice of the language to show a text in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
from flask_babel import gettext as _

from mrc.config import RTL_LOCALES, SUPPORTED_LOCALES
from mrc.org.models import MRC, MRCContactText
from mrc.privacy.phones import MAX_PHONE_LENGTH, InvalidPhone, normalise_phone

MAX_ADDRESS = 300
MAX_HOURS = 200
TEXT_FIELDS = ("address", "opening_hours")

Texts = Mapping[str, Mapping[str, str]]  # locale → {"address": …, "opening_hours": …}


@dataclass(frozen=True)
class LocalText:
    """A text and the language it is written in (for ``lang`` and ``dir``)."""

    text: str
    lang: str

    @property
    def tag(self) -> str:
        return self.lang.replace("_", "-")

    @property
    def dir(self) -> str:
        return "rtl" if self.lang in RTL_LOCALES else "ltr"


@dataclass(frozen=True)
class ContactCard:
    """What a client card or a leaflet prints about an MRC, in one language."""

    hotline: str  # E.164, for tel: links ("" when not set)
    hotline_display: str
    address: LocalText | None
    opening_hours: LocalText | None

    @property
    def empty(self) -> bool:
        return not (self.hotline or self.address or self.opening_hours)


def pick_text(by_locale: Mapping[str, str], locale: str) -> LocalText | None:
    """The text in ``locale``, else in English, else in the first filled supported language
    (then any other); None when no language has one."""
    order = [locale, "en", *SUPPORTED_LOCALES, *sorted(by_locale)]
    for lang in order:
        text = (by_locale.get(lang) or "").strip()
        if text:
            return LocalText(text, lang)
    return None


def display_hotline(e164: str) -> str:
    """The hotline grouped for reading (``+92 51 2100100``); as stored if unparsable."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def texts_of(mrc: MRC) -> dict[str, dict[str, str]]:
    """The stored rows as locale → {"address", "opening_hours"}."""
    return {row.locale: {"address": row.address, "opening_hours": row.opening_hours}
            for row in mrc.contact_texts}


def contact_card(hotline: str, texts: Texts, locale: str) -> ContactCard:
    """The contact details to print in ``locale`` (each text with its own fallback)."""
    return ContactCard(
        hotline=hotline, hotline_display=display_hotline(hotline),
        address=pick_text({lang: t.get("address", "") for lang, t in texts.items()}, locale),
        opening_hours=pick_text({lang: t.get("opening_hours", "") for lang, t in texts.items()},
                                locale))


def mrc_contact(mrc: MRC, locale: str) -> ContactCard:
    """An MRC's contact details for a page in ``locale``."""
    return contact_card(mrc.hotline or "", texts_of(mrc), locale)


# --- Validation and change (admin) -----------------------------------------------------

def validate_hotline(raw: str | None, country_code: str | None,
                     errors: dict[str, str]) -> str:
    """E.164 of the typed hotline ("" when empty); an error under "hotline" if invalid."""
    text = (raw or "").strip()
    if not text:
        return ""
    if len(text) > MAX_PHONE_LENGTH:
        errors["hotline"] = _("The hotline is limited to %(max)s characters.",
                              max=MAX_PHONE_LENGTH)
        return ""
    try:
        return normalise_phone(text, country_code or "ZZ")
    except InvalidPhone:
        errors["hotline"] = _("This is not a telephone number in %(country)s. Type it as "
                              "dialled there or with the country code (+…).",
                              country=country_code or "?")
        return ""


def _clean(text: Any) -> str:
    # Line breaks are kept (an address is printed as lines), spaces around them are not.
    return "\n".join(line.strip() for line in str(text or "").strip().splitlines())


def validate_texts(raw: Texts, errors: dict[str, str]) -> dict[str, dict[str, str]]:
    """Clean per-language texts; errors under "address_<locale>" / "opening_hours_<locale>"."""
    limits = {"address": MAX_ADDRESS, "opening_hours": MAX_HOURS}
    clean: dict[str, dict[str, str]] = {}
    for locale in SUPPORTED_LOCALES:
        values = {name: _clean((raw.get(locale) or {}).get(name)) for name in TEXT_FIELDS}
        for name, value in values.items():
            key = f"{name}_{locale}"
            if len(value) > limits[name]:
                errors[key] = (_("The address is limited to %(max)s characters.", max=MAX_ADDRESS)
                               if name == "address" else
                               _("The opening hours are limited to %(max)s characters.",
                                 max=MAX_HOURS))
        clean[locale] = values
    return clean


def apply_texts(mrc: MRC, texts: Texts) -> list[str]:
    """Set the per-language rows (a language with neither text has no row); returns the
    changed fields as ``address_ar``, ``opening_hours_en``…"""
    rows = {row.locale: row for row in mrc.contact_texts}
    changed: list[str] = []
    for locale, values in texts.items():
        row = rows.get(locale)
        old = {name: getattr(row, name) if row else "" for name in TEXT_FIELDS}
        changed += [f"{name}_{locale}" for name in TEXT_FIELDS if old[name] != values[name]]
        if not any(values.values()):
            if row is not None:
                mrc.contact_texts.remove(row)
        elif row is None:
            mrc.contact_texts.append(MRCContactText(locale=locale, **values))
        else:
            row.address, row.opening_hours = values["address"], values["opening_hours"]
    return changed

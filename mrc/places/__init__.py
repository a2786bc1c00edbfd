"""Place names in the interface language: countries from CLDR (Babel), provinces from the
hand-written table in :mod:`mrc.places.provinces`, the reference regions through gettext.

Everything falls back to English (pycountry's ISO names) and, for an unknown code, to the
code itself, so a label is never empty.
"""

from __future__ import annotations

import pycountry
from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from mrc.places.provinces import PROVINCE_NAMES

# The reference network's regions (mrc.org.reference): code → English name as stored, and
# its translation. A region an administrator created or renamed is shown as written.
REGION_NAMES = {
    "SOUTH_ASIA": ("South Asia", _l("South Asia")),
    "MIDDLE_EAST": ("Middle East", _l("Middle East")),
    "CENTRAL_ASIA": ("Central Asia", _l("Central Asia")),
}


def _locale_code(locale: str | Locale | None) -> str:
    if locale is None:
        locale = get_locale()
    return str(locale) if locale is not None else "en"


def _babel_locale(code: str) -> Locale | None:
    try:
        return Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return None


def country_name(code: str | None, locale: str | Locale | None = None) -> str:
    """A country's name in ``locale`` (default: the request's), else ISO English, else the code."""
    if not code:
        return ""
    alpha2 = code.upper()
    babel_locale = _babel_locale(_locale_code(locale))
    if babel_locale is not None and alpha2 in babel_locale.territories:
        return str(babel_locale.territories[alpha2])
    entry = pycountry.countries.get(alpha_2=alpha2)
    return str(entry.name) if entry is not None else code


def province_name(code: str | None, locale: str | Locale | None = None) -> str:
    """An ISO 3166-2 subdivision's name in ``locale``, else ISO English, else the code."""
    if not code:
        return ""
    local = PROVINCE_NAMES.get(code.upper(), {}).get(_locale_code(locale))
    if local:
        return local
    entry = pycountry.subdivisions.get(code=code.upper())
    return str(entry.name) if entry is not None else code


def province_choices(country: str, locale: str | Locale | None = None) -> list[tuple[str, str]]:
    """(code, name in ``locale``) of a country's first-level subdivisions, sorted by name."""
    subs = pycountry.subdivisions.get(country_code=country.upper()) or []
    items = [(s.code, province_name(s.code, locale)) for s in subs if s.parent_code is None]
    return sorted(items, key=lambda item: item[1].casefold())


def region_name(code: str, name: str) -> str:
    """A region's name: translated for a reference region still under its reference name."""
    reference = REGION_NAMES.get(code)
    if reference is not None and reference[0] == name:
        return str(reference[1])
    return name

"""Per-request locale: which language, which direction, how to format numbers and dates.

Precedence: explicit choice (``?lang=`` remembered in the session) → user profile →
Accept-Language → default.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from babel import numbers as babel_numbers
from flask import Flask, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from mrc.calendars import CALENDARS, GREGORIAN, localise_digits
from mrc.config import API_PATH, RTL_LOCALES
from mrc.settings import settings

# Each language named in itself, for the switcher.
NATIVE_NAMES = {
    "en": "English",
    "fa_AF": "دری",
    "ps": "پښتو",
    "ur": "اردو",
    "bn": "বাংলা",
    "ar": "العربية",
    "ckb": "کوردی",
}


LanguageChoice = tuple[str, str, dict[str, str]]


def language_choices(codes: Iterable[str] | None = None) -> list[LanguageChoice]:
    """Select choices naming each language in itself, each option marked with its own ``lang``
    (screen readers then pronounce it right, and it is not taken for untranslated text)."""
    return [(code, NATIVE_NAMES.get(code, code), {"lang": code.replace("_", "-")})
            for code in (NATIVE_NAMES if codes is None else codes)]


@dataclass(frozen=True)
class PageLocale:
    code: str  # gettext catalogue name, e.g. fa_AF
    tag: str  # BCP 47 tag for the lang attribute, e.g. fa-AF
    dir: str  # "rtl" or "ltr"

    @classmethod
    def for_code(cls, code: str) -> PageLocale:
        return cls(code=code, tag=code.replace("_", "-"), dir="rtl" if code in RTL_LOCALES else "ltr")


def select_locale() -> str:
    supported = settings().supported_locales
    if not has_request_context():  # CLI commands and background jobs
        return settings().default_locale
    if request.path.startswith(API_PATH):  # a program: its Accept-Language, no session
        return _accepted(supported) or _user_locale(supported) or settings().default_locale
    chosen = request.args.get("lang")
    if chosen in supported:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in supported:
        return str(session["lang"])
    return _user_locale(supported) or _accepted(supported) or settings().default_locale


def _user_locale(supported: Sequence[str]) -> str | None:
    if getattr(current_user, "is_authenticated", False) and current_user.locale in supported:
        return str(current_user.locale)
    return None


def _accepted(supported: Sequence[str]) -> str | None:
    # Accept-Language uses hyphens (fa-AF); catalogues use underscores.
    best = request.accept_languages.best_match([code.replace("_", "-") for code in supported])
    return best.replace("-", "_") if best else None


def calendar_preference() -> str:
    """gregorian, solar_hijri or both: explicit choice (session) → user profile → default."""
    chosen = session.get("calendar") if has_request_context() else None
    if chosen in CALENDARS:
        return str(chosen)
    if getattr(current_user, "is_authenticated", False) and current_user.calendar in CALENDARS:
        return str(current_user.calendar)
    return GREGORIAN


def latin_digits_preference() -> bool:
    if has_request_context() and "latin_digits" in session:
        return bool(session["latin_digits"])
    return bool(getattr(current_user, "is_authenticated", False) and current_user.latin_digits)


def numbering_system() -> str:
    """The digits to write numbers with: the locale's own, unless Latin is forced."""
    if latin_digits_preference():
        return "latn"
    locale = get_locale()
    return str(getattr(locale, "default_numbering_system", "latn") or "latn")


def fmt_number(value: float | int | None) -> str:
    """A number with the locale's separators and digits (Latin if the user asked)."""
    if value is None:
        return ""
    # Babel's numbering_system changes only the separators; the digits follow as fmt_date's do.
    digits = numbering_system()
    return localise_digits(babel_numbers.format_decimal(value, locale=get_locale() or "en",
                                                        numbering_system=digits), digits)


def page_locale() -> PageLocale:
    if "page_locale" not in g:
        g.page_locale = PageLocale.for_code(str(get_locale() or "en"))
    locale: PageLocale = g.page_locale
    return locale


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_locale() -> dict[str, object]:
        return {"locale": page_locale(), "native_names": NATIVE_NAMES,
                "supported_locales": app.config["MRC_SUPPORTED_LOCALES"]}

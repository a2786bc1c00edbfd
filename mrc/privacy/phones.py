"""Phone number normalisation for the blind index: one number, one spelling."""

from __future__ import annotations

import phonenumbers

from mrc.privacy.codes import NATIVE_DIGITS

MAX_PHONE_LENGTH = 32


class InvalidPhone(ValueError):
    """Not a possible phone number for the given region."""


def normalise_phone(text: str, default_region: str) -> str:
    """E.164 form (``+923001234567``) of a typed number.

    Local numbers (``0300 1234567``) are read in ``default_region`` (ISO alpha-2 of the
    MRC's country). Native digits are accepted. Raises InvalidPhone when the text is not a
    possible number, so a typo cannot silently index a different number.
    """
    if len(text) > MAX_PHONE_LENGTH:
        raise InvalidPhone("too long")
    cleaned = text.translate(NATIVE_DIGITS).strip()
    try:
        number = phonenumbers.parse(cleaned, default_region.upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(exc)) from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone("not a possible number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

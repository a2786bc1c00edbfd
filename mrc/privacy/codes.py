"""Client codes: random, printable, typo-tolerant identifiers never derived from personal data.

A code is 7 random Crockford base32 symbols plus one check symbol (Luhn mod 32), shown as
``XXXX-XXXX``. Crockford's alphabet leaves out I, L, O and U; when reading a code we map
I and L to 1 and O to 0, ignore case, spaces and hyphens, and accept Eastern Arabic,
Persian and Bengali digits. The check symbol catches every single wrong symbol and most
swaps of two neighbours, so a mistyped code is reported instead of finding another client.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_ALIASES = {"I": "1", "L": "1", "O": "0"}
DATA_LENGTH = 7
CODE_LENGTH = DATA_LENGTH + 1
_N = len(ALPHABET)

# Digits typed on Arabic, Persian, Urdu and Bengali keyboards.
NATIVE_DIGITS = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩" "۰۱۲۳۴۵۶۷۸۹" "০১২৩৪৫৬৭৮৯",
    "0123456789" * 3,
)


class InvalidCode(ValueError):
    """The text is not a well-formed client code (wrong length, symbol or check)."""


def check_symbol(data: str) -> str:
    """Luhn mod N check symbol over ``data`` (symbols of ALPHABET)."""
    factor = 2
    total = 0
    for ch in reversed(data):
        addend = factor * _VALUE[ch]
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return ALPHABET[(_N - total % _N) % _N]


def generate_code() -> str:
    """A new random code in canonical form (8 symbols, no hyphen)."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_symbol(data)


def normalise_code(text: str) -> str:
    """Canonical form of a typed code, or InvalidCode.

    Guarantee: returns a string that ``is_valid`` accepts, or raises.
    """
    cleaned = text.translate(NATIVE_DIGITS).upper()
    cleaned = "".join(_ALIASES.get(ch, ch) for ch in cleaned if ch not in " -_.\u200e\u200f")
    if len(cleaned) != CODE_LENGTH:
        raise InvalidCode("wrong length")
    if any(ch not in _VALUE for ch in cleaned):
        raise InvalidCode("unknown symbol")
    if check_symbol(cleaned[:DATA_LENGTH]) != cleaned[DATA_LENGTH]:
        raise InvalidCode("check symbol does not match")
    return cleaned


def is_valid(code: str) -> bool:
    try:
        return normalise_code(code) == code
    except InvalidCode:
        return False


def format_code(code: str) -> str:
    """Display form ``XXXX-XXXX`` of a canonical code."""
    return f"{code[:4]}-{code[4:]}"

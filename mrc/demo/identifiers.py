"""Client codes and phone numbers for the demo: valid, distinct, drawn from the seed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mrc.demo import profiles as P
from mrc.privacy.codes import ALPHABET, DATA_LENGTH

_SYMBOLS = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)


def client_codes(rng: np.random.Generator, n: int, taken: frozenset[str] = frozenset()
                 ) -> list[str]:
    """n distinct random client codes (7 random symbols + Luhn mod 32 check symbol, as
    ``privacy.codes.check_symbol`` computes it), none of them in ``taken``."""
    base = len(ALPHABET)
    chosen: list[int] = []
    seen: set[int] = set()
    taken_values = {_code_value(c) for c in taken if len(c) == DATA_LENGTH + 1}
    while len(chosen) < n:
        draw = rng.integers(0, base ** DATA_LENGTH, size=n - len(chosen) + 16, dtype=np.int64)
        for value in draw.tolist():
            if value not in seen and value not in taken_values:
                seen.add(value)
                chosen.append(value)
                if len(chosen) == n:
                    break
    values = np.array(chosen, dtype=np.int64)
    shifts = 5 * np.arange(DATA_LENGTH - 1, -1, -1)
    digits = (values[:, None] >> shifts) & (base - 1)  # most significant first
    # Luhn mod N from the right: the last data symbol is doubled.
    factors = np.where(np.arange(DATA_LENGTH)[::-1] % 2 == 0, 2, 1)
    addends = digits * factors
    total = (addends // base + addends % base).sum(axis=1)
    check = (base - total % base) % base
    symbols = _SYMBOLS[np.concatenate([digits, check[:, None]], axis=1)]
    return [row.decode("ascii") for row in symbols.astype(np.uint8).view(f"S{DATA_LENGTH + 1}")
            .ravel().tolist()]


def _code_value(code: str) -> int:
    value = 0
    for ch in code[:DATA_LENGTH]:
        value = value * len(ALPHABET) + ALPHABET.index(ch)
    return value


def phone_numbers(rng: np.random.Generator, countries: Sequence[str]) -> list[str]:
    """Distinct E.164 mobile numbers in each given country's numbering plan."""
    result: list[str] = []
    seen: set[str] = set()
    country_array = np.array(countries, dtype=object)
    prefix_choice = rng.random(len(countries))
    subscriber = rng.random(len(countries))
    for i, country in enumerate(country_array.tolist()):
        calling, prefixes, digits = P.MOBILE_NUMBERING[country]
        prefix = prefixes[int(prefix_choice[i] * len(prefixes))]
        number = int(subscriber[i] * 10 ** digits)
        phone = f"{calling}{prefix}{number:0{digits}d}"
        while phone in seen:  # rare: redraw until distinct
            number = int(rng.integers(0, 10 ** digits))
            phone = f"{calling}{prefix}{number:0{digits}d}"
        seen.add(phone)
        result.append(phone)
    return result

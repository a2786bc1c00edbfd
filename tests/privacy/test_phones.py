"""Phone normalisation for the blind index: one number, one spelling (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mrc.privacy.phones import MAX_PHONE_LENGTH, InvalidPhone, normalise_phone

# Pakistani mobile numbers: 03XX XXXXXXX locally, +92 3XX XXXXXXX internationally.
SUBSCRIBER = st.from_regex(r"3[0-4][0-9]{8}", fullmatch=True)
NATIVE = {"ur": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
          "ar": str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"),
          "bn": str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")}


@given(SUBSCRIBER, st.sampled_from(["0{n}", "+92{n}", "0092{n}", "+92 {a} {b}", "0{a}-{b}",
                                   " 0{a} {b} ", "(0{a}) {b}"]),
       st.sampled_from([None, "ur", "ar", "bn"]))
def test_every_spelling_gives_the_same_number(subscriber: str, pattern: str,
                                             digits: str | None) -> None:
    typed = pattern.format(n=subscriber, a=subscriber[:3], b=subscriber[3:])
    if digits:
        typed = typed.translate(NATIVE[digits])
    assert normalise_phone(typed, "PK") == "+92" + subscriber


@given(SUBSCRIBER, st.sampled_from(["PK", "pk", "AF", "BD"]))
def test_normalised_form_is_stable(subscriber: str, region: str) -> None:
    e164 = normalise_phone("+92" + subscriber, region)
    assert normalise_phone(e164, region) == e164  # international form ignores the region


@given(st.text(max_size=40), st.sampled_from(["PK", "AF", "BD", "IQ", "TJ"]))
def test_any_text_is_a_number_or_invalid_phone(text: str, region: str) -> None:
    try:
        e164 = normalise_phone(text, region)
    except InvalidPhone:
        return
    assert e164.startswith("+") and e164[1:].isdigit()


@pytest.mark.parametrize("text", ["", "12", "abc", "<script>alert(1)</script>", "\x00300",
                                  "0" * (MAX_PHONE_LENGTH + 1)])
def test_malformed_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidPhone):
        normalise_phone(text, "PK")

"""An MRC's contact details: language fallback, hotline normalisation, the demo data."""

from __future__ import annotations

import phonenumbers
import pytest

from mrc.config import SUPPORTED_LOCALES
from mrc.org.contact import (
    contact_card,
    display_hotline,
    pick_text,
    validate_hotline,
    validate_texts,
)
from mrc.org.reference import REFERENCE_CONTACTS, REFERENCE_NETWORK

# The interface languages used in each demo country besides English.
LOCAL_LANGUAGES = {"AF": {"fa_AF", "ps"}, "PK": {"ur"}, "BD": {"bn"}, "IQ": {"ar"}, "TJ": set()}


def test_text_in_the_language_then_english_then_any():
    texts = {"en": "English", "ur": "اردو", "bn": " "}
    assert pick_text(texts, "ur").text == "اردو"
    fallback = pick_text(texts, "bn")  # blank counts as missing
    assert (fallback.text, fallback.lang, fallback.dir) == ("English", "en", "ltr")
    only_arabic = pick_text({"ar": "عربي"}, "en")
    assert (only_arabic.lang, only_arabic.dir, only_arabic.tag) == ("ar", "rtl", "ar")
    assert pick_text({"fa_AF": "دری"}, "en").tag == "fa-AF"
    assert pick_text({}, "en") is None and pick_text({"en": ""}, "en") is None


def test_each_text_falls_back_on_its_own():
    card = contact_card("", {"en": {"address": "A", "opening_hours": ""},
                             "ar": {"address": "", "opening_hours": "س"}}, "ar")
    assert (card.address.text, card.opening_hours.text) == ("A", "س")
    assert not card.empty
    assert contact_card("", {}, "en").empty


@pytest.mark.parametrize(("typed", "country", "e164"), [
    ("051 2100100", "PK", "+92512100100"),
    ("+92 51 2100100", "IQ", "+92512100100"),  # with a country code: read as given
    ("٠٧٧٠ ١٢٣ ٤٥٦٧", "IQ", "+9647701234567"),
    ("", "PK", ""),
])
def test_hotline_is_normalised_for_the_country(app, typed, country, e164):
    errors: dict[str, str] = {}
    assert validate_hotline(typed, country, errors) == e164
    assert errors == {}


@pytest.mark.parametrize("typed", ["12", "hotline", "1" * 33])
def test_impossible_hotline_is_an_error(app, typed):
    errors: dict[str, str] = {}
    assert validate_hotline(typed, "PK", errors) == ""
    assert set(errors) == {"hotline"}


def test_texts_are_cleaned_and_limited(app):
    errors: dict[str, str] = {}
    clean = validate_texts({"ar": {"address": " a \r\n b ", "opening_hours": None}}, errors)
    assert clean["ar"] == {"address": "a\nb", "opening_hours": ""}
    assert set(clean) == set(SUPPORTED_LOCALES) and errors == {}
    validate_texts({"en": {"address": "x" * 301, "opening_hours": "y" * 201}}, errors)
    assert set(errors) == {"address_en", "opening_hours_en"}


def test_display_keeps_unparsable_values():
    assert display_hotline("+93202100100") == "+93 20 210 0100"
    assert display_hotline("") == "" and display_hotline("junk") == "junk"


def test_every_demo_mrc_has_a_valid_hotline_and_texts_in_its_languages():
    for _name, countries in REFERENCE_NETWORK.values():
        for alpha2, mrcs in countries.items():
            for code, *_rest in mrcs:
                hotline, texts = REFERENCE_CONTACTS[code]
                number = phonenumbers.parse(hotline, alpha2)
                assert phonenumbers.is_valid_number_for_region(number, alpha2), code
                assert hotline.replace(" ", "").endswith("0100")  # the fictional range
                assert LOCAL_LANGUAGES[alpha2] | {"en"} <= set(texts), code
                assert all(address and hours for address, hours in texts.values())
    assert "ckb" in REFERENCE_CONTACTS["IQ-EBL"][1]


def test_reference_network_stores_the_contacts(network):
    erbil = network["IQ-EBL"]
    assert erbil.hotline == "+964660000100"
    assert {row.locale for row in erbil.contact_texts} == {"en", "ckb", "ar"}
    assert erbil.contact == ""

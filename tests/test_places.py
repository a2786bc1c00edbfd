"""Place names in the interface language: countries (CLDR), provinces (mrc.places.provinces),
the reference regions; English (pycountry) and the code itself as fallbacks."""

from __future__ import annotations

import re

import pycountry
import pytest
from flask_babel import force_locale

from mrc.cases.forms import RegisterForm, country_choices
from mrc.extensions import db
from mrc.org.reference import REFERENCE_NETWORK
from mrc.org.services import provinces
from mrc.places import country_name, province_choices, province_name, region_name
from mrc.places.provinces import PROVINCE_NAMES

LOCAL = ["fa_AF", "ps", "ur", "bn", "ar", "ckb"]
ARABIC_SCRIPT = re.compile(r"^[\u0600-\u06FF\u200c ]+$")
BENGALI_SCRIPT = re.compile(r"^[\u0980-\u09FF ()\-]+$")
DEMO_COUNTRIES = sorted({c for _name, countries in REFERENCE_NETWORK.values() for c in countries})


def form_province_codes() -> list[str]:
    """Every province a form offers for a demo country (register, outreach), and the
    Kurdistan Region governorates (Erbil is a demo MRC's city)."""
    codes = [code for country in DEMO_COUNTRIES for code, _name in provinces(country)]
    return [*codes, "IQ-AR", "IQ-DA", "IQ-SU"]


@pytest.mark.parametrize("locale", LOCAL)
def test_every_form_province_has_a_name_in_the_local_script(locale):
    script = BENGALI_SCRIPT if locale == "bn" else ARABIC_SCRIPT
    for code in form_province_codes():
        name = province_name(code, locale)
        assert script.fullmatch(name), (locale, code, name)


def test_the_table_covers_only_real_codes():
    assert len(PROVINCE_NAMES) >= 70
    for code, names in PROVINCE_NAMES.items():
        assert pycountry.subdivisions.get(code=code) is not None, code
        assert set(names) == set(LOCAL), code


@pytest.mark.parametrize(("code", "locale", "expected"), [
    ("PK-PB", "ar", "البنجاب"), ("PK-PB", "ur", "پنجاب"), ("PK-KP", "ps", "خیبر پښتونخوا"),
    ("AF-KAB", "fa_AF", "کابل"), ("AF-KAB", "ar", "كابل"), ("AF-KAN", "ps", "کندهار"),
    ("BD-C", "bn", "ঢাকা"), ("BD-B", "bn", "চট্টগ্রাম"), ("IQ-AR", "ckb", "هەولێر"),
    ("IQ-BG", "ar", "بغداد"), ("IQ-KR", "ckb", "هەرێمی کوردستان"),
])
def test_province_names_per_locale(code, locale, expected):
    assert province_name(code, locale) == expected


def test_province_fallbacks():
    assert province_name("PK-PB", "en") == "Punjab"
    assert province_name("pk-pb", "ar") == "البنجاب"
    riyadh = pycountry.subdivisions.get(code="SA-01").name
    assert province_name("SA-01", "ar") == riyadh  # not in the table: ISO English
    assert province_name("XX-99", "ar") == "XX-99"
    assert province_name(None, "ar") == province_name("", "ar") == ""


def test_country_names_per_locale_and_fallbacks():
    assert country_name("AF", "en") == "Afghanistan"
    assert country_name("AF", "fa_AF") == "افغانستان"
    assert country_name("pk", "ur") == "پاکستان"
    assert country_name("BD", "bn") == "বাংলাদেশ"
    assert country_name("IQ", "ar") == "العراق"
    assert country_name("FR", "zz") == "France"  # unknown locale: ISO English
    assert country_name("QQ", "ar") == "QQ"
    assert country_name(None) == ""


def test_choices_follow_the_request_locale(app):
    with app.test_request_context("/"), force_locale("ar"):
        assert dict(province_choices("PK"))["PK-SD"] == "السند"
        assert dict(country_choices())["AF"] == "أفغانستان"
        form = RegisterForm(country="PK", meta={"csrf": False})
        assert ("PK-IS", "إسلام آباد") in form.province.choices
    names = [name for _code, name in province_choices("AF", "bn")]
    assert names == sorted(names, key=str.casefold)


def test_reference_regions_are_translated_unless_renamed(app):
    with app.test_request_context("/"), force_locale("en"):
        assert region_name("SOUTH_ASIA", "South Asia") == "South Asia"
        assert region_name("SOUTH_ASIA", "Southern Asia") == "Southern Asia"
        assert region_name("NEW", "Gulf") == "Gulf"


def test_client_page_shows_the_province_in_arabic_script(make_user, login, make_client):
    record = make_client("PK-ISB", sessions=1, province="PK-PB", nationality="AF")
    db.session.commit()
    http = login(make_user("counsellor", "PK-ISB"))
    html = http.get(f"/cases/clients/{record.id}?lang=ar").get_data(as_text=True)
    assert "<dd>البنجاب</dd>" in html
    assert "Punjab" not in html
    assert "أفغانستان" in html
    english = http.get(f"/cases/clients/{record.id}?lang=en").get_data(as_text=True)
    assert "<dd>Punjab</dd>" in english


def test_wave_labels_use_the_page_digits(make_user, login, make_client):
    """A follow-up's "Wave 1 (+90 days)" is written with the digits of the dates beside it."""
    record = make_client("PK-ISB", sessions=1)
    db.session.commit()
    http = login(make_user("counsellor", "PK-ISB"))
    persian = http.get(f"/cases/clients/{record.id}?lang=fa_AF").get_data(as_text=True)
    assert "+۹۰" in persian and "+90" not in persian
    english = http.get(f"/cases/clients/{record.id}?lang=en").get_data(as_text=True)
    assert "Wave 1 (+90 days)" in english

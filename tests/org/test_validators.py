"""Code validators of the organisation hierarchy and of usernames (property tests)."""

from __future__ import annotations

import string

import pycountry
from hypothesis import given
from hypothesis import strategies as st

from mrc.admin.services import password_error, username_error
from mrc.org.services import country_code_error, mrc_code_error, region_code_error

ISO_CODES = sorted(c.alpha_2 for c in pycountry.countries)
UPPER = st.sampled_from(string.ascii_uppercase)
SUFFIX = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=2, max_size=5)


@given(st.sampled_from(ISO_CODES))
def test_every_iso_alpha2_code_is_accepted(code):
    assert country_code_error(code) is None


@given(st.text(max_size=4))
def test_anything_else_is_rejected_as_a_country_code(text):
    assert (country_code_error(text) is None) == (text in ISO_CODES)


@given(st.sampled_from(ISO_CODES), SUFFIX)
def test_mrc_code_with_its_country_prefix_is_valid(country, suffix):
    assert mrc_code_error(f"{country}-{suffix}", country) is None


@given(st.sampled_from(ISO_CODES), st.sampled_from(ISO_CODES), SUFFIX)
def test_mrc_code_prefix_must_be_the_country(prefix, country, suffix):
    problem = mrc_code_error(f"{prefix}-{suffix}", country)
    assert (problem is None) == (prefix == country)
    if problem:
        assert country in problem


@given(st.text(max_size=12))
def test_mrc_code_format(text):
    import re

    valid = re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{2,5}", text) is not None
    assert (mrc_code_error(text, None) is None) == valid


def test_mrc_code_examples():
    assert mrc_code_error("PK-ISB", "PK") is None
    assert mrc_code_error("PK-I", "PK") is not None  # too short
    assert mrc_code_error("PK-ISLAMA", "PK") is not None  # too long
    assert mrc_code_error("pk-isb", "PK") is not None  # normalised by the caller, not here
    assert mrc_code_error("PK-ISB\n", "PK") is not None  # no trailing newline
    assert username_error("amina\n") is not None
    assert region_code_error("GULF\n") is not None
    assert country_code_error("PK\n") is not None


@given(UPPER, st.text(alphabet=string.ascii_uppercase + string.digits + "_", min_size=1,
                      max_size=31))
def test_region_codes(first, rest):
    assert region_code_error(first + rest) is None
    assert region_code_error(first.lower() + rest) is not None
    assert region_code_error("1" + rest) is not None


@given(st.text(min_size=1, max_size=70))
def test_usernames_never_contain_spaces_or_formula_characters(name):
    if username_error(name) is None:
        assert 1 <= len(name) <= 64
        assert not any(ch.isspace() for ch in name)
        assert name[0] not in "=+-@'\"\t\r"


def test_username_examples():
    for good in ("amina.k", "counsellor7", "زهرا", "user@mrc-pk"):
        assert username_error(good) is None
    for bad in ("", "two words", "=cmd", "-x", "a" * 65, "tab\there"):
        assert username_error(bad) is not None


@given(st.text(max_size=300))
def test_password_length_rule(password):
    assert (password_error(password) is None) == (10 <= len(password) <= 256)

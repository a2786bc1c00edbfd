"""Every string on the main pages goes through the catalogue at request time.

The pages are served with a pseudo-translated English catalogue ("Log in" → "⟦Ļöĝ îñ⟧", see
pseudo.py); plain English left on a page was never looked up: a string not marked for
translation, or a lazy string turned into text before the request. Unlike the per-language
check, this one does not wait for the translators.
"""

from __future__ import annotations

import re
from functools import cache

import pycountry
import pytest
from babel import Locale

from mrc.i18n import NATIVE_NAMES
from mrc.leaflets.library import load_library
from mrc.org.services import REFERENCE_NETWORK, provinces
from tests.browser.harness import Visitors
from tests.browser.pages import COLLECT_TEXT, PAGES, PageSpec, open_page

PSEUDO = re.compile(r"⟦[^⟦⟧]*⟧")
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


# Identifiers and format masks (PK-KP, L01-regular-pathways, XXXX-XXXX, MRC), not prose.
IDENTIFIER = re.compile(r"[A-Z0-9]+(-[A-Z0-9]+)*|(?=\S*\d)[A-Za-z0-9]+(-[A-Za-z0-9]+)*")


@cache
def data_names() -> frozenset[str]:
    """Text that is data with translations of its own, not the catalogue's business: country
    names (CLDR, as the app shows them), the network's provinces, languages named in
    themselves, leaflet titles (the leaflet library has them per language)."""
    names = {str(name) for name in Locale.parse("en").territories.values()}
    names |= {str(country.name) for country in pycountry.countries}
    names |= {name for _, countries in REFERENCE_NETWORK.values() for alpha2 in countries
              for _, name in provinces(alpha2)}
    names |= set(NATIVE_NAMES.values())
    names |= {title for leaflet in load_library() for title in leaflet.titles.values()}
    return frozenset(names)


def is_english(text: str) -> bool:
    rest = PSEUDO.sub(" ", text).replace("\ue000", " ").strip()
    if not ENGLISH_WORD.search(rest) or rest in data_names():
        return False
    return not all(IDENTIFIER.fullmatch(word.strip(",.:;()")) for word in rest.split())


@pytest.mark.parametrize("spec", PAGES, ids=[spec.name for spec in PAGES])
def test_no_string_escapes_the_catalogue(pseudo_visitors: Visitors, spec: PageSpec) -> None:
    tab, page = open_page(pseudo_visitors, spec, "en")
    plain: dict[str, str] = {}
    for text, where in page.evaluate(COLLECT_TEXT):
        if is_english(text):
            plain.setdefault(text, where)
    assert not plain, f"{spec.name}: English that never went through gettext:\n" + "\n".join(
        f"{text!r} in {where}" for text, where in plain.items())

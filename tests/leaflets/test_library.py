"""The starter leaflet library on disk: complete, in every language, in the right script,
with the same shape and placeholders as the English text, and nothing that looks like a
real phone number or address on the web."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest

from mrc.leaflets.library import (
    LANGUAGES,
    LIBRARY_DIR,
    PLACEHOLDER_RE,
    TOPIC_CODES,
    Leaflet,
    load_library,
    outline,
)

CODES = sorted(p.name for p in LIBRARY_DIR.iterdir() if (p / "meta.toml").is_file())
TRANSLATIONS = [lang for lang in LANGUAGES if lang != "en"]

REQUIRED_TOPICS = {
    "regular_pathways", "irregular_risks", "recruitment_fees", "labour_rights",
    "occupational_safety", "remittances", "return_reintegration", "destination_laws",
}
GULF = {"SA", "AE", "QA", "KW", "BH", "OM"}

ARABIC_BLOCKS = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
                 (0xFE70, 0xFEFF))
BENGALI_BLOCKS = ((0x0980, 0x09FF),)
LATIN_BLOCKS = ((0x0041, 0x024F),)
SCRIPT = {"en": LATIN_BLOCKS, "bn": BENGALI_BLOCKS} | dict.fromkeys(
    ("fa_AF", "ps", "ur", "ar", "ckb"), ARABIC_BLOCKS)

PASHTO_ONLY = set("ټډړښږګځڅېۍڼ")
URDU_ONLY = set("ٹڈڑںے")
SORANI_ONLY = set("ێۆڵڕە")
PERSIAN_FORMS = set("یکگپچژ")  # Dari, Pashto, Urdu and Sorani write these, Arabic does not
# Arabic kaf, yeh and teh marbuta: not written in Dari, Urdu or Sorani. Pashto does write
# ي, for the final -i of verbs and adjectives (کوي، قانوني), so only ك and ة are foreign there.
ARABIC_FORMS = set("يكة")

# Seven or more digits in a row (spaces, dots or hyphens between them allowed), in any script.
PHONE_RE = re.compile(r"(?:\d[\s.\-]?){6}\d")
ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
URL_RE = re.compile(r"https?://|www\.|\b[\w.-]+@[\w-]+\.\w+|\b[a-z0-9-]+\.(?:com|org|net|gov|int)\b",
                    re.IGNORECASE)


@pytest.fixture(scope="module")
def library() -> dict[str, Leaflet]:
    return {leaflet.code: leaflet for leaflet in load_library()}


def letters(text: str) -> str:
    """The letters of a text, placeholders (ASCII by design) left out."""
    return "".join(ch for ch in PLACEHOLDER_RE.sub(" ", text) if unicodedata.category(ch)[0] == "L")


def share_in(text: str, blocks: tuple[tuple[int, int], ...]) -> float:
    found = letters(text)
    inside = sum(1 for ch in found if any(lo <= ord(ch) <= hi for lo, hi in blocks))
    return inside / len(found)


def test_library_has_at_least_eight_leaflets(library: dict[str, Leaflet]) -> None:
    assert len(library) >= 8
    assert sorted(library) == CODES


def test_required_topics_are_covered(library: dict[str, Leaflet]) -> None:
    topics = {leaflet.topic for leaflet in library.values()}
    assert topics <= TOPIC_CODES
    assert topics >= REQUIRED_TOPICS


def test_a_gulf_destination_guide_exists(library: dict[str, Leaflet]) -> None:
    guides = [x for x in library.values() if x.topic == "destination_laws"]
    assert any(set(x.destinations) and set(x.destinations) <= GULF for x in guides)


@pytest.mark.parametrize("code", CODES)
def test_every_language_is_present(library: dict[str, Leaflet], code: str) -> None:
    leaflet = library[code]
    assert leaflet.languages == LANGUAGES
    assert set(leaflet.titles) == set(LANGUAGES)
    for lang in LANGUAGES:
        assert leaflet.texts[lang].startswith(f"# {leaflet.titles[lang]}\n")


@pytest.mark.parametrize("code", CODES)
def test_english_text_is_leaflet_sized(library: dict[str, Leaflet], code: str) -> None:
    text = library[code].texts["en"]
    words = len(PLACEHOLDER_RE.sub("X", text).split())
    assert 250 <= words <= 450, words
    shape = outline(text)
    assert shape[0] == (1, 0)  # the title, then an intro paragraph
    sections = shape[1:]
    assert 3 <= len(sections) <= 7
    assert all(level == 2 and bullets >= 2 for level, bullets in sections)
    # The last section says where to get help and uses the MRC's own contacts.
    help_section = text.split("\n## ")[-1]
    assert "[[MRC_NAME]]" in help_section and "[[MRC_HOTLINE]]" in help_section


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_text_is_in_the_expected_script(library: dict[str, Leaflet], code: str, lang: str) -> None:
    text = library[code].texts[lang]
    assert share_in(text, SCRIPT[lang]) >= 0.8
    assert share_in(library[code].titles[lang], SCRIPT[lang]) >= 0.8


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_translation_leaves_no_english_behind(library: dict[str, Leaflet], code: str,
                                              lang: str) -> None:
    """Stricter than the script share: Latin letters appear only inside placeholders."""
    assert re.findall(r"[A-Za-z]+", PLACEHOLDER_RE.sub("", library[code].texts[lang])) == []


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_translation_has_the_shape_of_the_english(library: dict[str, Leaflet], code: str,
                                                  lang: str) -> None:
    leaflet = library[code]
    assert outline(leaflet.texts[lang]) == outline(leaflet.texts["en"])
    assert leaflet.texts[lang].count("**") == leaflet.texts["en"].count("**")


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_translation_uses_the_same_placeholders(library: dict[str, Leaflet], code: str,
                                                lang: str) -> None:
    leaflet = library[code]
    assert leaflet.placeholders(lang) == leaflet.placeholders("en")
    # … and each as often: a translator must not drop one of two mentions.
    for name in leaflet.placeholders("en"):
        token = f"[[{name}]]"
        assert leaflet.texts[lang].count(token) == leaflet.texts["en"].count(token), name


@pytest.mark.parametrize("code", CODES)
def test_language_specific_letters(library: dict[str, Leaflet], code: str) -> None:
    texts = library[code].texts
    used = {lang: set(letters(texts[lang])) for lang in LANGUAGES}
    assert len(used["ps"] & PASHTO_ONLY) >= 3
    assert len(used["ckb"] & SORANI_ONLY) >= 3
    assert len(used["ur"] & URDU_ONLY) >= 3 and {"ے", "ں"} <= used["ur"]
    assert not used["fa_AF"] & (PASHTO_ONLY | URDU_ONLY | SORANI_ONLY)
    assert not used["ur"] & (PASHTO_ONLY | SORANI_ONLY)
    assert not used["ckb"] & (PASHTO_ONLY | URDU_ONLY)
    assert not used["ps"] & (URDU_ONLY | SORANI_ONLY)
    for lang in ("fa_AF", "ur", "ckb"):
        assert not used[lang] & ARABIC_FORMS, lang
    assert not used["ps"] & (ARABIC_FORMS - {"ي"})
    assert not used["ar"] & (PERSIAN_FORMS | PASHTO_ONLY | URDU_ONLY | SORANI_ONLY)
    # Urdu writes h as ہ/ھ, not the Arabic ه; Sorani writes the vowel e as ە.
    assert "ه" not in used["ur"]
    assert "ە" in used["ckb"]


@pytest.mark.parametrize("code", CODES)
def test_last_line_states_review_date_and_version(library: dict[str, Leaflet], code: str) -> None:
    leaflet = library[code]
    for lang in LANGUAGES:
        last = leaflet.texts[lang].strip().splitlines()[-1]
        assert leaflet.reviewed.isoformat() in last, lang
        assert leaflet.version in last, lang
    assert leaflet.reviewed >= date(2026, 11, 1)  # the starter library's first review


@pytest.mark.parametrize("code", CODES)
def test_no_phone_numbers_or_web_addresses(code: str) -> None:
    for path in sorted((LIBRARY_DIR / code).iterdir()):
        text = ISO_DATE_RE.sub("", path.read_text(encoding="utf-8"))
        assert not PHONE_RE.search(text), (path.name, PHONE_RE.search(text))
        assert not URL_RE.search(text), (path.name, URL_RE.search(text))


def test_checks_catch_what_they_look_for() -> None:
    """The detectors above really detect: a test that cannot fail proves nothing."""
    assert PHONE_RE.search("call 0300 1234567")
    assert PHONE_RE.search("٠٣٠٠١٢٣٤٥٦٧")
    assert PHONE_RE.search("০১৭১১-২২৩৩৪৪")
    assert not PHONE_RE.search(ISO_DATE_RE.sub("", "2026-11-16 · 1.0, 45 °C, 3 %"))
    assert URL_RE.search("see www.example.org") and URL_RE.search("mail info@mrc.gov.pk")
    assert share_in("Hello [[MRC_NAME]]", ARABIC_BLOCKS) == 0
    assert share_in("سلام [[MRC_NAME]]", ARABIC_BLOCKS) == 1

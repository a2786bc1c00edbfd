"""fill_placeholders puts an MRC's own details into a leaflet: known values are escaped so
they read as plain text in Markdown and HTML; a placeholder without a value stays visible."""

from __future__ import annotations

import html
import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from mrc.leaflets.library import (
    PLACEHOLDERS,
    escape_value,
    fill_placeholders,
    load_library,
    missing_placeholders,
    outline,
    placeholders_in,
)

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
TEXT = "# Help\n\n- [[MRC_NAME]], hotline [[MRC_HOTLINE]], open [[MRC_HOURS]].\n"


def render(markdown: str) -> str:
    return MarkdownIt("commonmark").render(markdown)


def unescape(value: str) -> str:
    """What a reader sees: backslash escapes and HTML entities undone."""
    return html.unescape(re.sub(r"\\(.)", r"\1", value))


def test_known_values_are_filled() -> None:
    filled = fill_placeholders(TEXT, {"MRC_NAME": "MRC Islamabad", "MRC_HOURS": "Sun to Thu"})
    assert "MRC Islamabad" in filled and "Sun to Thu" in filled
    assert "[[MRC_NAME]]" not in filled


def test_a_placeholder_without_a_value_stays_visible() -> None:
    filled = fill_placeholders(TEXT, {"MRC_NAME": "MRC Dhaka", "MRC_HOURS": "   "})
    assert "[[MRC_HOTLINE]]" in filled  # not given
    assert "[[MRC_HOURS]]" in filled  # blank counts as not given
    assert missing_placeholders(TEXT, {"MRC_NAME": "MRC Dhaka", "MRC_HOURS": " "}) == {
        "MRC_HOTLINE", "MRC_HOURS"}
    assert missing_placeholders(TEXT, dict.fromkeys(PLACEHOLDERS, "x")) == frozenset()


def test_values_for_names_the_text_does_not_use_are_ignored() -> None:
    assert fill_placeholders("no placeholders", {"MRC_NAME": "x"}) == "no placeholders"


def test_html_in_a_value_is_not_markup() -> None:
    filled = fill_placeholders(TEXT, {"MRC_NAME": '<script>alert("x")</script> & <b>co</b>'})
    page = render(filled)
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page


def test_markdown_in_a_value_is_not_syntax() -> None:
    value = "[click](javascript:alert(1)) **bold** _x_ `code`"
    page = render(fill_placeholders(TEXT, {"MRC_NAME": value}))
    assert "<a " not in page and "<strong>" not in page and "<em>" not in page
    assert "<code>" not in page
    assert "[click](javascript:alert(1)) **bold** _x_ `code`" in html.unescape(page)


def test_a_value_cannot_break_the_leaflet_structure() -> None:
    value = "Centre\n\n# Fake heading\n- fake bullet\n1. item"
    filled = fill_placeholders(TEXT, {"MRC_NAME": value})
    assert outline(filled) == outline(TEXT)
    assert "<h1>Fake" not in render(filled)


def test_replacement_is_a_single_pass() -> None:
    filled = fill_placeholders(TEXT, {"MRC_NAME": "[[MRC_HOTLINE]]", "MRC_HOTLINE": "0000"})
    assert placeholders_in(filled) == {"MRC_HOURS"}  # the value was escaped, not expanded
    assert unescape(filled).count("[[MRC_HOTLINE]]") == 1


def test_bidi_controls_and_control_characters_are_dropped_but_zwnj_kept() -> None:
    assert escape_value("abc\u202edef\x07") == "abcdef"
    assert escape_value("می\u200cشود") == "می\u200cشود"  # Persian needs the ZWNJ


def test_placeholders_fill_in_right_to_left_texts() -> None:
    [leaflet] = [x for x in load_library() if x.code == "L01-regular-pathways"]
    values = dict.fromkeys(PLACEHOLDERS, "مرکز")
    for lang in leaflet.languages:
        filled = fill_placeholders(leaflet.texts[lang], values)
        assert placeholders_in(filled) == frozenset()
        assert outline(filled) == outline(leaflet.texts[lang])


@given(st.text())
def test_an_escaped_value_reads_back_as_itself_on_one_line(value: str) -> None:
    escaped = escape_value(value)
    assert "\n" not in escaped and "\r" not in escaped
    assert "<" not in escaped and ">" not in escaped
    # Whitespace runs become one space; control and bidi-override characters are dropped;
    # everything else reads back unchanged.
    expected = "".join(ch for ch in " ".join(value.split())
                       if unicodedata.category(ch) != "Cc" and ch not in BIDI_CONTROLS)
    assert unescape(escaped) == expected


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_a_filled_value_renders_as_text_only(value: str) -> None:
    page = render(fill_placeholders("Contact: [[MRC_NAME]]\n", {"MRC_NAME": value}))
    # One paragraph, no element made from the value.
    assert re.findall(r"<(\w+)", page) == ["p"]

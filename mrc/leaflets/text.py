"""A leaflet's text for print and for reading online: the MRC details that fill its
placeholders (from the MRC's structured hotline, address and opening hours), its Markdown as HTML (raw HTML, links and images off: nothing in a leaflet
may make the PDF renderer fetch a file or a URL) and the direction of its languages."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from mrc.config import RTL_LOCALES
from mrc.leaflets.library import PLACEHOLDER_RE, fill_placeholders
from mrc.org.contact import ContactCard, contact_card

# First-strong isolate / pop directional isolate. Each placeholder (filled or not) is
# isolated, so "0300 1234567" or "MRC Lahore, Lahore" keeps its own order inside an
# Urdu or Arabic sentence. Pango (WeasyPrint's text layout) and browsers honour these
# characters; WeasyPrint does not isolate <bdi> elements, which is why markup is not used.
FSI, PDI = "\u2068", "\u2069"

# Private-use characters (never in a leaflet or a value: both are stripped of them) mark
# open placeholders through markdown-it; they become <span class="unfilled">.
_OPEN, _CLOSE = "\ue000", "\ue001"


@dataclass(frozen=True)
class MrcDetails:
    """What a leaflet prints about the MRC that hands it out. Plain values, so rendering
    needs no database (jobs pass an MRC id and build this from the row): the hotline in
    E.164 and, per language, the address and opening hours as ``(locale, text)`` pairs."""

    code: str
    name: str
    city: str = ""
    hotline: str = ""
    addresses: tuple[tuple[str, str], ...] = ()
    opening_hours: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, mrc: Any) -> MrcDetails:
        """From an ``mrc.org.models.MRC`` row."""
        rows = sorted(mrc.contact_texts, key=lambda row: row.locale)
        return cls(code=mrc.code, name=mrc.name, city=mrc.city or "", hotline=mrc.hotline or "",
                   addresses=tuple((r.locale, r.address) for r in rows if r.address),
                   opening_hours=tuple((r.locale, r.opening_hours) for r in rows
                                       if r.opening_hours))

    def contact(self, lang: str) -> ContactCard:
        """The hotline, address and opening hours to print in ``lang`` (each text falls
        back to English, then to any language that has one)."""
        texts: dict[str, dict[str, str]] = {}
        for name, pairs in (("address", self.addresses), ("opening_hours", self.opening_hours)):
            for locale, text in pairs:
                texts.setdefault(locale, {})[name] = text
        return contact_card(self.hotline, texts, lang)

    def contact_lines(self, lang: str) -> tuple[str, ...]:
        """The contact block under the MRC's name: address lines, hotline, opening hours."""
        card = self.contact(lang)
        address = card.address.text.splitlines() if card.address else []
        lines = [*address, card.hotline_display, card.opening_hours.text if card.opening_hours
                 else ""]
        return tuple(line.strip() for line in lines if line.strip())

    def placeholder_values(self, lang: str = "en") -> dict[str, str]:
        """Values for the MRC's own placeholders in a leaflet in ``lang``.

        ``MRC_NAME`` is the name, ``MRC_HOTLINE`` the hotline, ``MRC_ADDRESS`` and
        ``MRC_HOURS`` the address (else the city) and opening hours in the leaflet's
        language where the MRC has them. A detail the MRC has not given stays open, as do
        the national placeholders (authorities, embassies…), which are not MRC details.
        """
        card = self.contact(lang)
        values = {"MRC_NAME": self.name}
        if card.hotline:
            values["MRC_HOTLINE"] = card.hotline_display
        if card.address:
            values["MRC_ADDRESS"] = ", ".join(
                line.strip() for line in card.address.text.splitlines() if line.strip())
        elif self.city.strip():
            values["MRC_ADDRESS"] = self.city.strip()
        if card.opening_hours:
            values["MRC_HOURS"] = card.opening_hours.text
        return values


def text_direction(text: str) -> str:
    """"rtl" or "ltr" from the first strongly directional character (like dir="auto")."""
    for char in text:
        bidi = unicodedata.bidirectional(char)
        if bidi in ("R", "AL"):
            return "rtl"
        if bidi == "L":
            return "ltr"
    return "ltr"


def language_direction(lang: str) -> str:
    """"rtl" for the right-to-left interface languages, else "ltr"."""
    return "rtl" if lang in RTL_LOCALES else "ltr"


def language_tag(lang: str) -> str:
    """BCP 47 tag for a ``lang`` attribute (fa_AF → fa-AF)."""
    return lang.replace("_", "-")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    # A leaflet has headings, paragraphs, lists and emphasis. Links, images and reference
    # definitions are switched off: ![x](file:///etc/passwd) stays visible text.
    md.disable(["image", "link", "autolink", "reference", "html_inline", "html_block"])
    return md


def leaflet_body_html(text: str, values: Mapping[str, str]) -> Markup:
    """The text of a leaflet without its title line, as HTML, with placeholders filled
    from ``values`` (escaped by ``fill_placeholders``) and each isolated for bidi; those
    left open are wrapped in ``<span class="unfilled">``. Whatever a value holds, it is
    text: the structure of the HTML is the same as with any other value."""
    lines = text.strip().split("\n", 1)
    body = lines[1] if len(lines) > 1 and lines[0].startswith("# ") else text
    body = body.replace(_OPEN, "").replace(_CLOSE, "")
    clean = {name: value.replace(_OPEN, "").replace(_CLOSE, "")
             for name, value in values.items()}

    def isolate(match: re.Match[str]) -> str:
        if (clean.get(match.group(1)) or "").strip():
            return FSI + match.group(0) + PDI
        return FSI + _OPEN + match.group(0) + _CLOSE + PDI

    html = _markdown().render(fill_placeholders(PLACEHOLDER_RE.sub(isolate, body), clean))
    html = html.replace(_OPEN, '<span class="unfilled">').replace(_CLOSE, "</span>")
    return Markup(html)  # noqa: S704  (markdown-it output with raw HTML off)


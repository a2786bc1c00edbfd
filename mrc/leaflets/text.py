"""A leaflet's text for print and for reading online: the MRC details that fill its
placeholders, its Markdown as HTML (raw HTML, links and images off: nothing in a leaflet
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

# First-strong isolate / pop directional isolate. Each placeholder (filled or not) is
# isolated, so "0300 1234567" or "MRC Lahore, Lahore" keeps its own order inside an
# Urdu or Arabic sentence. Pango (WeasyPrint's text layout) and browsers honour these
# characters; WeasyPrint does not isolate <bdi> elements, which is why markup is not used.
FSI, PDI = "\u2068", "\u2069"

# Contact lines such as "Hotline: 0800 12345" fill the matching placeholder.
_CONTACT_LABELS: Mapping[str, tuple[str, ...]] = {
    "MRC_ADDRESS": ("address",),
    "MRC_HOTLINE": ("hotline", "helpline", "phone", "telephone", "tel"),
    "MRC_HOURS": ("hours", "opening hours", "open"),
}
_LABELLED_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z .]*?)\s*:\s*(\S.*)$")
_PHONE = re.compile(r"\+?\d[\d ()/-]*\d")
_MIN_PHONE_DIGITS = 6
# Private-use characters (never in a leaflet or a value: both are stripped of them) mark
# open placeholders through markdown-it; they become <span class="unfilled">.
_OPEN, _CLOSE = "\ue000", "\ue001"


@dataclass(frozen=True)
class MrcDetails:
    """What a leaflet prints about the MRC that hands it out. Plain values, so rendering
    needs no database (jobs pass an MRC id and build this from the row)."""

    code: str
    name: str
    city: str = ""
    contact: str = ""

    @classmethod
    def of(cls, mrc: Any) -> MrcDetails:
        """From an ``mrc.org.models.MRC`` row."""
        return cls(code=mrc.code, name=mrc.name, city=mrc.city or "", contact=mrc.contact or "")

    @property
    def contact_lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.contact.splitlines() if line.strip())

    def placeholder_values(self) -> dict[str, str]:
        """Values for the MRC's own placeholders.

        ``MRC_NAME`` is the name. A contact line labelled ``Address:``, ``Hotline:``
        (``Phone:``, ``Tel:``) or ``Hours:`` fills the matching placeholder. Without such a
        line the hotline is the first telephone-like number in the contact block and the
        address is the city; the opening hours are only taken from a labelled line. The
        national placeholders (authorities, embassies…) are not MRC details and stay open.
        """
        values = {"MRC_NAME": self.name}
        for line in self.contact_lines:
            labelled = _LABELLED_LINE.match(line)
            if not labelled:
                continue
            label = labelled.group(1).strip().lower()
            for name, labels in _CONTACT_LABELS.items():
                if label in labels and name not in values:
                    values[name] = labelled.group(2).strip()
        if "MRC_HOTLINE" not in values:
            for match in _PHONE.finditer(self.contact):
                if sum(ch.isdigit() for ch in match.group(0)) >= _MIN_PHONE_DIGITS:
                    values["MRC_HOTLINE"] = match.group(0).strip()
                    break
        if "MRC_ADDRESS" not in values and self.city.strip():
            values["MRC_ADDRESS"] = self.city.strip()
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


"""Leaflets for print (PDF, A4 or A5) and for reading online (HTML).

A leaflet text (Markdown from ``leaflets/``) is rendered by markdown-it with raw HTML,
links and images switched off: a leaflet is text, and nothing in it may make the PDF
renderer fetch a file or a URL. The MRC handing the leaflet out fills the placeholders
(``MrcDetails.placeholder_values``); the ones it cannot fill stay visibly ``[[MARKED]]``.
The article template (``templates/leaflets/_article.html``) adds the title, the MRC's name
and contact block, a QR code pointing to the leaflet online and a version line; the print
template (``templates/leaflets/print.html``, with ``mrc/static/leaflet-print.css``) lays it
out on A4 or A5 pages, and WeasyPrint writes the PDF through ``RestrictedURLFetcher``: the
app's own static files, the Noto font folder and ``data:`` URIs, nothing else: no other
``file:`` path and no network.

Fonts come from fontconfig (Debian ``fonts-noto-core``): Noto Naskh Arabic for Dari,
Pashto, Arabic and Sorani, Noto Nastaliq Urdu for Urdu, Noto Sans Bengali for Bengali and
Noto Sans for English and for Latin letters in any text.

The template strings of a leaflet are translated into the leaflet's language, not the
reader's interface language (``force_locale``).
"""

from __future__ import annotations

import mimetypes
import multiprocessing
import os
import re
import resource
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from urllib.request import url2pathname

import segno
from flask import current_app, has_app_context
from flask_babel import force_locale
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import select
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from mrc.config import RTL_LOCALES
from mrc.leaflets.library import (
    LANGUAGES,
    LIBRARY_DIR,
    PLACEHOLDER_RE,
    Leaflet,
    fill_placeholders,
    load_library,
)

PAGE_SIZES: tuple[str, ...] = ("A5", "A4")
DEFAULT_PUBLIC_URL = "http://localhost:5000"
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
FONT_DIRS: tuple[Path, ...] = (Path("/usr/share/fonts/truetype/noto"),)
PRINT_TEMPLATE = "leaflets/print.html"
ARTICLE_TEMPLATE = "leaflets/_article.html"

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


class RefusedURL(ValueError):
    """The PDF renderer asked for something outside the allow-list."""


class RenderError(RuntimeError):
    """A leaflet could not be rendered (for example, its HTML asked for a refused URL)."""


# --- the MRC on the leaflet ------------------------------------------------------------

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


# --- text ------------------------------------------------------------------------------

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


def public_url(code: str, lang: str, mrc_code: str | None = None,
               base_url: str | None = None) -> str:
    """Absolute URL of a leaflet online (what the QR code on the printed leaflet holds):
    ``{MRC_PUBLIC_URL}/leaflets/{code}/{lang}``, with ``?mrc=`` for the MRC's own block."""
    base = (base_url or configured_public_url()).rstrip("/")
    url = f"{base}/leaflets/{quote(code, safe='')}/{quote(lang, safe='')}"
    if mrc_code:
        url += f"?mrc={quote(mrc_code, safe='')}"
    return url


def configured_public_url() -> str:
    if has_app_context():
        return str(current_app.config.get("MRC_PUBLIC_URL") or DEFAULT_PUBLIC_URL)
    return DEFAULT_PUBLIC_URL


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as an SVG ``data:`` URI (error correction M, quiet zone 4)."""
    qr = segno.make_qr(url, error="m")
    return str(qr.svg_data_uri(border=4, dark="#000", light="#fff"))


# --- the library -----------------------------------------------------------------------

@lru_cache(maxsize=4)
def cached_library(path: str = str(LIBRARY_DIR)) -> tuple[Leaflet, ...]:
    """The library on disk, read once per process (edit leaflets, then restart)."""
    return tuple(load_library(path))


def available_leaflets() -> list[Leaflet]:
    """The library on disk without the leaflets an admin withdrew from the catalogue
    (``active`` false). Leaflets not yet synced to the catalogue are available."""
    from mrc.extensions import db
    from mrc.leaflets.models import Leaflet as CatalogueRow

    withdrawn = set(db.session.scalars(
        select(CatalogueRow.code).where(CatalogueRow.active.is_(False))))
    return [item for item in cached_library() if item.code not in withdrawn]


def library_leaflet(code: str) -> Leaflet:
    """A leaflet of the library on disk by code, withdrawn or not (no database)."""
    found = next((item for item in cached_library() if item.code == code), None)
    if found is None:
        raise LookupError(f"unknown leaflet {code!r}")
    return found


def find_leaflet(code: str) -> Leaflet | None:
    """An available leaflet by code (None if unknown or withdrawn)."""
    return next((item for item in available_leaflets() if item.code == code), None)


@dataclass(frozen=True)
class PdfSpec:
    leaflet: Leaflet
    lang: str
    size: str

    @property
    def file_name(self) -> str:
        return pdf_file_name(self.leaflet.code, self.lang, self.size)


def pdf_file_name(code: str, lang: str, size: str) -> str:
    """``L01-regular-pathways_ur_A5.pdf``."""
    return f"{code}_{lang}_{size}.pdf"


def select_pdfs(codes: Sequence[str] | None = None, langs: Sequence[str] | None = None,
                sizes: Sequence[str] | None = None,
                library: Sequence[Leaflet] | None = None) -> list[PdfSpec]:
    """Leaflet × language × size to render; an empty or missing selection means all.
    Raises ``LookupError`` naming an unknown code, language or size."""
    leaflets = list(library if library is not None else cached_library())
    known = {item.code for item in leaflets}
    unknown = [code for code in codes or () if code not in known]
    unknown += [lang for lang in langs or () if lang not in LANGUAGES]
    unknown += [size for size in sizes or () if size not in PAGE_SIZES]
    if unknown:
        raise LookupError(f"unknown leaflet, language or page size: {', '.join(unknown)}")
    return [PdfSpec(item, lang, size)
            for item in leaflets if not codes or item.code in codes
            for lang in LANGUAGES if (not langs or lang in langs) and lang in item.texts
            for size in PAGE_SIZES if not sizes or size in sizes]


# --- HTML ------------------------------------------------------------------------------

def _context(leaflet: Leaflet, lang: str, mrc: MrcDetails | None,
             base_url: str | None) -> dict[str, Any]:
    if lang not in leaflet.texts:
        raise LookupError(f"{leaflet.code} has no {lang} text")
    values = mrc.placeholder_values() if mrc else {}
    online = public_url(leaflet.code, lang, mrc.code if mrc else None, base_url)
    return {
        "leaflet": leaflet,
        "lang": lang,
        "tag": language_tag(lang),
        "dir": language_direction(lang),
        "title": leaflet.titles[lang],
        "body": leaflet_body_html(leaflet.texts[lang], values),
        "mrc": mrc,
        "mrc_lines": [(line, text_direction(line))
                      for line in ([mrc.name, mrc.city, *mrc.contact_lines] if mrc else [])
                      if line],
        "online_url": online,
        "qr": qr_data_uri(online),
    }


def article_html(leaflet: Leaflet, lang: str, mrc: MrcDetails | None, *,
                 base_url: str | None = None, show_qr: bool = True) -> Markup:
    """The leaflet as an ``<article lang dir>`` (for the online page), its template
    strings in the leaflet's language. Needs an app context."""
    context = _context(leaflet, lang, mrc, base_url)
    template = current_app.jinja_env.get_template(ARTICLE_TEMPLATE)
    with force_locale(lang):
        return Markup(template.render(show_qr=show_qr, **context))  # noqa: S704


def print_html(leaflet: Leaflet, lang: str, size: str, mrc: MrcDetails | None, *,
               base_url: str | None = None) -> str:
    """The whole print document (what WeasyPrint lays out). Needs an app context."""
    if size not in PAGE_SIZES:
        raise LookupError(f"unknown page size {size!r}")
    context = _context(leaflet, lang, mrc, base_url)
    template = current_app.jinja_env.get_template(PRINT_TEMPLATE)
    with force_locale(lang):
        return template.render(size=size, show_qr=True, **context)


# --- PDF -------------------------------------------------------------------------------

class RestrictedURLFetcher(URLFetcher):
    """WeasyPrint's fetcher, restricted: ``data:`` URIs, and ``file:`` URLs of files inside
    the allowed folders (the app's static files and the Noto fonts). Anything else, other
    ``file:`` paths (also through ``..`` or symbolic links), ``http(s):``, ``ftp:``…,
    raises ``RefusedURL``, and with ``fail_on_errors`` the rendering stops."""

    def __init__(self, roots: Iterable[Path] = (STATIC_DIR, *FONT_DIRS)) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False,
                         fail_on_errors=True, timeout=1)
        self.roots = tuple(Path(root).resolve() for root in roots)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self.allowed_path(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        raise RefusedURL(f"refused to fetch {url[:100]!r}: only the app's static files, "
                         "fonts and data: URIs")

    def allowed_path(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"refused to fetch {url[:100]!r}: not a local file")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_file() or not any(path.is_relative_to(root) for root in self.roots):
            raise RefusedURL(f"refused to fetch {url[:100]!r}: outside the allowed folders")
        return path


def html_to_pdf(html: str) -> bytes:
    """Lay out a print document; relative URLs resolve against the static folder, and
    every fetch goes through ``RestrictedURLFetcher``."""
    try:
        document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/",
                        url_fetcher=RestrictedURLFetcher())
        # Tagged PDF: a structure tree and reading order for screen readers.
        pdf = document.write_pdf(pdf_tags=True)
    except FatalURLFetchingError as exc:  # a BaseException: must not escape job runners
        raise RenderError(str(exc)) from None
    return bytes(pdf)


def render_leaflet(leaflet: Leaflet, lang: str, size: str, mrc: MrcDetails | None, *,
                   base_url: str | None = None) -> bytes:
    """One leaflet in one language as a PDF (A4 or A5), with ``mrc``'s name and contact
    block and placeholders, or a neutral block when ``mrc`` is None."""
    return html_to_pdf(print_html(leaflet, lang, size, mrc, base_url=base_url))


def write_leaflet(leaflet: Leaflet, lang: str, size: str, mrc: MrcDetails | None,
                  directory: Path, *, base_url: str | None = None) -> Path:
    """Render into ``directory/L01-…_ur_A5.pdf``, written under a temporary name first."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / pdf_file_name(leaflet.code, lang, size)
    partial = directory / f".partial-{target.name}"
    partial.write_bytes(render_leaflet(leaflet, lang, size, mrc, base_url=base_url))
    os.replace(partial, target)
    return target


def render_many(specs: Sequence[PdfSpec], mrc: MrcDetails | None, *,
                base_url: str | None = None,
                progress: Callable[[int, int, PdfSpec], None] | None = None,
                ) -> Iterator[tuple[PdfSpec, bytes]]:
    """Render each selected PDF in turn, calling ``progress(done, total, spec)`` after it."""
    for done, spec in enumerate(specs, start=1):
        pdf = render_leaflet(spec.leaflet, spec.lang, spec.size, mrc, base_url=base_url)
        if progress is not None:
            progress(done, len(specs), spec)
        yield spec, pdf


# --- many PDFs in several processes ----------------------------------------------------

@dataclass(frozen=True)
class Rendered:
    path: Path
    seconds: float  # wall time of this PDF in its process
    worker_pid: int
    worker_peak_rss_kib: int  # peak resident memory of that process so far


def _worker_start(public_url: str) -> None:
    # A rendering app: templates and translations; it never opens its (empty) database.
    from mrc import create_app
    from mrc.config import Config

    create_app(Config(database_url="sqlite://", public_url=public_url)).app_context().push()


def _worker_render(task: tuple[str, str, str, MrcDetails | None, str]) -> Rendered:
    code, lang, size, mrc, directory = task
    started = time.perf_counter()
    path = write_leaflet(library_leaflet(code), lang, size, mrc, Path(directory))
    return Rendered(path, time.perf_counter() - started, os.getpid(),
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def render_in_processes(specs: Sequence[PdfSpec], mrc: MrcDetails | None, directory: Path, *,
                        processes: int = 2, base_url: str | None = None,
                        progress: Callable[[int, int, Rendered], None] | None = None,
                        ) -> list[Rendered]:
    """Write the PDFs into ``directory`` with ``processes`` fresh worker processes (spawned,
    so nothing of the caller, such as database connections, is shared). WeasyPrint holds
    the GIL while it lays out, so threads would not help; processes use every core."""
    public = base_url or configured_public_url()
    tasks = [(spec.leaflet.code, spec.lang, spec.size, mrc, str(directory)) for spec in specs]
    results: list[Rendered] = []
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes, initializer=_worker_start, initargs=(public,)) as pool:
        for result in pool.imap_unordered(_worker_render, tasks):
            results.append(result)
            if progress is not None:
                progress(len(results), len(tasks), result)
        pool.close()
        pool.join()
    return results

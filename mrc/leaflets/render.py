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

The text and the MRC's details are in :mod:`mrc.leaflets.text`, the PDF writer and its
fetcher in :mod:`mrc.leaflets.pdf`, the library on offer and the selection of PDFs in
:mod:`mrc.leaflets.selection`; this module puts them together and is the one the pages,
jobs and commands use.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import segno
from flask import current_app, has_app_context
from flask_babel import force_locale
from markupsafe import Markup

from mrc.config import Config
from mrc.leaflets.library import Leaflet
from mrc.leaflets.pdf import (
    FONT_DIRS,
    STATIC_DIR,
    RefusedURL,
    RenderError,
    RestrictedURLFetcher,
    html_to_pdf,
)
from mrc.leaflets.selection import (
    PAGE_SIZES,
    PdfSpec,
    available_leaflets,
    cached_library,
    find_leaflet,
    library_leaflet,
    pdf_file_name,
    select_pdfs,
)
from mrc.leaflets.text import (
    FSI,
    PDI,
    MrcDetails,
    language_direction,
    language_tag,
    leaflet_body_html,
    text_direction,
)
from mrc.settings import settings

__all__ = [
    "ARTICLE_TEMPLATE", "DEFAULT_PUBLIC_URL", "FONT_DIRS", "FSI", "PAGE_SIZES", "PDI",
    "PRINT_TEMPLATE", "STATIC_DIR", "MrcDetails", "PdfSpec", "RefusedURL", "RenderError",
    "Rendered", "RestrictedURLFetcher", "article_html", "available_leaflets",
    "cached_library", "configured_public_url", "find_leaflet", "html_to_pdf",
    "language_direction", "language_tag", "leaflet_body_html", "library_leaflet",
    "pdf_file_name", "print_html", "public_url", "qr_data_uri", "render_in_processes",
    "render_leaflet", "render_many", "select_pdfs", "text_direction", "write_leaflet",
]

# Outside an application (a script rendering without one), the configured default.
DEFAULT_PUBLIC_URL = Config.public_url
PRINT_TEMPLATE = "leaflets/print.html"
ARTICLE_TEMPLATE = "leaflets/_article.html"


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
    """The running application's ``MRC_PUBLIC_URL`` (the default without one)."""
    if has_app_context():
        return settings().public_url or DEFAULT_PUBLIC_URL
    return DEFAULT_PUBLIC_URL


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as an SVG ``data:`` URI (error correction M, quiet zone 4)."""
    qr = segno.make_qr(url, error="m")
    return str(qr.svg_data_uri(border=4, dark="#000", light="#fff"))


# --- HTML ------------------------------------------------------------------------------

def _context(leaflet: Leaflet, lang: str, mrc: MrcDetails | None,
             base_url: str | None) -> dict[str, Any]:
    if lang not in leaflet.texts:
        raise LookupError(f"{leaflet.code} has no {lang} text")
    values = mrc.placeholder_values(lang) if mrc else {}
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
                      for line in ([mrc.name, mrc.city, *mrc.contact_lines(lang)] if mrc else [])
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
    """One PDF written by a worker process, with what it cost (for the benchmark)."""

    path: Path
    seconds: float  # wall time of this PDF in its process
    worker_pid: int
    worker_peak_rss_kib: int  # peak resident memory of that process so far


def _worker_start(public_url: str) -> None:
    # A rendering app: templates and translations; it never opens its (empty) database.
    from mrc import create_app

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

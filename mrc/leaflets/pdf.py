"""Leaflet PDFs through WeasyPrint, with a restricted URL fetcher: the app's own static
files, the Noto font folder and ``data:`` URIs, nothing else: no other ``file:`` path and
no network."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
FONT_DIRS: tuple[Path, ...] = (Path("/usr/share/fonts/truetype/noto"),)


class RefusedURL(ValueError):
    """The PDF renderer asked for something outside the allow-list."""


class RenderError(RuntimeError):
    """A leaflet could not be rendered (for example, its HTML asked for a refused URL)."""


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

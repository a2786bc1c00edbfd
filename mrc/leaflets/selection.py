"""Which leaflets are on offer and which PDFs a render makes: the library on disk (read
once per process), without the leaflets an admin withdrew, and the selection of leaflet ×
language × page size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select

from mrc.leaflets.library import LANGUAGES, LIBRARY_DIR, Leaflet, load_library

PAGE_SIZES: tuple[str, ...] = ("A5", "A4")


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
    """One PDF to render: a leaflet in one language on one page size."""

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

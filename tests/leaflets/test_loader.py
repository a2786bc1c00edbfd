"""load_library refuses a malformed leaflet with an error that names the file and the
problem; a valid library round-trips into the catalogue."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from mrc.extensions import db
from mrc.leaflets import services as stock
from mrc.leaflets.library import LANGUAGES, LIBRARY_DIR, LeafletError, load_library
from mrc.leaflets.models import Leaflet as LeafletRow

SOURCE = LIBRARY_DIR / "L01-regular-pathways"


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A library holding one real leaflet, copied so each test can break it."""
    shutil.copytree(SOURCE, tmp_path / SOURCE.name)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_valid_copy_loads(library: Path) -> None:
    [leaflet] = load_library(library)
    assert leaflet.code == "L01-regular-pathways"
    assert leaflet.topic == "regular_pathways"
    assert leaflet.destinations == ()
    assert leaflet.version == "1.0"
    assert leaflet.reviewed == date(2026, 11, 16)
    assert leaflet.languages == LANGUAGES
    assert "MRC_HOTLINE" in leaflet.placeholders("ur")


def test_folders_without_meta_are_not_leaflets(library: Path) -> None:
    (library / "print-template").mkdir()
    (library / "README.md").write_text("# notes\n", encoding="utf-8")
    assert [x.code for x in load_library(library)] == ["L01-regular-pathways"]


Breakage = Callable[[Path], None]


def _meta(old: str, new: str) -> Breakage:
    return lambda leaflet: edit(leaflet / "meta.toml", old, new)


BROKEN: dict[str, tuple[Breakage, str]] = {
    "unknown topic": (_meta('topic = "regular_pathways"', 'topic = "tourism"'),
                      "unknown topic 'tourism'"),
    "not a country": (_meta("destinations = []", 'destinations = ["XX"]'),
                      "'XX' is not an ISO 3166 country code"),
    "lower-case country": (_meta("destinations = []", 'destinations = ["sa"]'),
                           "not an upper-case ISO 3166 alpha-2 code"),
    "country twice": (_meta("destinations = []", 'destinations = ["SA", "SA"]'),
                      "listed twice"),
    "destinations not a list": (_meta("destinations = []", 'destinations = "SA"'),
                                "must be a list"),
    "bad version": (_meta('version = "1.0"', 'version = "one"'), "is not like"),
    "review is a string": (_meta("reviewed = 2026-11-16", 'reviewed = "2026-11-16"'),
                           "is not a TOML date"),
    "review is a datetime": (_meta("reviewed = 2026-11-16", "reviewed = 2026-11-16T10:00:00"),
                             "is not a TOML date"),
    "code differs from folder": (_meta('code = "L01-regular-pathways"', 'code = "L01-other"'),
                                 "differs from the folder name"),
    "unknown key": (_meta('version = "1.0"', 'version = "1.0"\nauthor = "me"'),
                    "unknown keys author"),
    "missing key": (_meta('version = "1.0"\n', ""), "missing keys version"),
    "title missing a language": (_meta('\nps = "', '\nxx_ps = "'), "[title] lacks ps"),
    "not TOML": (_meta("[title]", "[title"), "cannot read"),
    "missing language file": (lambda leaflet: (leaflet / "ckb.md").unlink(),
                              "the ckb text is missing"),
    "extra language file": (lambda leaflet: (leaflet / "de.md").write_text("# x\n", encoding="utf-8"),
                            "unknown languages: de.md"),
    "unknown placeholder": (lambda leaflet: edit(leaflet / "bn.md", "[[MRC_HOURS]]", "[[MRC_EMAIL]]"),
                            "unknown placeholders MRC_EMAIL"),
    "malformed placeholder": (lambda leaflet: edit(leaflet / "ar.md", "[[MRC_HOURS]]", "[[mrc_hours]]"),
                              "malformed placeholder"),
    "unclosed placeholder": (lambda leaflet: edit(leaflet / "ps.md", "[[MRC_HOURS]]", "[[MRC_HOURS]"),
                             "malformed placeholder"),
    "title differs from meta": (lambda leaflet: edit(leaflet / "fa_AF.md", "# رفتن", "# سفر"),
                                "first line must be the title"),
    "empty text": (lambda leaflet: (leaflet / "ur.md").write_text("\n", encoding="utf-8"),
                   "the text is empty"),
    "not UTF-8": (lambda leaflet: (leaflet / "en.md").write_bytes("# caf\xe9".encode("latin-1")),
                  "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_malformed_leaflet_is_refused_with_a_clear_message(library: Path, case: str) -> None:
    breakage, message = BROKEN[case]
    breakage(library / SOURCE.name)
    with pytest.raises(LeafletError) as caught:
        load_library(library)
    assert message in str(caught.value)
    assert SOURCE.name in str(caught.value)  # the message says which leaflet


def test_a_folder_name_that_is_not_a_code_is_refused(library: Path) -> None:
    (library / SOURCE.name).rename(library / "regular pathways")
    with pytest.raises(LeafletError, match="not a leaflet code"):
        load_library(library)


def test_a_code_folder_without_meta_is_refused(library: Path) -> None:
    (library / "L02-empty").mkdir()
    with pytest.raises(LeafletError, match="meta.toml is missing"):
        load_library(library)


def test_two_leaflets_cannot_share_a_number(library: Path) -> None:
    twin = library / "L01-twin"
    shutil.copytree(library / SOURCE.name, twin)
    edit(twin / "meta.toml", 'code = "L01-regular-pathways"', 'code = "L01-twin"')
    with pytest.raises(LeafletError, match="L01 is already used"):
        load_library(library)


def test_a_missing_library_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LeafletError, match="not found"):
        load_library(tmp_path / "nowhere")


def test_the_library_syncs_into_the_catalogue(app: object) -> None:
    leaflets = load_library()
    assert stock.sync_catalogue(leaflets) == len(leaflets)
    rows = {row.code: row for row in db.session.scalars(select(LeafletRow))}
    for leaflet in leaflets:
        row = rows[leaflet.code]
        assert row.topic == leaflet.topic
        assert row.version == leaflet.version
        assert row.reviewed == leaflet.reviewed
        assert row.destinations == ",".join(leaflet.destinations)
        assert set(row.languages.split(",")) == set(LANGUAGES)
    assert rows["L08-saudi-arabia-guide"].destinations == "SA"

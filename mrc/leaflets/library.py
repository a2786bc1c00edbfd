"""The leaflet library on disk: one folder per leaflet (``leaflets/L01-regular-pathways/``)
holding ``meta.toml`` and one Markdown file per language (``en.md``, ``fa_AF.md`` …).

Pure Python: no Flask app, no database. ``load_library`` reads and validates the whole
library and raises ``LeafletError`` naming the file and the problem, so a malformed leaflet
is caught before it is synced to the catalogue (``mrc.leaflets.services.sync_catalogue``)
or printed. ``fill_placeholders`` puts an MRC's own contact details into a text.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pycountry

from mrc.cases.vocab import TOPICS
from mrc.config import SUPPORTED_LOCALES

LIBRARY_DIR = Path(__file__).resolve().parents[2] / "leaflets"

# Every leaflet exists in every interface language.
LANGUAGES: tuple[str, ...] = SUPPORTED_LOCALES
TOPIC_CODES = frozenset(code for code, _label in TOPICS)

# Each MRC fills these in (see leaflets/README.md); nothing else may appear in [[…]].
PLACEHOLDERS: Mapping[str, str] = MappingProxyType({
    "MRC_NAME": "Name of the Migrant Resource Centre",
    "MRC_ADDRESS": "Street address of the MRC",
    "MRC_HOTLINE": "Telephone or hotline of the MRC",
    "MRC_HOURS": "Opening days and hours of the MRC",
    "EMIGRATION_AUTHORITY": "National authority that registers departing workers and licenses recruiters",
    "PROTECTOR_OFFICE": "Nearest office where departing workers register and complain about recruiters",
    "LICENSED_AGENCY_REGISTER": "Where the official list of licensed recruitment agencies can be checked",
    "WELFARE_FUND": "Welfare fund or board for workers abroad and their families",
    "ANTI_TRAFFICKING_HOTLINE": "National anti-trafficking hotline or protection service",
    "REINTEGRATION_SERVICE": "Reintegration programme or service for returnees",
    "EMBASSY_CONTACT": "Embassy, consulate or labour attaché of the country of origin abroad",
    "DESTINATION_LABOUR_COMPLAINTS": "Labour complaint channel of the destination country",
    "DESTINATION_EMERGENCY_NUMBER": "Police and ambulance number of the destination country",
})

CODE_RE = re.compile(r"^L(\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$")
PLACEHOLDER_RE = re.compile(r"\[\[([A-Z][A-Z0-9_]*)\]\]")
VERSION_RE = re.compile(r"\d+\.\d+")
META_KEYS = frozenset({"code", "topic", "destinations", "version", "reviewed", "title"})

# Characters a Markdown renderer could read as syntax; CommonMark lets any of them be
# escaped with a backslash. & < > " ' become HTML entities instead.
_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|~:=")
_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
# Embedding, override and isolate controls could reorder the text around a value.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class LeafletError(ValueError):
    """The library on disk is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Leaflet:
    code: str
    topic: str
    destinations: tuple[str, ...]  # ISO 3166 alpha-2; empty = any destination
    version: str
    reviewed: date
    titles: Mapping[str, str] = field(hash=False)  # language → title
    texts: Mapping[str, str] = field(hash=False)  # language → Markdown source

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in LANGUAGES if lang in self.texts)

    def placeholders(self, lang: str = "en") -> frozenset[str]:
        return placeholders_in(self.texts[lang])


def placeholders_in(text: str) -> frozenset[str]:
    """Names of the ``[[NAME]]`` placeholders used in a text."""
    return frozenset(PLACEHOLDER_RE.findall(text))


def outline(text: str) -> tuple[tuple[int, int], ...]:
    """The shape of a leaflet text: for each heading, its level and the number of bullets
    under it. Translations of one leaflet have the same outline."""
    shape: list[list[int]] = []
    for line in text.splitlines():
        stripped = line.strip()
        heading = re.match(r"^(#{1,6}) ", stripped)
        if heading:
            shape.append([len(heading.group(1)), 0])
        elif stripped.startswith(("- ", "* ")) and shape:
            shape[-1][1] += 1
    return tuple((level, bullets) for level, bullets in shape)


def escape_value(value: str) -> str:
    """Make a value safe to put inside Markdown that is rendered to HTML: it reads as plain
    text, cannot open a link, tag, heading or list, and stays on one line."""
    out: list[str] = []
    for char in " ".join(value.split()):
        if char in _HTML_ENTITIES:
            out.append(_HTML_ENTITIES[char])
        elif char in _MARKDOWN_SPECIALS:
            out.append("\\" + char)
        elif char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc":
            continue
        else:
            out.append(char)
    return "".join(out)


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """Replace each ``[[NAME]]`` whose value is given (and not blank) by the escaped value.

    A placeholder without a value is left as it is, so an unfilled leaflet shows
    ``[[MRC_HOTLINE]]`` rather than a gap. Replacement is a single pass: a value that itself
    contains ``[[…]]`` is escaped, never expanded.
    """

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value is None or not value.strip():
            return match.group(0)
        return escape_value(value)

    return PLACEHOLDER_RE.sub(replace, text)


def missing_placeholders(text: str, values: Mapping[str, str]) -> frozenset[str]:
    """Placeholders of a text that ``fill_placeholders`` would leave unfilled."""
    return frozenset(name for name in placeholders_in(text)
                     if not (values.get(name) or "").strip())


def load_library(path: Path | str = LIBRARY_DIR) -> list[Leaflet]:
    """Every leaflet under ``path`` (a folder holding ``meta.toml``), sorted by code.

    Raises ``LeafletError`` if any leaflet is malformed: a folder name that is not a code,
    unknown or missing metadata, an unknown topic or country code, a missing language, a
    text whose title differs from ``meta.toml`` or that uses an unknown placeholder.
    """
    root = Path(path)
    if not root.is_dir():
        raise LeafletError(f"{root}: leaflet library folder not found")
    leaflets: list[Leaflet] = []
    numbers: dict[str, str] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        match = CODE_RE.match(folder.name)
        if not (folder / "meta.toml").is_file():
            if match:
                raise LeafletError(f"{folder}: meta.toml is missing")
            continue  # not a leaflet (e.g. the print template's folder)
        if not match:
            raise LeafletError(f"{folder}: folder name is not a leaflet code like L01-topic-words")
        if match.group(1) in numbers:
            raise LeafletError(f"{folder}: number L{match.group(1)} is already used by "
                               f"{numbers[match.group(1)]}")
        numbers[match.group(1)] = folder.name
        leaflets.append(load_leaflet(folder))
    return leaflets


def load_leaflet(folder: Path) -> Leaflet:
    """One leaflet folder, validated (see ``load_library``)."""
    meta_path = folder / "meta.toml"
    meta = _read_meta(meta_path)
    fail = partial(_at, meta_path)

    code = meta["code"]
    if code != folder.name:
        raise fail(f"code {code!r} differs from the folder name {folder.name!r}")
    topic = meta["topic"]
    if not isinstance(topic, str) or topic not in TOPIC_CODES:
        raise fail(f"unknown topic {topic!r}; expected one of {', '.join(sorted(TOPIC_CODES))}")
    destinations = _destinations(meta["destinations"], fail)
    version = meta["version"]
    if not isinstance(version, str) or not VERSION_RE.fullmatch(version):
        raise fail(f"version {version!r} is not like \"1.0\"")
    reviewed = meta["reviewed"]
    if type(reviewed) is not date:  # a TOML datetime is a date subclass: refuse it too
        raise fail(f"reviewed {reviewed!r} is not a TOML date like 2026-11-16")
    titles = _titles(meta["title"], fail)
    texts = _read_texts(folder, titles)
    return Leaflet(code=code, topic=topic, destinations=destinations, version=version,
                   reviewed=reviewed, titles=MappingProxyType(titles),
                   texts=MappingProxyType(texts))


def _read_meta(meta_path: Path) -> dict[str, Any]:
    """``meta.toml`` parsed, with exactly the keys of :data:`META_KEYS`."""
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LeafletError(f"{meta_path}: cannot read: {exc}") from exc
    unknown = sorted(set(meta) - META_KEYS)
    if unknown:
        raise _at(meta_path, f"unknown keys {', '.join(unknown)}")
    missing = sorted(META_KEYS - set(meta))
    if missing:
        raise _at(meta_path, f"missing keys {', '.join(missing)}")
    return meta


def _read_texts(folder: Path, titles: Mapping[str, str]) -> dict[str, str]:
    """The text of every language, each checked; no text in another language."""
    texts: dict[str, str] = {}
    for lang in LANGUAGES:
        text_path = folder / f"{lang}.md"
        try:
            text = text_path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise _at(text_path, f"the {lang} text is missing") from exc
        except UnicodeDecodeError as exc:
            raise _at(text_path, "not UTF-8") from exc
        _check_text(text, titles[lang], partial(_at, text_path))
        texts[lang] = text
    extra = sorted(p.name for p in folder.glob("*.md") if p.stem not in LANGUAGES)
    if extra:
        raise _at(folder, f"texts in unknown languages: {', '.join(extra)}")
    return texts


def _at(where: Path, message: str) -> LeafletError:
    return LeafletError(f"{where}: {message}")


def _destinations(value: Any, fail: Callable[[str], LeafletError]) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise fail("destinations must be a list of ISO 3166 alpha-2 codes ([] = any)")
    seen: list[str] = []
    for item in value:
        if not isinstance(item, str) or not re.fullmatch(r"[A-Z]{2}", item):
            raise fail(f"destination {item!r} is not an upper-case ISO 3166 alpha-2 code")
        try:
            country = pycountry.countries.get(alpha_2=item)
        except KeyError:  # older pycountry raises instead of returning None
            country = None
        if country is None:
            raise fail(f"destination {item!r} is not an ISO 3166 country code")
        if item in seen:
            raise fail(f"destination {item!r} is listed twice")
        seen.append(item)
    return tuple(seen)


def _titles(value: Any, fail: Callable[[str], LeafletError]) -> dict[str, str]:
    if not isinstance(value, dict):
        raise fail("[title] must be a table with one title per language")
    missing = [lang for lang in LANGUAGES if not str(value.get(lang) or "").strip()]
    if missing:
        raise fail(f"[title] lacks {', '.join(missing)}")
    extra = sorted(set(value) - set(LANGUAGES))
    if extra:
        raise fail(f"[title] has unknown languages {', '.join(extra)}")
    return {lang: str(value[lang]).strip() for lang in LANGUAGES}


def _check_text(text: str, title: str, fail: Callable[[str], LeafletError]) -> None:
    if not text.strip():
        raise fail("the text is empty")
    first = text.strip().splitlines()[0].strip()
    if first != f"# {title}":
        raise fail(f"first line must be the title from meta.toml: '# {title}'")
    unknown = sorted(placeholders_in(text) - set(PLACEHOLDERS))
    if unknown:
        raise fail(f"unknown placeholders {', '.join(unknown)}; "
                   f"known: {', '.join(PLACEHOLDERS)}")
    leftover = PLACEHOLDER_RE.sub("", text)
    if "[[" in leftover or "]]" in leftover:
        raise fail("malformed placeholder: use [[NAME]] with upper-case ASCII letters, "
                   "digits and underscores")

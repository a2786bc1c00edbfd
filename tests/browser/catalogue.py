"""The English source strings of the catalogues, as patterns that recognise them on a page.

A message with placeholders (``"Client %(code)s"``) becomes a pattern (``Client (.+?)``), so
that a formatted English string is recognised as well as a plain one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"

_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|%%")
# A message must have a word of its own (not only placeholders and punctuation) to be
# recognisable: "%(a)s, %(b)s" would match any text at all.
_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class Message:
    msgid: str
    pattern: re.Pattern[str] | None  # None: no placeholders, compare the text exactly

    def matches(self, text: str) -> bool:
        if self.pattern is None:
            return text == self.msgid
        return self.pattern.fullmatch(text) is not None


def _normalise(text: str) -> str:
    return " ".join(text.split())


# Placeholders that always stand for a number match digits (of any script) only, so that
# "%(num)s events" does not claim "Estimated reach of media events".
_NUMERIC_NAMES = {"num", "n", "count", "total", "days", "minutes", "size", "k", "year",
                  "percent", "added", "skipped", "row", "rows", "page", "pages", "wave"}
_NUMBER = r"([\d\s.,+\-\u066b\u066c\u060c]+?)"


def _placeholder_pattern(placeholder: str) -> str:
    name = placeholder[2:-2] if placeholder.startswith("%(") else ""
    return _NUMBER if name in _NUMERIC_NAMES else "(.+?)"


def message(msgid: str) -> Message | None:
    """The recogniser of one English msgid, or None when it has nothing to recognise."""
    msgid = _normalise(msgid)
    literal = _PLACEHOLDER.sub(" ", msgid)
    if not _WORD.search(literal):
        return None
    if not _PLACEHOLDER.search(msgid):
        return Message(msgid, None)
    parts: list[str] = []
    last = 0
    for found in _PLACEHOLDER.finditer(msgid):
        parts.append(re.escape(msgid[last:found.start()]).replace(r"\ ", r"\s+"))
        parts.append("%" if found.group() == "%%" else _placeholder_pattern(found.group()))
        last = found.end()
    parts.append(re.escape(msgid[last:]).replace(r"\ ", r"\s+"))
    return Message(msgid, re.compile("".join(parts), re.DOTALL))


class Messages:
    """A set of English messages; ``match(text)`` is the msgid the text is an instance of."""

    def __init__(self, messages: list[Message]) -> None:
        self.exact = {m.msgid for m in messages if m.pattern is None}
        self.patterns = [m for m in messages if m.pattern is not None]

    def match(self, text: str) -> str | None:
        if text in self.exact:
            return text
        return next((m.msgid for m in self.patterns if m.matches(text)), None)

    def __len__(self) -> int:
        return len(self.exact) + len(self.patterns)


@dataclass(frozen=True)
class Catalogue:
    translated: Messages  # a translation exists (and differs from the English)
    untranslated: Messages  # the translators have not got to it yet


def _pot_ids() -> set[str]:
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        ids: set[str] = set()
        for entry in read_po(handle):
            if entry.id:
                ids.update((entry.id,) if isinstance(entry.id, str) else entry.id)
        return ids


@cache
def catalogue(locale: str) -> Catalogue:
    """Which English strings of the .pot have a translation in ``locale``'s .po."""
    pot = _pot_ids()
    translated: list[Message] = []
    untranslated: list[Message] = []
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        entries = list(read_po(handle))
    for entry in entries:
        if not entry.id:
            continue
        ids = (entry.id,) if isinstance(entry.id, str) else tuple(entry.id)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        done = not entry.fuzzy and all(strings)
        renderings = {_normalise(str(s)) for s in strings}
        for msgid in ids:
            found = message(msgid) if msgid in pot else None
            if found is None:
                continue
            if not done:
                untranslated.append(found)
            elif found.msgid not in renderings:
                # A translation identical to the English ("SMS") is no sign of a problem.
                translated.append(found)
    return Catalogue(Messages(translated), Messages(untranslated))

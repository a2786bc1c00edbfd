"""A pseudo-translation of every message: "Log in" becomes "⟦Ļöĝ îñ⟧".

Served as the English catalogue, it makes every string that goes through gettext at request
time recognisable on the page; what is still plain ASCII English was never looked up (a
missing ``_()``, or a lazy string turned into text too early).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from tests.browser.catalogue import ROOT

_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
# Placeholders stay as they are, or formatting would break.
_KEEP = re.compile(r"(%\(\w+\)[sdif]|%[sdif]|%%)")


def pseudo(text: str) -> str:
    parts = _KEEP.split(text)
    return "⟦" + "".join(p if _KEEP.fullmatch(p) else p.translate(_ACCENTED) for p in parts) + "⟧"


def build(target: Path, locale: str = "en") -> Path:
    """Write and compile a pseudo catalogue as ``locale`` under ``target``, of the messages in
    the code as it is now (a stale .pot is the catalogue test's business, not this one's)."""
    pot = target / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract",
                    "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(pot),
                    "--omit-header", "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale=locale, fuzzy=False)
    for entry in template:
        if not entry.id:
            continue
        if isinstance(entry.id, tuple):
            string: str | tuple[str, ...] = (pseudo(entry.id[0]), pseudo(entry.id[1]))
        else:
            string = pseudo(entry.id)
        catalog.add(entry.id, string, flags=entry.flags)
    po = target / locale / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    with po.open("wb") as handle:
        write_po(handle, catalog)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "--quiet", "compile",
                    "-d", str(target), "-l", locale], check=True, capture_output=True)
    return target

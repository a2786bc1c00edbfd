"""Translation catalogues are complete and current: `make test` fails when the .pot is
stale, when a supported catalogue has untranslated or fuzzy entries, or when msgfmt
--check finds a problem (placeholders that do not match, bad plural forms)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from mrc.config import SUPPORTED_LOCALES

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "translations"
LOCALES = [loc for loc in SUPPORTED_LOCALES if loc != "en"]


def _ids(path: Path) -> set[object]:
    with path.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_pot_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(fresh),
                    "--no-location", "--sort-output", "--omit-header", "."],  # as `make i18n`
                   cwd=ROOT, check=True, capture_output=True)
    committed = _ids(TRANSLATIONS / "messages.pot")
    current = _ids(fresh)
    assert not current - committed, f"run `make i18n`: new strings {sorted(map(str, current - committed))[:10]}"
    assert not committed - current, f"run `make i18n`: stale strings {sorted(map(str, committed - current))[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete(locale: str) -> None:
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    assert _ids(path) == _ids(TRANSLATIONS / "messages.pot"), "catalogue not updated from the .pot"
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            fuzzy.append(message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(message.id)
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_msgfmt_check(locale: str) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        from tests.conftest import service_missing

        service_missing("msgfmt not found (apt-get install gettext)")
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    result = subprocess.run([str(msgfmt), "--check", "-o", "/dev/null", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


_CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_forms_follow_cldr(locale: str) -> None:
    """The catalogue's gettext plural expression picks, for every count, the form CLDR
    assigns (forms in CLDR order: zero, one, two, few, many, other — those the language has)."""
    from gettext import c2py  # the C-expression parser gettext itself uses

    from babel import Locale

    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    cldr = Locale.parse(locale).plural_form
    categories = [c for c in _CLDR_ORDER if c in cldr.tags | {"other"}]
    assert catalog.num_plurals == len(categories), (catalog.plural_forms, categories)
    plural = c2py(catalog.plural_expr)
    for n in range(0, 1001):
        assert categories[plural(n)] == cldr(n), f"n={n}: {catalog.plural_forms}"


def test_no_accidental_format_specifiers() -> None:
    """A bare "%" before a letter ("95 % interval", "% of") reads as a format specifier to
    msgfmt and forces translators to keep it: messages use named placeholders only, and a
    percent sign stands where no conversion letter follows it ("(%)", "%%")."""
    import re

    accidental = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        catalog = read_po(handle)
    bad = []
    for message in catalog:
        for msgid in message.id if isinstance(message.id, tuple) else (message.id,):
            rest = re.sub(r"%\(\w+\)[sdif]|%%", "", msgid or "")
            if accidental.search(rest):
                bad.append(msgid)
    assert not bad, bad

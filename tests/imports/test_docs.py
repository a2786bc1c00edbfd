"""docs/import-formats.md documents every column and code, and its examples import."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mrc.cases import vocab
from mrc.imports.kinds import SPECS

DOC = Path(__file__).resolve().parents[2] / "docs" / "import-formats.md"
VOCABULARIES = (vocab.SEX, vocab.MIGRANT_STATUS, vocab.EDUCATION, vocab.EMPLOYMENT,
                vocab.CHANNEL, vocab.SESSION_LANGUAGE, vocab.TOPICS, vocab.REFERRALS,
                vocab.INTENTION, vocab.LOCATION_STATUS, vocab.ATTEMPT_METHOD,
                *vocab.CONTEXT_FIELDS.values())


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_every_column_is_documented(kind: str) -> None:
    text = doc_text()
    section = text.split(f"\n## {kind}\n", 1)[1].split("\n## ", 1)[0]
    for column in SPECS[kind].columns:
        row = re.search(rf"^\| `{column.name}` \|(.*)$", section, re.MULTILINE)
        assert row, f"{kind}.{column.name} is not documented"
        assert ("**required**" in row.group(1)) == column.required, column.name


def test_every_code_is_documented() -> None:
    text = doc_text()
    for vocabulary in VOCABULARIES:
        for code in vocab.codes(vocabulary):
            assert f"`{code}`" in text, code


def test_the_examples_import(run_import) -> None:
    examples = re.findall(r"```csv\n(.*?)```", doc_text(), re.DOTALL)
    assert len(examples) == 5
    for kind, example in zip(("clients", "sessions", "followups", "outreach", "comparison"),
                             examples, strict=True):
        result = run_import(kind, example.encode())
        assert result.ok, (kind, result.errors)
        assert result.added == example.strip().count("\n")

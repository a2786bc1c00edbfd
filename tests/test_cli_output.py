"""The data-printing commands write their data, and nothing else, to standard output.

Scripts and ministry systems read ``mrc aggregates``, ``mrc impact`` and ``mrc report
--output -`` from a pipe, so these tests run the real console script in a subprocess (a
library that prints on file descriptor 1, as HiGHS does with its banner, bypasses any
in-process capture) on a committed demo database of its own, and parse stdout strictly.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import migrated_instance

DEMO_DAY = "2026-10-15"
MRC_CLI = [sys.executable, "-m", "mrc"]


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    env = migrated_instance(tmp_path_factory.mktemp("cli-output"))
    subprocess.run([*MRC_CLI, "demo", "--seed", "3", "--clients", "300", "--comparison", "100",
                    "--today", DEMO_DAY], env=env, check=True, capture_output=True)
    yield env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run([*MRC_CLI, *args], env=env, capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    return result


def test_the_solver_prints_nothing_on_stdout() -> None:
    code = ("from mrc.privacy.suppression_audit import new_highs\n"
            "new_highs(); new_highs()\nprint('only this')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    assert result.stdout == b"only this\n"


@pytest.mark.parametrize("breakdown", ["destination", "sex"])
def test_aggregates_json_parses_strictly(demo_env: dict[str, str], breakdown: str) -> None:
    suppression = {**demo_env, "MRC_DISCLOSURE_METHOD": "suppression"}
    out = run(suppression, "aggregates", "--scope", "all", "--period", "2026",
              "--breakdown", breakdown, "--format", "json").stdout
    tables = json.loads(out.decode("utf-8"))  # raises on any stray line before or after
    assert {"sessions", "clients"} <= {table["key"] for table in tables}
    # The demo is small enough that suppression had to protect cells with complementary
    # ones (a row with two or more hidden cells and a published total): the solver ran.
    protected = [row for table in tables for row in table["rows"]
                 if sum(row["suppressed"]) >= 2 and not row["suppressed"][-1]]
    assert protected


def test_aggregates_csv_parses_strictly(demo_env: dict[str, str]) -> None:
    out = run(demo_env, "aggregates", "--scope", "all", "--period", "2026",
              "--breakdown", "destination", "--format", "csv").stdout.decode("utf-8")
    # Tables one after the other: a title line, the header and rows, then a blank line.
    blocks = out.rstrip("\n").split("\n\n")
    assert len(blocks) > 5
    for block in blocks:
        title_line, _, body = block.partition("\n")
        [title] = list(csv.reader(io.StringIO(title_line), strict=True))
        assert len(title) == 1 and title[0] and "HiGHS" not in title[0]
        rows = list(csv.reader(io.StringIO(body), strict=True))
        assert len(rows) >= 2 and rows[0][0] == ""  # the header row: a corner, then columns
        assert all(len(row) == len(rows[0]) for row in rows), title


def test_impact_csv_and_json_parse_strictly(demo_env: dict[str, str]) -> None:
    data = json.loads(run(demo_env, "impact", "--scope", "all", "--format", "json").stdout)
    assert data["threshold"] == 5 and data["lines"]
    assert {line["design"] for line in data["lines"]} >= {"before_after"}
    out = run(demo_env, "impact", "--scope", "all", "--format", "csv").stdout.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(out), strict=True))
    assert len(rows) == len(data["lines"])
    assert rows[0]["outcome"] == data["lines"][0]["outcome"]


def test_report_csv_to_stdout_parses_strictly(demo_env: dict[str, str]) -> None:
    result = run(demo_env, "report", "--scope", "all", "--quarter", "2026-Q3",
                 "--format", "csv", "--output", "-")
    text = result.stdout.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), strict=True))
    assert len(rows) > 10
    assert not list(Path(demo_env["MRC_INSTANCE_DIR"]).glob(".partial-*"))

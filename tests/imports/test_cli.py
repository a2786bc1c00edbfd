"""``mrc import KIND FILE.csv [--mrc CODE]``."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from mrc.cases.models import Client, CounsellingSession
from mrc.extensions import db
from tests.imports.conftest import CLIENT_HEADER, DATA, client_line, csv_text


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["mrc", "import", *args])


def clients() -> int:
    return db.session.scalar(select(func.count()).select_from(Client)) or 0


def test_import_prints_a_summary(app, network) -> None:
    result = run(app, "clients", str(DATA / "clients_good.csv"), "--mrc", "PK-ISB")
    assert result.exit_code == 0, result.output
    assert "clients: 5 added, 0 already imported (skipped)." in result.stdout
    result = run(app, "sessions", str(DATA / "sessions_good.csv"), "--mrc", "pk-isb")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(CounsellingSession)) == 6
    result = run(app, "clients", str(DATA / "clients_good.csv"), "--mrc", "PK-ISB")
    assert "clients: 0 added, 5 already imported (skipped)." in result.stdout
    assert clients() == 5


def test_rows_naming_their_mrc_need_no_option(app, network, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(csv_text("mrc," + CLIENT_HEADER, "IQ-EBL," + client_line("A")))
    result = run(app, "clients", str(path))
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(Client)).one().mrc_id == network["IQ-EBL"].id


def test_errors_are_listed_and_nothing_is_written(app, network) -> None:
    result = run(app, "clients", str(DATA / "clients_50_one_bad.csv"), "--mrc", "PK-ISB")
    assert result.exit_code == 1
    assert "row 28, column birth_year: Enter a whole number." in result.stderr
    assert "1 problem found; nothing was imported." in result.stderr
    assert clients() == 0


def test_the_system_needs_an_mrc(app, network) -> None:
    result = run(app, "clients", str(DATA / "clients_50_one_bad.csv"))
    assert result.exit_code == 1
    assert "row 2, column mrc: Name the MRC of this row" in result.stderr
    assert "51 problems found" in result.stderr
    assert clients() == 0


def test_unknown_mrc_option(app, network) -> None:
    result = run(app, "clients", str(DATA / "clients_good.csv"), "--mrc", "ZZ-NOPE")
    assert result.exit_code == 1
    assert "Unknown MRC code ZZ-NOPE." in result.output
    assert clients() == 0


def test_undecodable_file(app, network, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((CLIENT_HEADER + "\n" + client_line(phone="café")).encode("cp1252"))
    result = run(app, "clients", str(path), "--mrc", "PK-ISB")
    assert result.exit_code == 1
    assert "row 2: The file is not UTF-8 text" in result.stderr


def test_unknown_kind(app, network) -> None:
    result = run(app, "pets", str(DATA / "clients_good.csv"))
    assert result.exit_code == 2

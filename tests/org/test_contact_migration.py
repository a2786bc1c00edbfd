"""Migration a1c2e3f40001 moves the old free-text contact block into the English address
(the demo placeholder is dropped) and back on downgrade. Runs on its own SQLite file; the
PostgreSQL pass upgrades its database through this migration in the ``app`` fixture."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from mrc import create_app
from tests.conftest import make_config

PLACEHOLDER = "[MRC hotline] · [opening hours]"


@pytest.mark.skipif(os.environ.get("MRC_TEST_DB", "sqlite") != "sqlite",
                    reason="uses a separate SQLite file")
def test_contact_block_becomes_the_english_address(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrate.sqlite'}"
    app = create_app(make_config(url))
    engine = sa.create_engine(url)
    with app.app_context():
        upgrade(revision="9b4e7c1d2a60")
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO region (id, code, name) VALUES (1, 'R', 'R')"))
            conn.execute(sa.text("INSERT INTO country (id, code, name, region_id) "
                                 "VALUES (1, 'PK', 'Pakistan', 1)"))
            for mrc_id, contact in ((1, "12 Mall Road\nHotline 051 1234567"),
                                    (2, PLACEHOLDER), (3, "")):
                conn.execute(sa.text(
                    "INSERT INTO mrc (id, code, name, city, contact, country_id, active) "
                    "VALUES (:id, :code, 'MRC', '', :contact, 1, 1)"),
                    {"id": mrc_id, "code": f"PK-X{mrc_id}", "contact": contact})
        upgrade(revision="a1c2e3f40001")
        with engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT mrc_id, locale, address, opening_hours FROM mrc_contact_text")).all()
            assert [tuple(r) for r in rows] == [
                (1, "en", "12 Mall Road\nHotline 051 1234567", "")]
            assert conn.execute(sa.text("SELECT DISTINCT contact, hotline FROM mrc")).all() == [
                ("", "")]
        downgrade(revision="9b4e7c1d2a60")
        with engine.connect() as conn:
            restored = conn.execute(sa.text("SELECT id, contact FROM mrc ORDER BY id")).all()
            assert [tuple(r) for r in restored] == [
                (1, "12 Mall Road\nHotline 051 1234567"), (2, ""), (3, "")]
    engine.dispose()

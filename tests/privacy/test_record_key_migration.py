"""Migrations f6b7c8090006, a7b8c90a0007 and b8c90a1b0008 give every existing client, session,
referral and comparison respondent a record key and, once the upgrade reaches the head, rebuild the summaries with their key
sums. Runs on its own SQLite file; the PostgreSQL pass upgrades its database through these
migrations in the ``app`` fixture (an empty database: the key columns and the rebuild still
run)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from mrc import create_app
from mrc.aggregates import summaries
from mrc.demo.services import load_demo
from mrc.extensions import db
from tests.conftest import make_config

BEFORE = "e5a6b7080005"


@pytest.mark.skipif(os.environ.get("MRC_TEST_DB", "sqlite") != "sqlite",
                    reason="uses a separate SQLite file")
def test_existing_records_get_keys_and_the_summaries_their_key_sums(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrate.sqlite'}"
    app = create_app(make_config(url))
    with app.app_context():
        upgrade()
        load_demo(2, 60, comparison=20)
        db.session.commit()
        db.session.remove()
        downgrade(revision=BEFORE)
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("client")}
            assert "record_key" not in columns
        upgrade()
        with engine.connect() as conn:
            # Referrals got theirs in a7b8c90a0007, respondents in b8c90a1b0008 (downgraded
            # and upgraded again here too).
            for table, least in (("client", 50), ("counselling_session", 50), ("referral", 1),
                                 ("comparison_respondent", 20)):
                count, distinct, low, high = conn.execute(sa.text(
                    f"SELECT count(*), count(DISTINCT record_key), min(record_key), "  # noqa: S608
                    f"max(record_key) FROM {table}")).one()
                assert count >= least and distinct > 0.99 * count, table
                assert 0 <= low <= high < 2**31 and (count == 1 or low < high), table
            session_keys = conn.execute(sa.text(
                "SELECT sum(record_key) FROM counselling_session "
                "WHERE deleted_at IS NULL")).scalar()
            stored_keys = conn.execute(sa.text(
                "SELECT sum(sessions_key) FROM agg_session_month WHERE dim = 'all'")).scalar()
            assert stored_keys == session_keys
        engine.dispose()
        assert summaries.stored() == summaries.recompute()
        db.session.remove()

"""The fault suite: real servers on loopback, stopped, killed or starved mid-work, and
what must hold afterwards (nothing lost, nothing half-written, a clear message, recovery).

Tests marked ``postgres_only`` (tests/conftest.py) run in the PostgreSQL pass of ``make test``
and are reported as skipped, with the reason, in the SQLite pass: they run real workers or
a server of their own, which the SQLite pass would only repeat more slowly.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade

from mrc import create_app
from mrc.extensions import db
from tests.conftest import make_config
from tests.services import extra_database

TIMEOUT = 2  # seconds of silence before a running job counts as abandoned


@contextmanager
def committed_jobs_app(database_url: str, redis_url: str,
                       outputs: Path) -> Iterator[tuple[Flask, dict[str, str]]]:
    """An app on a database of its own (workers are other processes: they see only what is
    committed) and the environment for its ``mrc worker`` processes."""
    name = "mrc_fault_" + uuid.uuid4().hex[:8]
    with extra_database(database_url, name) as url:
        jobs_app = create_app(make_config(url, REDIS_URL=redis_url, MRC_OUTPUT_DIR=str(outputs),
                                          MRC_JOB_HEARTBEAT_TIMEOUT=TIMEOUT,
                                          PROPAGATE_EXCEPTIONS=False))
        with jobs_app.app_context():
            upgrade()
            db.session.remove()
        env = dict(os.environ, DATABASE_URL=url, REDIS_URL=redis_url, MRC_OUTPUT_DIR=str(outputs),
                   MRC_ENV="development", MRC_JOB_HEARTBEAT_TIMEOUT=str(TIMEOUT))
        try:
            yield jobs_app, env
        finally:
            with jobs_app.app_context():
                db.session.remove()
                db.engine.dispose()


def partials(outputs: Path) -> list[Path]:
    """Temporary (half-written) outputs left in the output folder."""
    return sorted(outputs.glob(".partial-*"))

"""A job whose worker died (SIGKILL of the worker and its work horse, a machine restart) is
found by its silence, marked failed and offered for a retry, instead of showing "running"
forever; the retry runs it again, once."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from mrc import create_app
from mrc.extensions import db
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from tests.conftest import make_config
from tests.jobs.test_jobs import _new_job, _retry_with_worker, _start_worker, _stop, _wait_for
from tests.services import extra_database

TIMEOUT = 2  # seconds of silence before a running job counts as abandoned


def _running_job(user_id: int, silent_for: float) -> Job:
    job = jobs.create_job("selftest", {"steps": 1}, user_id=user_id)
    started = datetime.now(UTC) - timedelta(seconds=silent_for)
    job.state, job.progress, job.started_at, job.heartbeat_at = "running", 5, started, started
    db.session.flush()
    return job


def test_a_silent_running_job_is_failed_and_offered_again(app, make_user, login) -> None:
    owner = make_user("admin", mrc=None)
    dead = _running_job(owner.id, silent_for=app.config["MRC_JOB_HEARTBEAT_TIMEOUT"] + 5)
    alive = _running_job(owner.id, silent_for=1)
    client = login(owner)
    page = client.get(f"/jobs/{dead.id}").get_data(as_text=True)
    assert "Try again" in page and 'http-equiv="refresh"' not in page
    db.session.refresh(dead)
    assert dead.state == "failed" and dead.message == jobs.ABANDONED
    still = client.get(f"/jobs/{alive.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in still
    db.session.refresh(alive)
    assert alive.state == "running"


def test_a_job_beating_through_its_progress_is_not_abandoned(app) -> None:
    job = _running_job(user_id=None, silent_for=0)  # type: ignore[arg-type]
    assert jobs.fail_abandoned(job.id) == 0
    job.heartbeat_at = None  # a job that never beat: judged by when it started
    job.started_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.flush()
    assert jobs.fail_abandoned(job.id) == 1


@pytest.fixture(scope="module")
def quick_env(database_url, redis_url, tmp_path_factory) -> Iterator[tuple[Flask, dict[str, str]]]:
    name = "mrc_abandoned_" + uuid.uuid4().hex[:8]
    with extra_database(database_url, name) as url:
        outputs = tmp_path_factory.mktemp("outputs")
        jobs_app = create_app(make_config(url, REDIS_URL=redis_url, MRC_OUTPUT_DIR=str(outputs),
                                          MRC_JOB_HEARTBEAT_TIMEOUT=TIMEOUT))
        with jobs_app.app_context():
            upgrade()
        import os

        env = dict(os.environ, DATABASE_URL=url, REDIS_URL=redis_url,
                   MRC_OUTPUT_DIR=str(outputs), MRC_ENV="development",
                   MRC_JOB_HEARTBEAT_TIMEOUT=str(TIMEOUT))
        yield jobs_app, env
        with jobs_app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(autouse=False)
def _no_transaction():
    """These tests commit for real in their own database."""


def test_a_killed_worker_job_fails_by_silence_and_a_retry_finishes_it(quick_env) -> None:
    jobs_app, env = quick_env
    outputs = Path(env["MRC_OUTPUT_DIR"])
    worker = _start_worker(env)
    try:
        # Steps longer than the timeout: only the worker's heartbeat thread keeps it alive.
        job_id = _new_job(jobs_app, steps=3, delay=TIMEOUT * 1.5)
        _wait_for(jobs_app, job_id, lambda j: j.state == "running")
        time.sleep(TIMEOUT * 1.2)
        with jobs_app.app_context():
            assert jobs.fail_abandoned(job_id) == 0, "a live job was taken for dead"
            db.session.rollback()
    finally:
        _stop(worker)  # SIGKILL the worker and its work horse mid-job
    time.sleep(TIMEOUT + 0.5)
    with jobs_app.app_context():
        assert jobs.fail_abandoned(job_id) == 1
        db.session.commit()
    failed = _wait_for(jobs_app, job_id, lambda j: True)
    assert failed.state == "failed" and failed.message == jobs.ABANDONED
    assert not (outputs / f"selftest-{job_id}.txt").exists()

    done = _retry_with_worker(jobs_app, env, job_id, {"steps": 2, "delay": 0.0})
    assert done.state == "finished" and done.attempts == 2
    assert (outputs / done.result_file).read_text().count("step") == 2

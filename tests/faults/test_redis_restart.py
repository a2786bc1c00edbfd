"""Redis crashes (SIGKILL) and comes back on the same port, empty, while one job runs and
another waits in the queue behind it. The running job lives in its work horse and in the
database, not in Redis: it finishes. The waiting one was only in Redis: its status page
finds it lost and offers a retry (instead of "queued" forever), and the retry finishes on
the worker that reconnected by itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from mrc.auth.services import create_user
from mrc.extensions import db
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from mrc.jobs.runner import LOST
from mrc.org.services import ensure_reference_network
from tests.conftest import TEST_PASSWORD, service_missing
from tests.faults.conftest import committed_jobs_app, partials
from tests.faults.servers import RestartableRedis
from tests.jobs.test_jobs import _start_worker, _stop, _wait_for
from tests.services import ServiceUnavailable

pytestmark = pytest.mark.postgres_only


@pytest.fixture(scope="module")
def redis() -> Iterator[RestartableRedis]:
    try:
        server = RestartableRedis()
        server.start()
    except ServiceUnavailable as exc:
        service_missing(str(exc))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def restart_env(database_url, redis, tmp_path_factory) -> Iterator[tuple[Flask, dict[str, str]]]:
    outputs = tmp_path_factory.mktemp("outputs")
    with committed_jobs_app(database_url, redis.url, outputs) as found:
        yield found


def _submit(jobs_app: Flask, owner_id: int, steps: int, delay: float) -> int:
    with jobs_app.app_context():
        job = jobs.create_job("selftest", {"steps": steps, "delay": delay}, user_id=owner_id)
        assert jobs.submit(job).ok
        job_id = job.id
        db.session.remove()
    return job_id


def test_a_redis_crash_loses_no_job(restart_env, redis) -> None:
    jobs_app, env = restart_env
    outputs = Path(env["MRC_OUTPUT_DIR"])
    with jobs_app.app_context():
        ensure_reference_network()
        owner = create_user("admin-redis", TEST_PASSWORD, "admin")
        db.session.commit()
        owner_id = owner.id
        db.session.remove()
    browser = jobs_app.test_client()
    assert browser.post("/login", data={"username": "admin-redis",
                                        "password": TEST_PASSWORD}).status_code == 302
    worker = _start_worker(env)
    try:
        running = _submit(jobs_app, owner_id, steps=12, delay=0.4)
        _wait_for(jobs_app, running, lambda j: j.state == "running")
        waiting = _submit(jobs_app, owner_id, steps=2, delay=0.0)  # behind it: one worker

        redis.kill()  # a crash: what Redis held is gone
        time.sleep(0.5)
        redis.start()  # same port, empty

        done = _wait_for(jobs_app, running, lambda j: j.state in ("finished", "failed"))
        assert done.state == "finished", done.message
        assert (outputs / done.result_file).read_text().count("step") == 12
        time.sleep(1.0)  # an idle worker would have taken the waiting job, had it survived
        assert _wait_for(jobs_app, waiting, lambda j: True).state == "queued"

        page = browser.get(f"/jobs/{waiting}").get_data(as_text=True)
        assert "Try again" in page and 'http-equiv="refresh"' not in page
        lost = _wait_for(jobs_app, waiting, lambda j: True)
        assert (lost.state, lost.message) == ("failed", LOST)

        assert browser.post(f"/jobs/{waiting}/retry").status_code == 302
        retried = _wait_for(jobs_app, waiting, lambda j: j.state in ("finished", "failed"))
    finally:
        _stop(worker)
    assert retried.state == "finished", retried.message
    assert (outputs / retried.result_file).read_text().count("step") == 2
    assert partials(outputs) == []
    with jobs_app.app_context():
        assert db.session.get_one(Job, running).attempts == 1  # the running job ran once
        db.session.remove()

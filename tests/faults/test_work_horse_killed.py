"""The work horse (the process RQ forks to run one job) is killed mid-write, its worker
survives: the job ends failed, the half-written file it leaves under its temporary name is
removed, nothing appears under the final name, and a retry on the same worker finishes.

(tests/jobs/test_abandoned.py kills the worker together with its work horse and checks the
job's state; this test is about the output folder.)"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from mrc.extensions import db
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from tests.faults.conftest import TIMEOUT, committed_jobs_app, partials
from tests.jobs.test_jobs import _descendants, _new_job, _start_worker, _stop, _wait_for

pytestmark = pytest.mark.postgres_only


@pytest.fixture(scope="module")
def horse_env(database_url, redis_url, tmp_path_factory) -> Iterator[tuple[Flask, dict[str, str]]]:
    with committed_jobs_app(database_url, redis_url, tmp_path_factory.mktemp("outputs")) as found:
        yield found


def _kill_work_horse(worker_pid: int) -> None:
    horses = _descendants(worker_pid)
    assert horses, "no work horse running"
    for pid in horses:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_a_killed_work_horse_leaves_no_half_file_and_a_retry_finishes(horse_env) -> None:
    jobs_app, env = horse_env
    outputs = Path(env["MRC_OUTPUT_DIR"])
    worker = _start_worker(env)
    try:
        job_id = _new_job(jobs_app, steps=40, delay=0.2)
        final = outputs / f"selftest-{job_id}.txt"
        _wait_for(jobs_app, job_id, lambda j: j.state == "running" and j.progress >= 10)
        _kill_work_horse(worker.pid)
        time.sleep(0.5)
        assert worker.poll() is None, "the worker died with its work horse"
        half = partials(outputs)
        assert len(half) == 1 and half[0].read_text().startswith("step 1 of 40\n"), \
            "the killed job was not mid-write"
        assert not final.exists(), "a half-written output was published under its final name"

        time.sleep(TIMEOUT + 0.5)  # the heartbeat died with the work horse
        with jobs_app.app_context():
            assert jobs.fail_abandoned(job_id) == 1
            db.session.commit()
        failed = _wait_for(jobs_app, job_id, lambda j: True)
        assert failed.state == "failed" and failed.message == jobs.ABANDONED
        assert partials(outputs) == [], "the dead work horse's half file was left behind"
        assert list(outputs.iterdir()) == []

        # Retried on the worker that survived, quicker this time.
        with jobs_app.app_context():
            job = db.session.get_one(Job, job_id)
            job.params = {"steps": 3, "delay": 0.0}
            jobs.retry(job)
            db.session.remove()
        done = _wait_for(jobs_app, job_id, lambda j: j.state in ("finished", "failed"))
    finally:
        _stop(worker)
    assert done.state == "finished" and done.attempts == 2, (done.state, done.message)
    assert final.read_text().splitlines() == [f"step {i} of 3" for i in range(1, 4)]
    assert list(outputs.iterdir()) == [final]

"""Background jobs: in-process (embedded default) and on a real Redis with a real
`mrc worker` process, including a worker killed mid-job and Redis being unreachable."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from mrc import create_app
from mrc.extensions import db
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from tests.conftest import make_config
from tests.services import extra_database, free_port


def test_in_process_job_runs_to_completion(app, tmp_path):
    app.config["MRC_OUTPUT_DIR"] = str(tmp_path)
    job = jobs.create_job("selftest", {"steps": 3}, user_id=None)
    db.session.commit()
    jobs.enqueue(job)  # no REDIS_URL: runs now
    db.session.refresh(job)
    assert (job.state, job.progress, job.attempts) == ("finished", 100, 1)
    assert (tmp_path / job.result_file).read_text().count("step") == 3
    assert not list(tmp_path.glob(".partial-*"))
    jobs.run_job(job.id)  # a second run of a finished job is harmless
    assert db.session.get(Job, job.id).attempts == 1


def test_failed_job_publishes_nothing(app, tmp_path, monkeypatch):
    app.config["MRC_OUTPUT_DIR"] = str(tmp_path)

    def exploding(job, progress):
        with jobs.atomic_output("never.txt") as path:
            path.write_text("half")
            raise RuntimeError("boom")

    monkeypatch.setitem(jobs._KINDS, "exploding", exploding)
    job = jobs.create_job("exploding", {}, user_id=None)
    db.session.commit()
    jobs.run_job(job.id)
    db.session.refresh(job)
    assert job.state == "failed" and job.message == "RuntimeError"
    assert list(tmp_path.iterdir()) == []


def test_unreachable_redis_gives_clear_error_and_keeps_the_job(app, tmp_path):
    app.config.update(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", MRC_OUTPUT_DIR=str(tmp_path))
    try:
        job = jobs.create_job("selftest", {}, user_id=None)
        db.session.commit()
        with pytest.raises(jobs.QueueUnavailable) as info:
            jobs.enqueue(job)
        assert "Nothing was lost" in str(info.value)
        kept = db.session.get(Job, job.id)
        assert kept is not None and kept.state == "failed"
    finally:
        app.config["REDIS_URL"] = ""


def test_unreachable_redis_in_the_browser(app, make_user, login, tmp_path):
    admin = make_user("admin", None)
    browser = login(admin)
    app.config.update(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", MRC_OUTPUT_DIR=str(tmp_path))
    try:
        response = browser.post("/jobs/selftest", follow_redirects=True)
    finally:
        app.config["REDIS_URL"] = ""
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "background queue is not reachable" in page
    assert "Try again" in page


def test_jobs_are_private_to_their_owner(app, make_user, login, tmp_path):
    app.config["MRC_OUTPUT_DIR"] = str(tmp_path)
    owner, other = make_user("admin", None), make_user("admin", None)
    job = jobs.create_job("selftest", {"steps": 1}, user_id=owner.id)
    db.session.commit()
    jobs.enqueue(job)
    browser = login(other)
    assert browser.get(f"/jobs/{job.id}").status_code == 404
    assert browser.get(f"/jobs/{job.id}/download").status_code == 404


# --- real Redis and a real worker process ---------------------------------------------

@pytest.fixture(scope="module")
def worker_env(database_url, redis_url, tmp_path_factory) -> Iterator[tuple[Flask, dict[str, str]]]:
    """A committed database (workers are other processes) and the environment for them."""
    name = "mrc_jobs_" + uuid.uuid4().hex[:8]
    with extra_database(database_url, name) as url:
        outputs = tmp_path_factory.mktemp("outputs")
        jobs_app = create_app(make_config(url, REDIS_URL=redis_url, MRC_OUTPUT_DIR=str(outputs)))
        with jobs_app.app_context():
            upgrade()
        env = dict(os.environ, DATABASE_URL=url, REDIS_URL=redis_url,
                   MRC_OUTPUT_DIR=str(outputs), MRC_ENV="development")
        yield jobs_app, env
        with jobs_app.app_context():
            db.session.remove()
            db.engine.dispose()


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "mrc", "worker"], env=env,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc): RQ's work horse runs in a process group of
    its own, so killing the worker's group alone would leave it running."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker and everything it started (the work horse included), as a crash or
    an OOM kill of the whole container would."""
    if proc.poll() is None:
        horses = _descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)
        for pid in horses:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _wait_for(jobs_app: Flask, job_id: int, predicate, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        with jobs_app.app_context():
            job = db.session.get(Job, job_id)
            assert job is not None
            db.session.expunge(job)
            db.session.remove()
        if predicate(job):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} stuck in state {job.state} ({job.progress}%)")
        time.sleep(0.2)


@pytest.fixture(autouse=False)
def _no_transaction():
    """These tests commit for real in their own database; nothing to roll back."""


def _new_job(jobs_app: Flask, steps: int, delay: float) -> int:
    with jobs_app.app_context():
        job = jobs.create_job("selftest", {"steps": steps, "delay": delay}, user_id=None)
        db.session.commit()
        jobs.enqueue(job)
        job_id = job.id
        db.session.remove()
    return job_id


def _retry_with_worker(jobs_app: Flask, env: dict[str, str], job_id: int,
                       params: dict[str, object]) -> Job:
    """Retry a job (with quicker ``params``) under a fresh worker; the job at its end."""
    worker = _start_worker(env)
    try:
        with jobs_app.app_context():
            job = db.session.get_one(Job, job_id)
            job.params = params
            jobs.retry(job)
            db.session.remove()
        return _wait_for(jobs_app, job_id, lambda j: j.state in ("finished", "failed"))
    finally:
        _stop(worker)


def test_worker_runs_a_queued_job(worker_env):
    jobs_app, env = worker_env
    worker = _start_worker(env)
    try:
        job_id = _new_job(jobs_app, steps=4, delay=0.1)
        done = _wait_for(jobs_app, job_id, lambda j: j.state in ("finished", "failed"))
    finally:
        _stop(worker)
    assert done.state == "finished", done.message
    output = Path(env["MRC_OUTPUT_DIR"]) / done.result_file
    assert output.read_text().splitlines() == [f"step {i} of 4" for i in range(1, 5)]


def test_killed_worker_leaves_no_output_and_job_can_be_retried(worker_env):
    jobs_app, env = worker_env
    outputs = Path(env["MRC_OUTPUT_DIR"])
    worker = _start_worker(env)
    try:
        job_id = _new_job(jobs_app, steps=40, delay=0.25)
        _wait_for(jobs_app, job_id, lambda j: j.state == "running" and j.progress >= 10)
    finally:
        _stop(worker)  # SIGKILL the worker and its work horse mid-job
    stuck = _wait_for(jobs_app, job_id, lambda j: True)
    assert stuck.state == "running" and stuck.progress < 100
    time.sleep(1.0)  # a surviving work horse would move the job on (a step is 0.25 s)
    assert _wait_for(jobs_app, job_id, lambda j: True).progress == stuck.progress, \
        "the work horse survived the kill"
    assert not (outputs / f"selftest-{job_id}.txt").exists(), "half-written output published"

    done = _retry_with_worker(jobs_app, env, job_id, {"steps": 3, "delay": 0.0})
    assert done.state == "finished" and done.attempts == 2, (done.state, done.message)
    assert (outputs / done.result_file).read_text().count("step") == 3

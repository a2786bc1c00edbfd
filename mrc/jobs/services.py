"""Background jobs: enqueue by id, run anywhere, report progress, publish output atomically.

With ``REDIS_URL`` set, jobs go to an RQ queue and ``mrc worker`` processes run them;
without it (the embedded default) they run in-process, synchronously, in the request.

A job kind is a function ``(job, progress) -> JobOutput | None`` registered with
``@job_kind("name")``. It must be idempotent: running it twice (a retry after a crash)
gives the same result. Output is written under a temporary name in the output directory
and renamed when complete, so a killed worker never leaves a half-written file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from mrc.extensions import db
from mrc.jobs.models import Job

QUEUE_NAME = "mrc"
JOB_TIMEOUT_SECONDS = 3600


class QueueUnavailable(RuntimeError):
    """Redis could not be reached; the job row is kept as failed and can be retried."""


@dataclass
class JobOutput:
    file_name: str  # name under the output directory
    download_name: str  # what the user's browser saves it as


Progress = Callable[[int, str], None]
JobFunction = Callable[[Job, Progress], JobOutput | None]
_KINDS: dict[str, JobFunction] = {}


def job_kind(name: str) -> Callable[[JobFunction], JobFunction]:
    def register(fn: JobFunction) -> JobFunction:
        _KINDS[name] = fn
        return fn

    return register


def registered_kinds() -> tuple[str, ...]:
    _import_job_modules()
    return tuple(sorted(_KINDS))


def _import_job_modules() -> None:
    # Feature packages register their kinds when their tasks module is imported.
    from mrc.jobs import tasks  # noqa: F401


def output_dir() -> Path:
    path = Path(current_app.config.get("MRC_OUTPUT_DIR") or Path(current_app.instance_path) / "outputs")
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def atomic_output(file_name: str) -> Iterator[Path]:
    """Yield a temporary path in the output directory; on success rename it to
    ``file_name``. On any exception (or a killed process) only the temporary file can
    remain, and it is never served."""
    directory = output_dir()
    fd, tmp = tempfile.mkstemp(prefix=".partial-", dir=directory)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, directory / file_name)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _now() -> datetime:
    return datetime.now(UTC)


def create_job(kind: str, params: dict[str, Any], user_id: int | None,
               mrc_id: int | None = None) -> Job:
    if kind not in registered_kinds():
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, params=params, state="queued", progress=0, message="",
              user_id=user_id, mrc_id=mrc_id, attempts=0, created_at=_now())
    db.session.add(job)
    db.session.flush()
    return job


def enqueue(job: Job) -> None:
    """Hand the job to RQ, or run it now when no Redis is configured. The caller must have
    committed the job row first (a worker in another process reads it)."""
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        run_job(job.id)
        return
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    try:
        queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url, socket_connect_timeout=3))
        queue.enqueue_call("mrc.jobs.services.run_job_in_worker", args=(job.id,),
                           timeout=JOB_TIMEOUT_SECONDS, failure_ttl=86400)
    except RedisError as exc:
        job.state = "failed"
        job.message = "queue unavailable"
        db.session.commit()
        raise QueueUnavailable(_("The background queue is not reachable right now. Nothing "
                                 "was lost: try again in a moment, or ask your administrator "
                                 "to check the job workers.")) from exc


def submit(job: Job, started: str | None = None) -> None:
    """Commit a new job and hand it on (``enqueue``), telling the user in a flash message: the
    ``started`` message, or why the queue could not take it (the row stays, failed, and the
    status page offers a retry)."""
    from flask import flash

    db.session.commit()
    try:
        enqueue(job)
    except QueueUnavailable as exc:
        flash(str(exc), "error")
    else:
        if started:
            flash(started, "info")


def retry(job: Job) -> None:
    """Run a failed (or stuck) job again; safe because job kinds are idempotent."""
    job.state, job.progress, job.message = "queued", 0, ""
    db.session.commit()
    enqueue(job)


def run_job(job_id: int) -> None:
    """Run one job in the current app context, recording state, progress and output."""
    _import_job_modules()
    found = db.session.get(Job, job_id)
    if found is None or found.state == "finished":
        return  # deleted, or already done by an earlier run: nothing to do
    job = found
    job.state, job.started_at, job.progress = "running", _now(), 0
    job.attempts += 1
    db.session.commit()

    def progress(percent: int, message: str = "") -> None:
        job.progress = max(0, min(100, int(percent)))
        job.message = message[:255]
        db.session.commit()

    try:
        result = _KINDS[job.kind](job, progress)
    except Exception as exc:
        db.session.rollback()
        job = db.session.get_one(Job, job_id)
        job.state, job.finished_at = "failed", _now()
        job.message = type(exc).__name__
        db.session.commit()
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        if current_app.config.get("MRC_JOBS_RAISE"):
            raise
        return
    if result is not None:
        job.result_file, job.result_name = result.file_name, result.download_name
    job.state, job.progress, job.finished_at = "finished", 100, _now()
    db.session.commit()


def run_job_in_worker(job_id: int) -> None:
    """Entry point for RQ: builds the app from the environment (as ``mrc worker`` was
    started with) and runs the job inside its context."""
    from mrc import create_app

    app = create_app()
    with app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()
            db.engine.dispose()


def start_worker(burst: bool = False) -> None:
    """Block, running jobs from the queue (``mrc worker``)."""
    from redis import Redis
    from rq import Queue, Worker

    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        raise QueueUnavailable(_("REDIS_URL is not set: without it jobs run inside the web "
                                 "process and no worker is needed."))
    connection = Redis.from_url(redis_url)
    worker = Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection)
    worker.work(burst=burst)

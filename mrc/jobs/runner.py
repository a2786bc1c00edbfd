"""Running jobs: hand them to RQ or run them in-process, record state and progress.

With ``REDIS_URL`` set, jobs go to an RQ queue and ``mrc worker`` processes run them;
without it (the embedded default) they run in-process, synchronously, in the request.

This module is a transaction boundary, like the end of a request or of a command: a job row
must be committed before a worker in another process can read it, and a running job commits
its progress so the status page can show it. Nothing here flashes: :func:`submit` returns
what happened and the route tells the user.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, update
from sqlalchemy.engine import Engine

from mrc import signals
from mrc.database import release_connections
from mrc.extensions import db
from mrc.jobs.kinds import kind_function
from mrc.jobs.models import Job
from mrc.jobs.outputs import remove_abandoned_partials
from mrc.settings import settings

QUEUE_NAME = "mrc"
JOB_TIMEOUT_SECONDS = 3600


class QueueUnavailable(RuntimeError):
    """Redis could not be reached; the job row is kept as failed and can be retried."""


@dataclass(frozen=True)
class Submitted:
    """What :func:`submit` did: ``problem`` is a translated message when the queue could
    not take the job (the row stays, failed, and its status page offers a retry)."""

    job_id: int
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _now() -> datetime:
    return datetime.now(UTC)


def _queue_id(job: Job) -> str:
    """The RQ job id of the job's current attempt: found again from the row alone (to
    see whether Redis still holds it), and new for each retry after a run."""
    return f"mrc-job-{job.id}-{job.attempts}"


def failure_message(exc: BaseException) -> str:
    """What a failed job's row says: the exception's type and, for an operating-system
    error, its reason (``OSError: No space left on device``). Never the exception's text,
    which can hold values or file names."""
    if isinstance(exc, OSError) and exc.errno:
        return f"{type(exc).__name__}: {os.strerror(exc.errno)}"
    return type(exc).__name__


def enqueue(job: Job) -> None:
    """Hand the job to RQ, or run it now when no Redis is configured. The caller must have
    committed the job row first (a worker in another process reads it)."""
    redis_url = settings().redis_url
    if not redis_url:
        run_job(job.id)
        return
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue

    try:
        queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis_url, socket_connect_timeout=3))
        queue.enqueue_call("mrc.jobs.runner.run_job_in_worker", args=(job.id,),
                           timeout=JOB_TIMEOUT_SECONDS, failure_ttl=86400,
                           job_id=_queue_id(job))
    except RedisError as exc:
        job.state = "failed"
        job.message = "queue unavailable"
        db.session.commit()
        raise QueueUnavailable(_("The background queue is not reachable right now. Nothing "
                                 "was lost: try again in a moment, or ask your administrator "
                                 "to check the job workers.")) from exc


def queue_call(function: str, args: tuple[object, ...], *, job_id: str,
               timeout: int = 60) -> bool:
    """Hand a call of ``function`` (dotted path; it builds its own app, as
    :func:`run_job_in_worker` does) to the RQ queue, for work that is not a :class:`Job`
    row (webhook deliveries). False when no Redis is configured: the caller runs it some
    other way. A call already waiting under ``job_id`` is not queued twice. Raises
    RedisError when Redis cannot be reached."""
    redis_url = settings().redis_url
    if not redis_url:
        return False
    from redis import Redis
    from rq import Queue
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as QueuedJob
    from rq.job import JobStatus

    connection = Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=5)
    try:
        waiting = QueuedJob.fetch(job_id, connection=connection).get_status()
    except NoSuchJobError:
        waiting = None
    if waiting in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED,
                   JobStatus.SCHEDULED):
        return True
    Queue(QUEUE_NAME, connection=connection).enqueue_call(
        function, args=args, timeout=timeout, failure_ttl=86400, result_ttl=0, job_id=job_id)
    return True


def submit(job: Job) -> Submitted:
    """Commit a new job (and whatever the request added with it) and hand it on."""
    db.session.commit()
    try:
        enqueue(job)
    except QueueUnavailable as exc:
        return Submitted(job.id, str(exc))
    return Submitted(job.id)


def retry(job: Job) -> None:
    """Run a failed (or stuck) job again; safe because job kinds are idempotent."""
    job.state, job.progress, job.message = "queued", 0, ""
    db.session.commit()
    enqueue(job)


ABANDONED = "abandoned"
LOST = "lost from the queue"


def abandoned_before() -> datetime:
    """A running job whose last sign of life is older than this was abandoned."""
    return _now() - timedelta(seconds=settings().job_heartbeat_timeout)


def fail_abandoned(job_id: int | None = None) -> int:
    """Mark running jobs that stopped giving signs of life (their worker or work horse was
    killed, the machine restarted) as failed, so their page offers a retry instead of
    refreshing forever. Returns how many; the caller commits. Safe at any time: a job that
    is alive beats well within the timeout."""
    limit = abandoned_before()
    query = (update(Job).where(Job.state == "running")
             .where(or_(Job.heartbeat_at < limit,
                        Job.heartbeat_at.is_(None) & (Job.started_at < limit)))
             .values(state="failed", message=ABANDONED, finished_at=_now())
             .execution_options(synchronize_session="fetch"))
    if job_id is not None:
        query = query.where(Job.id == job_id)
    failed: int = db.session.execute(query).rowcount  # type: ignore[attr-defined]
    if failed:
        remove_abandoned_partials()  # what the dead jobs were writing
    return failed


def lost_from_queue(job: Job) -> bool:
    """Whether a queued job will never run: Redis answers but no longer holds it (Redis
    restarted without persistence, or lost its data), or RQ gave it up before it started
    (the work horse could not start it). False when Redis cannot be asked.

    Between a new job's commit and its hand-over to RQ (the same request, a moment) the
    job is not in Redis yet either; a status page seen in that moment fails it, and the
    worker then runs it all the same (a failed job runs when it comes)."""
    redis_url = settings().redis_url
    if not redis_url or job.state != "queued":
        return False
    from redis import Redis
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as QueuedJob
    from rq.job import JobStatus

    try:
        with Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2) as connection:
            status = QueuedJob.fetch(_queue_id(job), connection=connection).get_status()
    except NoSuchJobError:
        return True
    except RedisError:
        return False  # cannot tell: the job may still come
    return status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED)


def settle_if_abandoned(job: Job) -> None:
    """Before a job's page is shown: a running job whose worker died, or a queued job
    the queue lost, becomes failed (its page then offers a retry instead of refreshing
    forever)."""
    if job.state == "running" and fail_abandoned(job.id):
        db.session.refresh(job)
    elif lost_from_queue(job):
        job.state, job.message, job.finished_at = "failed", LOST, _now()
        db.session.flush()


@contextmanager
def _heartbeat(engine: Engine, job_id: int) -> Iterator[None]:
    """Beat for the job from a thread of its own while it runs (a step may be long: one
    big query or file), on a connection of its own, so that a silent job means a dead one."""
    stop = threading.Event()
    interval = max(settings().job_heartbeat_timeout / 4, 0.2)

    def beat() -> None:
        while not stop.wait(interval):
            try:
                with engine.begin() as connection:
                    connection.execute(update(Job).where(Job.id == job_id,
                                                         Job.state == "running")
                                       .values(heartbeat_at=_now()))
            except Exception:  # noqa: BLE001 - a missed beat is retried; the job goes on
                current_app.logger.debug("job %s: heartbeat missed", job_id)

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def run_job(job_id: int, *, heartbeat: bool = False) -> None:
    """Run one job in the current app context, recording state, progress and output.
    ``heartbeat`` (workers): also beat from a thread while the job runs."""
    found = db.session.get(Job, job_id)
    if found is None or found.state == "finished":
        return  # deleted, or already done by an earlier run: nothing to do
    job = found
    function = kind_function(job.kind)
    job.state, job.started_at, job.progress = "running", _now(), 0
    job.heartbeat_at, job.message = job.started_at, ""
    job.attempts += 1
    db.session.commit()

    def progress(percent: int, message: str = "") -> None:
        job.progress = max(0, min(100, int(percent)))
        job.message = message[:255]
        job.heartbeat_at = _now()
        db.session.commit()

    try:
        if heartbeat:
            with _heartbeat(db.engine, job_id):
                result = function(job, progress)
        else:
            result = function(job, progress)
    except Exception as exc:
        db.session.rollback()
        job = db.session.get_one(Job, job_id)
        job.state, job.finished_at = "failed", _now()
        job.message = failure_message(exc)
        db.session.commit()
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        if settings().jobs_raise:
            raise
        return
    if result is not None:
        job.result_file, job.result_name = result.file_name, result.download_name
    job.state, job.progress, job.finished_at = "finished", 100, _now()
    signals.job_finished.send(job)
    db.session.commit()


def run_job_in_worker(job_id: int) -> None:
    """Entry point for RQ: builds the app from the environment (as ``mrc worker`` was
    started with) and runs the job inside its context."""
    from mrc import create_app

    app = create_app()
    with app.app_context():
        try:
            run_job(job_id, heartbeat=True)
        finally:
            release_connections()


def start_worker(burst: bool = False) -> None:
    """Block, running jobs from the queue (``mrc worker``)."""
    from redis import Redis
    from rq import Queue, Worker

    redis_url = settings().redis_url
    if not redis_url:
        raise QueueUnavailable(_("REDIS_URL is not set: without it jobs run inside the web "
                                 "process and no worker is needed."))
    connection = Redis.from_url(redis_url)
    # Jobs left running by a worker that died before this one started.
    fail_abandoned()
    db.session.commit()
    release_connections()  # the work horses are forked from here
    worker = Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection)
    worker.work(burst=burst)

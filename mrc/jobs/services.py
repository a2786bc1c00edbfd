"""Background jobs: enqueue by id, run anywhere, report progress, publish output atomically.

Creating a job is a service (:func:`create_job` adds and flushes its row); the registry of
kinds is :mod:`mrc.jobs.kinds`, the output folder :mod:`mrc.jobs.outputs`, and running and
queueing (a transaction boundary) :mod:`mrc.jobs.runner`. This module is the one door the
features and routes use.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mrc.extensions import db
from mrc.jobs.kinds import _KINDS as _KINDS  # the registry itself: tests add kinds to it
from mrc.jobs.kinds import JobFunction, JobOutput, Progress, job_kind, registered_kinds
from mrc.jobs.models import Job
from mrc.jobs.outputs import atomic_output, output_dir
from mrc.jobs.runner import (
    ABANDONED,
    JOB_TIMEOUT_SECONDS,
    QUEUE_NAME,
    QueueUnavailable,
    Submitted,
    enqueue,
    fail_abandoned,
    retry,
    run_job,
    run_job_in_worker,
    settle_if_abandoned,
    start_worker,
    submit,
)

__all__ = [
    "ABANDONED", "JOB_TIMEOUT_SECONDS", "QUEUE_NAME", "JobFunction", "JobOutput", "Progress",
    "QueueUnavailable", "Submitted", "atomic_output", "create_job", "enqueue", "fail_abandoned", "job_kind",
    "output_dir", "registered_kinds", "retry", "run_job", "run_job_in_worker", "settle_if_abandoned", "start_worker",
    "submit",
]


def create_job(kind: str, params: dict[str, Any], user_id: int | None,
               mrc_id: int | None = None) -> Job:
    """Add a queued job row of a registered kind (flushed: it has its id)."""
    if kind not in registered_kinds():
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, params=params, state="queued", progress=0, message="",
              user_id=user_id, mrc_id=mrc_id, attempts=0, created_at=datetime.now(UTC))
    db.session.add(job)
    db.session.flush()
    return job

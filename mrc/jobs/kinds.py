"""The registry of job kinds: each feature declares its own, the jobs package knows none.

A job kind is a function ``(job, progress) -> JobOutput | None`` registered with
``@job_kind("name")`` in its feature's ``tasks`` module. It must be idempotent: running it
twice (a retry after a crash) gives the same result. :func:`discover` imports every
``mrc.<feature>.tasks`` module by name (:mod:`mrc.features`), so the jobs package imports no
feature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mrc.features import feature_modules
from mrc.jobs.models import Job


@dataclass
class JobOutput:
    file_name: str  # name under the output directory
    download_name: str  # what the user's browser saves it as


Progress = Callable[[int, str], None]
JobFunction = Callable[[Job, Progress], JobOutput | None]
_KINDS: dict[str, JobFunction] = {}
_discovered = False


def job_kind(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register ``fn`` as the job kind ``name``."""

    def register(fn: JobFunction) -> JobFunction:
        _KINDS[name] = fn
        return fn

    return register


def discover() -> None:
    """Import the ``tasks`` module of every feature package once (they register kinds)."""
    global _discovered
    if not _discovered:
        feature_modules("tasks")
        _discovered = True


def registered_kinds() -> tuple[str, ...]:
    discover()
    return tuple(sorted(_KINDS))


def kind_function(name: str) -> JobFunction:
    discover()
    return _KINDS[name]

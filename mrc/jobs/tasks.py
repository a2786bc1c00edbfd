"""Job kinds of the jobs package itself, and the import point of every feature's kinds."""

from __future__ import annotations

import time

from mrc.jobs.models import Job
from mrc.jobs.services import JobOutput, Progress, atomic_output, job_kind
from mrc.leaflets import tasks as _leaflet_tasks  # noqa: F401  (registers its job kinds)
from mrc.panels import tasks as _panel_tasks  # noqa: F401  (registers its job kinds)
from mrc.reports import tasks as _report_tasks  # noqa: F401  (registers its job kinds)


@job_kind("selftest")
def selftest(job: Job, progress: Progress) -> JobOutput:
    """Check that workers run jobs end to end: writes a small file in ``steps`` steps of
    ``delay`` seconds (admins use it after deploying workers; tests use it too)."""
    steps = int(job.params.get("steps", 5))  # type: ignore[call-overload]
    delay = float(job.params.get("delay", 0.0))  # type: ignore[arg-type]
    name = f"selftest-{job.id}.txt"
    with atomic_output(name) as path, path.open("w", encoding="utf-8") as out:
        for step in range(1, steps + 1):
            out.write(f"step {step} of {steps}\n")
            out.flush()
            time.sleep(delay)
            progress(step * 100 // steps, f"step {step} of {steps}")
    return JobOutput(file_name=name, download_name=name)

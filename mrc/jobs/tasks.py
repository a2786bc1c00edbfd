"""Job kinds of the jobs package itself (each feature's ``tasks`` module has its own)."""

from __future__ import annotations

import time

from mrc.jobs.kinds import JobOutput, Progress, job_kind
from mrc.jobs.models import Job
from mrc.jobs.outputs import atomic_output


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

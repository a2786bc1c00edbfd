"""The output folder fills up mid-write (an injected ENOSPC: the first bytes reach the disk,
then every write fails): the job ends failed with a clear reason in its row, no partial
file is left, what was there before is untouched, and a retry once space is freed
finishes. In-process jobs, on either database."""

from __future__ import annotations

import errno
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from mrc.cases.models import Client
from mrc.extensions import db
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from mrc.jobs.runner import failure_message
from tests.faults.conftest import partials

FREE_BYTES = 20  # the job's first line fits, the second does not


class FullDisk(io.RawIOBase):
    """A file on a disk with ``free`` bytes left: writes reach the real file until the space
    is used up, then fail as on a full disk."""

    def __init__(self, raw: io.FileIO, disk: Disk) -> None:
        self._raw, self._disk = raw, disk

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self._disk.free <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        count = self._raw.write(bytes(data)[:self._disk.free]) or 0
        self._disk.free -= count
        self._disk.written += count
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass
class Disk:
    folder: Path
    full: bool = False
    free: int = FREE_BYTES
    written: int = 0
    real_open: Any = field(default=Path.open)

    def open(self, path: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if not (self.full and path.parent == self.folder and "w" in mode):
            return self.real_open(path, mode, *args, **kwargs)
        raw = FullDisk(io.FileIO(path, "w"), self)
        return io.TextIOWrapper(io.BufferedWriter(raw, buffer_size=8), encoding="utf-8",
                                write_through=True)


@pytest.fixture
def disk(app, tmp_path, monkeypatch) -> Disk:
    """The output folder, on a disk the test can fill (``disk.full = True``)."""
    monkeypatch.setitem(app.config, "MRC_OUTPUT_DIR", str(tmp_path))
    found = Disk(tmp_path)
    monkeypatch.setattr(Path, "open", lambda path, *a, **kw: found.open(path, *a, **kw))
    return found


def _clients() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Client)) or 0)


def test_a_full_output_folder_fails_the_job_cleanly_and_loses_nothing(
        app, disk, make_client, make_user, login) -> None:
    owner = make_user("admin", mrc=None)
    make_client("PK-ISB", sessions=2)
    earlier = jobs.create_job("selftest", {"steps": 1}, user_id=owner.id)
    db.session.commit()
    jobs.enqueue(earlier)  # no Redis: runs now, before the disk fills up
    earlier_file = disk.folder / f"selftest-{earlier.id}.txt"
    assert earlier_file.read_text() == "step 1 of 1\n"
    clients_before = _clients()

    disk.full = True
    job = jobs.create_job("selftest", {"steps": 4}, user_id=owner.id)
    db.session.commit()
    jobs.enqueue(job)
    assert disk.written > 0, "the job never reached the disk: nothing was tested"

    db.session.refresh(job)
    assert job.state == "failed" and job.progress < 100
    assert job.message == "OSError: No space left on device"
    assert job.result_file is None
    assert partials(disk.folder) == [], "a partial file was left on the full disk"
    assert sorted(disk.folder.iterdir()) == [earlier_file]  # nothing else appeared…
    assert earlier_file.read_text() == "step 1 of 1\n"  # …and nothing was lost
    assert db.session.get_one(Job, earlier.id).state == "finished"
    assert _clients() == clients_before

    page = login(owner).get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "The job failed. Nothing half-finished was published" in page and "Try again" in page

    disk.full = False  # space freed
    jobs.retry(job)
    db.session.refresh(job)
    assert (job.state, job.attempts) == ("finished", 2)
    assert (disk.folder / job.result_file).read_text().count("step") == 4
    assert partials(disk.folder) == []


def test_a_failed_job_says_why_but_never_what() -> None:
    assert failure_message(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/srv/x.pdf")) \
        == "OSError: No space left on device"
    assert failure_message(PermissionError(errno.EACCES, "denied", "/srv/x")) \
        == "PermissionError: Permission denied"
    assert failure_message(ValueError("phone +923001234567 is invalid")) == "ValueError"

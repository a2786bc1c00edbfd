"""Where job outputs go, and how they appear there: complete or not at all.

A job writes under a temporary name (``.partial-…``) and renames the file when complete.
Its writer holds a lock (``flock``) on that temporary file for as long as it lives; the
kernel drops the lock however the writer ends (an exception, SIGKILL of the work horse, a
machine restart). So a temporary file that nobody holds is the remains of a dead writer,
and :func:`remove_abandoned_partials` deletes it.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from flask import current_app

from mrc.settings import settings

PARTIAL_PREFIX = ".partial-"


def output_dir() -> Path:
    """The output folder (``MRC_OUTPUT_DIR``, else the instance folder's ``outputs``)."""
    path = settings().output_dir or Path(current_app.instance_path) / "outputs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_abandoned_partials(directory: Path | None = None) -> int:
    """Delete the temporary files of writers that died mid-write (their lock is gone); a
    living writer's file is left alone. Returns how many were deleted."""
    removed = 0
    for path in (directory or output_dir()).glob(PARTIAL_PREFIX + "*"):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue  # finished (renamed) or removed meanwhile
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # its writer is alive (or this file system has no locks: keep all)
        else:
            path.unlink(missing_ok=True)
            removed += 1
        finally:
            os.close(fd)
    return removed


def _locked_temporary(directory: Path) -> tuple[int, Path]:
    """A new temporary file in ``directory`` and its descriptor, locked by this process.
    A sweep may have taken the file between its creation and the lock: then take another."""
    for _attempt in range(3):
        fd, name = tempfile.mkstemp(prefix=PARTIAL_PREFIX, dir=directory)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # a sweep holds it for a moment at most
        except OSError:
            return fd, Path(name)  # a file system without locks: no sweep deletes anything
        with suppress(FileNotFoundError):
            if os.stat(name).st_ino == os.fstat(fd).st_ino:
                return fd, Path(name)
        os.close(fd)
    raise RuntimeError("could not create a temporary output file")


@contextmanager
def atomic_output(file_name: str) -> Iterator[Path]:
    """Yield a temporary path in the output directory; on success rename it to
    ``file_name``. On any exception the temporary file is deleted; if the process is
    killed, the next output (or a job found abandoned) deletes it. Never served."""
    directory = output_dir()
    remove_abandoned_partials(directory)
    fd, tmp_path = _locked_temporary(directory)
    try:
        yield tmp_path
        os.replace(tmp_path, directory / file_name)
    finally:
        tmp_path.unlink(missing_ok=True)
        os.close(fd)  # releases the lock, after the rename or the deletion

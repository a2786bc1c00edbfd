"""Where job outputs go, and how they appear there: complete or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app

from mrc.settings import settings


def output_dir() -> Path:
    """The output folder (``MRC_OUTPUT_DIR``, else the instance folder's ``outputs``)."""
    path = settings().output_dir or Path(current_app.instance_path) / "outputs"
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

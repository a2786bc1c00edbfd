"""The sweep of half-written outputs removes only the files of dead writers: a writer holds
a lock on its temporary file while it lives, and the kernel drops it when the writer dies."""

from __future__ import annotations

import subprocess
import sys

from mrc.jobs import services as jobs
from mrc.jobs.outputs import remove_abandoned_partials
from tests.faults.conftest import partials

WRITER = """
import sys, tempfile, fcntl, os, time
fd, name = tempfile.mkstemp(prefix=".partial-", dir=sys.argv[1])
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, b"half")
print(name, flush=True)
time.sleep(60)
"""


def test_a_living_writers_file_stays_and_a_dead_ones_goes(app, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MRC_OUTPUT_DIR", str(tmp_path))
    with jobs.atomic_output("report.pdf") as mine:
        mine.write_text("being written")
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert writer.stdout is not None
            theirs = writer.stdout.readline().strip()
            assert remove_abandoned_partials(tmp_path) == 0  # both writers are alive
            assert len(partials(tmp_path)) == 2
        finally:
            writer.kill()  # SIGKILL: its lock goes with it
            writer.wait(timeout=10)
            writer.stdout.close()  # type: ignore[union-attr]
        assert remove_abandoned_partials(tmp_path) == 1
        assert partials(tmp_path) == [mine] and str(mine) != theirs
    assert partials(tmp_path) == []
    assert (tmp_path / "report.pdf").read_text() == "being written"

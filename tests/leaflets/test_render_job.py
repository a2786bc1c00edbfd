"""The background job that renders the leaflet library into a zip: in-process (embedded
default) and on a real Redis with a real `mrc worker` process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from mrc import create_app
from mrc.extensions import db
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from mrc.leaflets.tasks import render_params
from tests.conftest import make_config
from tests.services import extra_database


def _pdf_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        assert all(archive.read(name).startswith(b"%PDF-") for name in archive.namelist())
        return archive.namelist()


def test_job_renders_a_selection_into_a_zip(app, network, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MRC_OUTPUT_DIR", str(tmp_path))
    params = render_params(["L02-irregular-migration-risks"], ["ps", "en"], ["A5"],
                           network["AF-KBL"].id)
    job = jobs.create_job("leaflets_render", params, user_id=None)
    db.session.commit()
    jobs.enqueue(job)  # no REDIS_URL: runs now
    db.session.refresh(job)
    assert (job.state, job.progress, job.message) == ("finished", 100, "2 of 2 PDFs")
    assert job.result_name == "leaflets-AF-KBL.zip"
    output = tmp_path / job.result_file
    assert _pdf_names(output) == ["L02-irregular-migration-risks_en_A5.pdf",
                                  "L02-irregular-migration-risks_ps_A5.pdf"]
    assert not list(tmp_path.glob(".partial-*"))

    # Idempotent: run again (as a retry would) and get the same bytes in the same place.
    first = output.read_bytes()
    job.state = "failed"
    db.session.commit()
    jobs.run_job(job.id)
    db.session.refresh(job)
    assert job.state == "finished" and job.attempts == 2
    assert output.read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == [job.result_file]


def test_job_with_an_unknown_leaflet_fails_and_publishes_nothing(app, tmp_path,
                                                                monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MRC_OUTPUT_DIR", str(tmp_path))
    job = jobs.create_job("leaflets_render", render_params(["L99-nothing"]), user_id=None)
    db.session.commit()
    jobs.run_job(job.id)
    db.session.refresh(job)
    assert (job.state, job.message) == ("failed", "LookupError")
    assert list(tmp_path.iterdir()) == []


def test_progress_is_reported_per_pdf(app, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MRC_OUTPUT_DIR", str(tmp_path))
    from mrc.leaflets.tasks import render_library

    job = jobs.create_job("leaflets_render",
                          render_params(["L06-remittances"], ["bn"], ["A5", "A4"]), user_id=None)
    reports: list[tuple[int, str]] = []
    result = render_library(job, lambda percent, message: reports.append((percent, message)))
    assert reports == [(50, "1 of 2 PDFs"), (100, "2 of 2 PDFs")]
    assert result.download_name == "leaflets-generic.zip"


# --- a real Redis and a real worker process -------------------------------------------

@pytest.fixture(scope="module")
def worker_env(database_url: str, redis_url: str,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, dict[str, str]]]:
    """A committed database with the reference MRCs (the worker is another process)."""
    from mrc.org.services import ensure_reference_network

    name = "mrc_leaflets_" + uuid.uuid4().hex[:8]
    with extra_database(database_url, name) as url:
        outputs = tmp_path_factory.mktemp("outputs")
        jobs_app = create_app(make_config(url, REDIS_URL=redis_url, MRC_OUTPUT_DIR=str(outputs)))
        with jobs_app.app_context():
            upgrade()
            ensure_reference_network()
            db.session.commit()
        env = dict(os.environ, DATABASE_URL=url, REDIS_URL=redis_url,
                   MRC_OUTPUT_DIR=str(outputs), MRC_ENV="development",
                   MRC_PUBLIC_URL="https://leaflets.example.org")
        yield jobs_app, env
        with jobs_app.app_context():
            db.session.remove()
            db.engine.dispose()


def _wait_for(jobs_app: Flask, job_id: int, done: Callable[[Job], bool],
              timeout: float = 90) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        with jobs_app.app_context():
            job = db.session.get_one(Job, job_id)
            db.session.expunge(job)
            db.session.remove()
        if done(job):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} stuck in state {job.state} ({job.progress}%)")
        time.sleep(0.2)


def test_worker_renders_the_selection(worker_env, tmp_path) -> None:
    jobs_app, env = worker_env
    worker = subprocess.Popen([sys.executable, "-m", "mrc", "worker"], env=env,
                              start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        with jobs_app.app_context():
            from mrc.org.models import MRC

            lahore = db.session.scalars(db.select(MRC).where(MRC.code == "PK-LHE")).one()
            job = jobs.create_job("leaflets_render",
                                  render_params(["L03-recruitment-fees"], ["ur"], ["A5", "A4"],
                                                lahore.id), user_id=None)
            db.session.commit()
            jobs.enqueue(job)
            job_id = job.id
            db.session.remove()
        finished = _wait_for(jobs_app, job_id, lambda j: j.state in ("finished", "failed"))
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
    assert finished.state == "finished", finished.message
    assert finished.result_name == "leaflets-PK-LHE.zip"
    output = Path(env["MRC_OUTPUT_DIR"]) / finished.result_file
    assert _pdf_names(output) == ["L03-recruitment-fees_ur_A5.pdf",
                                  "L03-recruitment-fees_ur_A4.pdf"]
    with zipfile.ZipFile(output) as archive:
        pdf = tmp_path / "ur.pdf"
        pdf.write_bytes(archive.read("L03-recruitment-fees_ur_A4.pdf"))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    # The worker took the public URL (for the QR code) from its environment.
    url = "https://leaflets.example.org/leaflets/L03-recruitment-fees/ur?mrc=PK-LHE"
    # The caption under the QR code wraps the URL; pdftotext marks RTL runs with bidi controls.
    flat = re.sub("[\u202a-\u202e\u2066-\u2069]", "", "".join(text.split()))
    assert url in flat, flat[flat.find("https") - 40:flat.find("https") + 120]

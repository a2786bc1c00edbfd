"""The API's outputs (issue #13): the impact estimates as the impact page publishes them,
report and panel jobs started through the API, their progress, and their one download."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from mrc.api import outputs, tokens
from mrc.audit.models import AuditEvent
from mrc.demo.services import load_demo
from mrc.extensions import db
from mrc.impact import presentation
from mrc.impact import services as impact
from mrc.impact.commands import FIELDS
from mrc.jobs import runner
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from mrc.panels import services as panels
from mrc.panels.models import PanelExport
from mrc.scope import named_scope
from tests.api.test_api import bearer, problem_of
from tests.demo.conftest import TODAY
from tests.panels.conftest import panel_csv, read_zip

REPORT = {"year": 2026, "quarter": 2, "lang": "en", "formats": ["csv"], "area": ""}


class keyed:  # noqa: N801 - reads as a verb at the call site
    """The test client whose POSTs each carry an Idempotency-Key of their own."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def post(self, path: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.post(path, headers={**(headers or {}),
                                               "Idempotency-Key": uuid.uuid4().hex}, **kw)


@pytest.fixture
def output_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(app.config, "MRC_OUTPUT_DIR", str(tmp_path))
    return tmp_path


def token(user: Any) -> dict[str, str]:
    secret = tokens.create_token(user, f"outputs {len(tokens.active_tokens(user))}").secret
    db.session.commit()
    return bearer(secret)


def poll(client: Any, job_id: int, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"/api/v1/jobs/{job_id}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    job: dict[str, Any] = response.get_json()["job"]
    return job


def started(response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.get_data(as_text=True)
    job: dict[str, Any] = response.get_json()["job"]
    assert response.headers["Location"] == f"/api/v1/jobs/{job['id']}" == job["url"]
    return job


# --- impact ---------------------------------------------------------------------------------

@pytest.fixture
def demo(app: Flask, network: dict[str, Any]) -> Any:
    result = load_demo(11, 300, today=TODAY, comparison=200)
    db.session.commit()
    return result


def expected_lines(scope: str, period: str) -> list[dict[str, Any]]:
    report = impact.impact_report(named_scope(scope), impact.parse_period(period))
    return [{name: getattr(line, name) for name in FIELDS}
            for line in presentation.report_lines(report)]


def test_impact_is_the_impact_pages_estimates_for_the_tokens_scope(client, demo,
                                                                    make_user) -> None:
    user = make_user("supervisor", country="PK")
    response = client.get("/api/v1/impact?period=2025", headers=token(user))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["period"], body["area"], body["threshold"]) == ("2025", "", 5)
    pakistan = impact.impact_report(named_scope("PK"), impact.parse_period("2025"))
    everything = impact.impact_report(named_scope("all"), impact.parse_period("2025"))
    assert body["clients"] == pakistan.clients != everything.clients
    assert body["respondents"] == pakistan.respondents and body["clusters"] == 2
    got = [{name: line[name] for name in FIELDS} for line in body["lines"]]
    assert got == expected_lines("PK", "2025") != expected_lines("all", "2025")
    assert body["lines"] and all(line["design_label"] for line in body["lines"])
    assert "Too few MRCs for an interval clustered by MRC: N = 2." in body["notice"]
    narrowed = client.get("/api/v1/impact?period=2025&area=PK-LHE", headers=token(user))
    assert [{name: line[name] for name in FIELDS} for line in narrowed.get_json()["lines"]] \
        == expected_lines("PK-LHE", "2025")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "api_impact")
                               .order_by(AuditEvent.id)).first()
    assert event is not None and event.action == "export" and event.user_id == user.id
    assert event.detail == "area=scope,period=2025"


def test_impact_withholds_what_the_page_withholds(client, demo, make_user,
                                                  suppression_method) -> None:
    body = client.get("/api/v1/impact?area=TJ-DYU&period=2024-Q3",
                      headers=token(make_user("admin"))).get_json()
    assert body["lines"] and body["clients"] is None  # the cohort is below the threshold
    for line in body["lines"]:
        assert line["suppressed"] and line["n_clients"] is None
        assert line["baseline"] is None and line["change"] is None and line["ci_low"] is None


def test_impact_refuses_bad_parameters_and_other_roles(client, network, make_user) -> None:
    headers = token(make_user("supervisor", country="PK"))
    for query, detail in (("period=someday", "period"), ("period=2026-02-30..", "period"),
                          ("area=IQ-EBL", "area"), ("area=IQ-EBL&period=x", "area,period"), ("period=" + "2026" * 11, "period")):
        response = client.get(f"/api/v1/impact?{query}", headers=headers)
        assert response.status_code == 400 and problem_of(response)["detail"] == detail, query
    for role in ("counsellor", "manager", "evaluator"):
        response = client.get("/api/v1/impact", headers=token(make_user(role)))
        assert response.status_code == 403 and problem_of(response)["status"] == 403
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.entity == "api_impact")) is None


# --- report jobs ----------------------------------------------------------------------------

@pytest.fixture
def pakistan(make_client: Any) -> None:
    for mrc, n in (("PK-ISB", 8), ("PK-LHE", 6), ("IQ-EBL", 9)):
        for _ in range(n):
            make_client(mrc, sessions=1, baseline=date(2026, 5, 4))


def test_a_report_job_runs_and_its_file_downloads_once(client, pakistan, make_user,
                                                       output_dir) -> None:
    user = make_user("supervisor", country="PK")
    headers = token(user)
    job = started(keyed(client).post("/api/v1/reports", json=REPORT, headers=headers))
    record = db.session.get_one(Job, job["id"])
    assert (record.kind, record.user_id, record.params["formats"]) == (
        "quarterly_report", user.id, ["csv"])
    polled = poll(client, job["id"], headers)  # in-process: it ran in the request
    assert (polled["state"], polled["progress"]) == ("finished", 100)
    assert polled["started_at"] and polled["finished_at"] and polled["created_at"]
    assert polled["download"] == f"/api/v1/jobs/{job['id']}/download"
    assert client.get(polled["download"], headers=headers).status_code == 405  # POST only

    download = client.post(polled["download"], headers=headers)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    text = download.get_data().decode("utf-8-sig")
    download.close()
    assert "Counselling sessions" in text and "PK-ISB" in text and "IQ-EBL" not in text
    again = client.post(polled["download"], headers=headers)
    assert again.status_code == 410
    assert problem_of(again)["title"] == "This file was already downloaded."
    after = poll(client, job["id"], headers)
    assert after["download"] is None and after["downloaded_at"]
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "api_job_download")).all()
    assert [(e.action, e.entity_id, e.user_id) for e in events] == [
        ("export", job["id"], user.id)]


def test_the_download_is_claimed_in_the_database_not_in_memory(client, network, make_user,
                                                               output_dir) -> None:
    """Of two concurrent downloads only one may win: the claim is a conditional UPDATE,
    so a request holding a stale copy of the job (another took the file meanwhile) loses."""
    user = make_user("admin")
    job = jobs.create_job("selftest", {"steps": 1}, user.id)
    db.session.commit()
    jobs.enqueue(job)
    stale = db.session.get_one(Job, job.id)
    assert stale.api_downloaded_at is None
    db.session.execute(update(Job).where(Job.id == job.id)
                       .values(api_downloaded_at=datetime.now(UTC))
                       .execution_options(synchronize_session=False))
    assert stale.api_downloaded_at is None  # the copy in memory does not know
    assert outputs._claim(stale) is False


def test_report_requests_are_checked_as_the_page_checks_them(client, network,
                                                            make_user) -> None:
    headers = token(make_user("supervisor", country="PK"))
    cases = [({"quarter": 5}, "quarter"), ({"year": 2001}, "year"), ({"year": "2026"}, "year"),
             ({"formats": ["doc"]}, "formats"), ({"formats": []}, "formats"),
             ({"formats": "csv"}, "formats"), ({"lang": "xx"}, "lang"),
             ({"area": "IQ-EBL"}, "area"), ({"quarter": True, "area": "IQ"}, "area,quarter"),
             ({"colour": "red"}, "body")]
    for change, detail in cases:
        response = keyed(client).post("/api/v1/reports", json={**REPORT, **change}, headers=headers)
        assert response.status_code == 400, change
        assert problem_of(response)["detail"] == detail, change
    missing = keyed(client).post("/api/v1/reports", json={"quarter": 2}, headers=headers)
    assert problem_of(missing)["detail"] == "year"
    for data in ("[1, 2]", "not json", ""):
        response = keyed(client).post("/api/v1/reports", data=data, headers=headers,
                               content_type="application/json")
        assert problem_of(response)["detail"] == "body"
    for role in ("counsellor", "manager", "evaluator"):
        response = keyed(client).post("/api/v1/reports", json=REPORT, headers=token(make_user(role)))
        assert response.status_code == 403
    assert db.session.scalar(select(Job.id)) is None


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)


def test_report_bodies_never_break_the_view(client, network, make_user, monkeypatch) -> None:
    """Any JSON body: a job (202) or a problem naming what is wrong (400), never a 500."""
    monkeypatch.setattr(runner, "enqueue", lambda job: None)
    headers = token(make_user("admin"))
    fields = st.sampled_from([*outputs.REPORT_FIELDS, "other"])

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(body=st.one_of(JSON, st.dictionaries(fields, JSON | st.sampled_from(
        [2026, 3, "en", "ar", ["csv"], ["pdf", "xlsx"], "PK", ""]), max_size=5)))
    def post(body: Any) -> None:
        response = keyed(client).post("/api/v1/reports", json={**REPORT, **body}
                               if isinstance(body, dict) and "other" not in body else body,
                               headers=headers)
        assert response.status_code in (202, 400), response.get_data(as_text=True)
        if response.status_code == 400:
            detail = problem_of(response)["detail"]
            assert set(detail.split(",")) <= {*outputs.REPORT_FIELDS, "body"}, detail

    post()


def test_defaults_are_the_pages(client, network, make_user, monkeypatch) -> None:
    monkeypatch.setattr(runner, "enqueue", lambda job: None)
    response = keyed(client).post("/api/v1/reports", json={"year": 2026, "quarter": 1},
                           headers=token(make_user("admin")) | {"Accept-Language": "ur"})
    job = db.session.get_one(Job, started(response)["id"])
    assert job.params == {"year": 2026, "quarter": 1, "lang": "ur", "formats": ["pdf", "xlsx"],
                          "area": "", "latin_digits": False}
    assert job.state == "queued"


def test_another_users_job_is_not_there(client, network, make_user, output_dir) -> None:
    owner, other = make_user("admin"), make_user("admin")
    job = jobs.create_job("selftest", {"steps": 1}, owner.id)
    db.session.commit()
    jobs.enqueue(job)
    for response in (client.get(f"/api/v1/jobs/{job.id}", headers=token(other)),
                     client.post(f"/api/v1/jobs/{job.id}/download", headers=token(other)),
                     client.get("/api/v1/jobs/999999", headers=token(other))):
        assert response.status_code == 404 and problem_of(response)["status"] == 404
    assert db.session.get_one(Job, job.id).api_downloaded_at is None
    mine = client.post(f"/api/v1/jobs/{job.id}/download", headers=token(owner))
    assert mine.status_code == 200 and mine.get_data(as_text=True).startswith("step 1")
    mine.close()


def test_polling_shows_the_jobs_progress(client, network, make_user, output_dir,
                                         monkeypatch) -> None:
    user = make_user("admin")
    headers = token(user)
    seen: list[dict[str, Any]] = []

    def steps(job: Job, progress: jobs.Progress) -> jobs.JobOutput:
        progress(40, "step 2 of 5")
        seen.append(poll(client, job.id, headers))
        with jobs.atomic_output(f"steps-{job.id}.txt") as path:
            path.write_text("done")
        return jobs.JobOutput(f"steps-{job.id}.txt", "steps.txt")

    monkeypatch.setitem(jobs._KINDS, "api_steps", steps)
    job = jobs.create_job("api_steps", {}, user.id)
    db.session.commit()
    queued = poll(client, job.id, headers)
    assert (queued["state"], queued["progress"], queued["started_at"]) == ("queued", 0, None)
    assert queued["download"] is None
    download = client.post(f"/api/v1/jobs/{job.id}/download", headers=headers)
    assert download.status_code == 409 and problem_of(download)["detail"] == "state"
    jobs.run_job(job.id)
    running = seen[0]
    assert (running["state"], running["progress"], running["message"]) == (
        "running", 40, "step 2 of 5")
    assert running["started_at"] and running["finished_at"] is None and not running["download"]
    finished = poll(client, job.id, headers)
    assert (finished["state"], finished["progress"]) == ("finished", 100)
    assert finished["download"]


def test_a_job_whose_worker_died_is_shown_failed(client, network, make_user) -> None:
    user = make_user("admin")
    job = jobs.create_job("selftest", {}, user.id)
    long_ago = datetime.now(UTC) - timedelta(days=1)
    job.state, job.started_at, job.heartbeat_at = "running", long_ago, long_ago
    db.session.commit()
    polled = poll(client, job.id, token(user))
    assert (polled["state"], polled["message"]) == ("failed", jobs.ABANDONED)


# --- panel jobs -----------------------------------------------------------------------------

def study_of(user: Any, network: dict[str, Any]) -> Any:
    return panels.create_study(user, {
        "name": "Returnees 2026", "mrc_ids": [network["PK-ISB"].id],
        "period_start": date(2026, 1, 1), "period_end": date(2026, 12, 31), "waves": [1, 2],
        "covariates": ["sex", "age", "province"], "outcomes": ["intention"],
        "shape": "long", "formats": ["csv"], "date_mode": "days", "k": 5,
        "l_variable": None, "l_value": None, "include_comparison": False})


def test_a_panel_export_through_the_api_downloads_once(client, network, population, make_user,
                                                       login, output_dir) -> None:
    population(60, "PK-ISB", seed=1)
    evaluator = make_user("evaluator", country="PK")
    study = study_of(evaluator, network)
    headers = token(evaluator)
    job = started(keyed(client).post(f"/api/v1/panels/{study.id}/exports", headers=headers))
    export = db.session.scalars(select(PanelExport)).one()
    assert export.job_id == job["id"] and export.requested_by_id == evaluator.id
    polled = poll(client, job["id"], headers)
    assert polled["state"] == "finished" and polled["kind"] == "panel_export"
    assert polled["export"]["state"] == "ready" and polled["export"]["expires_at"]
    download = client.post(polled["download"], headers=headers)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.headers["Cache-Control"] == "no-store"
    files = read_zip(download.get_data())
    download.close()
    db.session.refresh(export)
    assert panel_csv(files)["person_id"].nunique() == export.persons_released > 0
    assert panels.export_state(export) == "downloaded"
    assert not (output_dir / f"panel-{export.id}.zip").exists()
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(a.entity, a.entity_id, a.user_id) for a in audit] == [
        ("panel_study", study.id, evaluator.id)]  # as the web's download records it
    again = client.post(polled["download"], headers=headers)
    assert again.status_code == 410 and problem_of(again)["detail"] == "downloaded"
    assert poll(client, job["id"], headers)["export"]["state"] == "downloaded"
    # The panel's one download is shared with the web: none is left there either.
    browser = login(evaluator)
    assert browser.post(f"/panels/exports/{export.id}/download").status_code == 302


def test_a_panel_downloaded_on_the_web_is_gone_from_the_api(client, network, population,
                                                           make_user, login,
                                                           output_dir) -> None:
    population(30, "PK-ISB", seed=2)
    evaluator = make_user("evaluator", country="PK")
    study = study_of(evaluator, network)
    headers = token(evaluator)
    job = started(keyed(client).post(f"/api/v1/panels/{study.id}/exports", headers=headers))
    export = db.session.scalars(select(PanelExport)).one()
    web = login(evaluator).post(f"/panels/exports/{export.id}/download")
    assert web.status_code == 200
    web.close()
    client.post("/logout")
    assert poll(client, job["id"], headers)["download"] is None
    response = client.post(f"/api/v1/jobs/{job['id']}/download", headers=headers)
    assert response.status_code == 410 and problem_of(response)["detail"] == "downloaded"


def test_panel_exports_keep_the_webs_roles_and_ownership(client, network, make_user,
                                                         output_dir, monkeypatch) -> None:
    monkeypatch.setattr(runner, "enqueue", lambda job: None)
    owner = make_user("evaluator", country="PK")
    study = study_of(owner, network)
    for other in (make_user("evaluator", country="PK"), make_user("admin")):
        response = keyed(client).post(f"/api/v1/panels/{study.id}/exports", headers=token(other))
        assert response.status_code == 404
    for role in ("supervisor", "counsellor", "manager"):
        response = keyed(client).post(f"/api/v1/panels/{study.id}/exports",
                               headers=token(make_user(role, country="PK")
                                             if role == "supervisor" else make_user(role)))
        assert response.status_code == 403
    assert db.session.scalar(select(PanelExport.id)) is None
    job = started(keyed(client).post(f"/api/v1/panels/{study.id}/exports", headers=token(owner)))
    assert job["state"] == "queued" and job["export"]["state"] == "pending"
    response = client.post(f"/api/v1/jobs/{job['id']}/download", headers=token(owner))
    assert response.status_code == 409

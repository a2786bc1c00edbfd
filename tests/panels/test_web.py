"""The evaluator's pages: define a study, watch the export job, download the zip once;
scope and roles."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mrc.audit.models import AuditEvent
from mrc.extensions import db
from mrc.jobs.models import Job
from mrc.panels import services
from mrc.panels.models import PanelExport, PanelStudy
from tests.panels.conftest import panel_csv, read_zip


@pytest.fixture(autouse=True)
def _outputs(app, tmp_path):
    previous = app.config.get("MRC_OUTPUT_DIR")
    app.config["MRC_OUTPUT_DIR"] = str(tmp_path / "outputs")
    yield
    app.config["MRC_OUTPUT_DIR"] = previous


def study_form(network, codes=("PK-ISB", "PK-LHE"), **changes):
    data = {
        "name": "Returnees 2026", "mrc_ids": [str(network[c].id) for c in codes],
        "period_start": "2026-01-01", "period_end": "2026-12-31", "waves": ["1", "2"],
        "covariates": ["sex", "age", "province", "migrant_status"],
        "outcomes": ["intention", "location_status", "awareness_score", "used_mrc_info"],
        "shape": "long", "formats": ["csv", "dta", "sav", "parquet"], "date_mode": "days",
        "k": "5", "l_variable": "", "l_value": "",
    }
    data.update(changes)
    return data


def define(browser, network, **changes):
    response = browser.post("/panels/new", data=study_form(network, **changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalars(select(PanelStudy).order_by(PanelStudy.id.desc())).first()


def test_define_export_and_download_once(network, population, make_user, login, app,
                                         tmp_path):
    population(60, "PK-ISB", seed=1)
    evaluator = make_user("evaluator", country="PK")
    browser = login(evaluator)
    page = browser.get("/panels/new")
    assert page.status_code == 200 and "MRC Islamabad" in page.get_data(as_text=True)
    assert "MRC Erbil" not in page.get_data(as_text=True)
    study = define(browser, network)
    assert study.owner_id == evaluator.id and study.k == 5
    assert study.key_enc and len(services.study_key(study)) == 32
    assert study.variables == ["sex", "age", "province", "migrant_status", "intention",
                               "location_status", "awareness_score", "used_mrc_info"]

    response = browser.post(f"/panels/{study.id}/export")
    assert response.status_code == 302
    export = db.session.scalars(select(PanelExport)).one()
    assert response.headers["Location"].endswith(f"/panels/exports/{export.id}")
    job = db.session.get(Job, export.job_id)
    assert (job.kind, job.state, job.progress, job.result_file) == (
        "panel_export", "finished", 100, None)
    db.session.refresh(export)
    assert services.export_state(export) == "ready" and export.persons_released > 0
    path = tmp_path / "outputs" / export.file_name
    assert path.is_file()
    assert not list((tmp_path / "outputs").glob(".partial*"))

    status = browser.get(f"/panels/exports/{export.id}").get_data(as_text=True)
    assert "Download the panel (once)" in status and 'id="job-progress"' in status
    # The generic job download does not serve panels (it would serve them many times).
    assert browser.get(f"/jobs/{job.id}/download").status_code == 404

    download = browser.post(f"/panels/exports/{export.id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    files = read_zip(download.get_data())
    download.close()
    frame = panel_csv(files)
    assert frame["person_id"].nunique() == export.persons_released
    assert not path.exists()
    db.session.refresh(export)
    assert services.export_state(export) == "downloaded"
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(a.entity, a.entity_id, a.user_id) for a in audit] == [
        ("panel_study", study.id, evaluator.id)]

    again = browser.post(f"/panels/exports/{export.id}/download")
    assert again.status_code == 302
    assert "no longer available" in browser.get(again.headers["Location"]).get_data(
        as_text=True)

    # A second export of the study: the same person ids.
    browser.post(f"/panels/{study.id}/export")
    second = db.session.scalars(select(PanelExport).order_by(PanelExport.id.desc())).first()
    response = browser.post(f"/panels/exports/{second.id}/download")
    assert set(panel_csv(read_zip(response.get_data()))["person_id"]) == set(frame["person_id"])
    response.close()
    listing = browser.get("/panels/").get_data(as_text=True)
    assert "Returnees 2026" in listing
    page = browser.get(f"/panels/{study.id}").get_data(as_text=True)
    assert "Downloaded" in page


def test_invalid_definitions_are_refused(network, make_user, login):
    browser = login(make_user("evaluator"))
    for changes, message in (
        ({"k": "2"}, "Number must be between"),
        ({"mrc_ids": []}, "Choose at least one MRC"),
        ({"period_end": "2025-01-01"}, "ends before it starts"),
        ({"formats": []}, "Choose at least one format"),
        ({"l_variable": "intention", "l_value": "9"}, "l cannot be larger than k"),
        ({"l_variable": "intention", "l_value": "2", "outcomes": ["awareness_score"]},
         "must be one of the chosen outcomes"),
    ):
        response = browser.post("/panels/new", data=study_form(network, **changes))
        assert response.status_code == 400, changes
        assert message in response.get_data(as_text=True), changes
    assert db.session.query(PanelStudy).count() == 0


def test_evaluator_cannot_include_mrcs_outside_scope(network, make_user, login):
    evaluator = make_user("evaluator", country="PK")
    browser = login(evaluator)
    response = browser.post("/panels/new", data=study_form(network, codes=("PK-ISB", "IQ-EBL")))
    assert response.status_code == 400
    assert db.session.query(PanelStudy).count() == 0
    errors = services.validate_study({**_service_data(network, ("IQ-EBL",))}, evaluator)
    assert "within your scope" in errors["mrc_ids"]


def test_export_is_cut_to_the_owners_current_scope(network, population, make_user, tmp_path):
    population(30, "PK-ISB", seed=2)
    population(30, "IQ-EBL", seed=3)
    evaluator = make_user("evaluator", region="SOUTH_ASIA")
    # Defined while the evaluator's scope was everything; now it is South Asia only.
    study = services.create_study(make_user("evaluator"),
                                  _service_data(network, ("PK-ISB", "IQ-EBL")))
    study.owner_id = evaluator.id
    spec = services.spec_of(study, evaluator)
    assert spec.mrc_ids == (network["PK-ISB"].id,)


def test_roles_and_ownership(network, population, make_user, login, client):
    owner = make_user("evaluator")
    study = services.create_study(owner, _service_data(network, ("PK-ISB",)))
    export = services.request_export(study, owner)
    db.session.commit()
    for role in ("counsellor", "manager", "supervisor"):
        browser = login(make_user(role))
        for url in ("/panels/", "/panels/new", f"/panels/{study.id}",
                    f"/panels/exports/{export.id}"):
            assert browser.get(url).status_code == 403, (role, url)
        assert browser.post(f"/panels/exports/{export.id}/download").status_code == 403
        browser.post("/logout")
    other = login(make_user("evaluator"))
    assert other.get(f"/panels/{study.id}").status_code == 404
    assert other.get(f"/panels/exports/{export.id}").status_code == 404
    assert other.post(f"/panels/{study.id}/export").status_code == 404
    assert other.post(f"/panels/exports/{export.id}/download").status_code == 404
    assert "Returnees" not in other.get("/panels/").get_data(as_text=True)
    assert 'href="/panels/"' in other.get("/panels/").get_data(as_text=True)


def test_expired_export_is_deleted_and_refused(network, population, make_user, tmp_path):
    population(20, "PK-ISB", seed=4)
    owner = make_user("evaluator")
    study = services.create_study(owner, _service_data(network, ("PK-ISB",)))
    export = services.request_export(study, owner)
    db.session.commit()
    services.run_export(export.id, lambda percent, message: None)
    path = tmp_path / "outputs" / export.file_name
    assert path.is_file()
    export.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.flush()
    assert services.export_state(export) == "expired"
    assert services.claim_download(export, owner) is None
    assert services.purge_expired() == 1 and not path.exists()


def test_cli_export_panel(network, population, make_user, app, tmp_path):
    population(40, "PK-ISB", seed=5)
    owner = make_user("evaluator")
    study = services.create_study(owner, _service_data(network, ("PK-ISB",)))
    db.session.commit()
    runner = app.test_cli_runner()
    outputs = []
    for name in ("a.zip", "b.zip"):
        result = runner.invoke(args=["mrc", "export-panel", "--study", str(study.id),
                                     "--k", "3", "--output", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert "persons" in result.output and "k reached" in result.output
        outputs.append(read_zip((tmp_path / name).read_bytes()))
    ids = [set(panel_csv(files)["person_id"]) for files in outputs]
    assert ids[0] == ids[1] and ids[0]
    assert json.loads(outputs[0]["disclosure.json"])["k_requested"] == 3
    adhoc = runner.invoke(args=["mrc", "export-panel", "--mrc", "PK-ISB", "--shape", "wide",
                                "--format", "csv", "--output", str(tmp_path / "c.zip")])
    assert adhoc.exit_code == 0, adhoc.output
    files = read_zip((tmp_path / "c.zip").read_bytes())
    assert "panel.dta" not in files and not set(panel_csv(files)["person_id"]) & ids[0]
    assert not list(tmp_path.glob(".partial*"))
    bad = runner.invoke(args=["mrc", "export-panel", "--k", "2", "--output",
                              str(tmp_path / "d.zip")])
    assert bad.exit_code != 0 and not (tmp_path / "d.zip").exists()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert len(events) == 3


def _service_data(network, codes):
    from datetime import date

    return {"name": "Returnees", "mrc_ids": [network[c].id for c in codes],
            "period_start": date(2026, 1, 1), "period_end": date(2026, 12, 31),
            "waves": [1, 2], "covariates": ["sex", "age"], "outcomes": ["intention"],
            "shape": "long", "formats": ["csv", "dta"], "date_mode": "days", "k": 5}

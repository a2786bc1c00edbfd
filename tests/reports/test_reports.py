"""Quarterly reports: the page, the job, the PDF/CSV/XLSX files and their numbers."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import zipfile
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from mrc.aggregates import periods
from mrc.aggregates.services import SUPPRESSED, indicator_tables
from mrc.audit.models import AuditEvent
from mrc.extensions import db
from mrc.jobs import services as jobs
from mrc.jobs.models import Job
from mrc.reports import services
from mrc.reports.services import ReportRequest

YEAR, QUARTER = 2026, 2
PERIOD = f"{YEAR}-Q{QUARTER}"
BASELINE = date(YEAR, 5, 4)
CELL = re.compile(r"[0-9٠-٩۰-۹.,٫٬%–-]+|x")


@pytest.fixture
def outputs(app, tmp_path, monkeypatch) -> Path:
    monkeypatch.setitem(app.config, "MRC_OUTPUT_DIR", str(tmp_path))
    return tmp_path


def fill(make_client, mrc, n, **fields):
    for _ in range(n):
        make_client(mrc, sessions=1, baseline=BASELINE, **fields)


@pytest.fixture
def pakistan(make_client):
    """Islamabad: 8 sessions; Lahore: 2 sessions (suppressed, and Islamabad with it
    wherever the country total would give Lahore away); Erbil (Iraq): 9."""
    fill(make_client, "PK-ISB", 8)
    fill(make_client, "PK-LHE", 2)
    fill(make_client, "IQ-EBL", 9)


def pdf_text(data: bytes, tmp_path: Path, name: str = "report.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,  # noqa: S607
                         capture_output=True, text=True)
    return out.stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,  # noqa: S607
                          text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info)[1])  # type: ignore[index]


def ask(browser, **data):
    form = {"year": YEAR, "quarter": QUARTER, "lang": "en", "formats": ["pdf"], "area": ""}
    form.update(data)
    return browser.post("/reports/", data=form)


def finished_job(response) -> Job:
    assert response.status_code == 302, response.get_data(as_text=True)
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    assert job.state == "finished", job.message
    return job


def row_cells(text: str, label: str, title: str) -> list[str]:
    """The cells of the row ``label`` in the table headed ``title`` (pdftotext -layout)."""
    block = text[text.index(title):]
    for line in block.splitlines():
        if label in line:
            cells = line.split(label, 1)[1].split()
            # Chart labels carry the same names; a table row has only cells after it.
            if cells and all(CELL.fullmatch(cell) for cell in cells):
                return cells
    raise AssertionError(f"no row {label!r} under {title!r}")


# --- the page ----------------------------------------------------------------------------


def test_roles(network, make_user, login, client):
    assert client.get("/reports/").status_code == 302  # log in first
    for role in ("counsellor", "manager", "evaluator"):
        browser = login(make_user(role))
        assert browser.get("/reports/").status_code == 403
        assert ask(browser).status_code == 403
        client.post("/logout")
    assert db.session.query(Job).count() == 0
    browser = login(make_user("supervisor", country="PK"))
    page = browser.get("/reports/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'href="/reports/"' in body  # the nav link
    assert "PK-ISB" in body and "IQ-EBL" not in body


def test_page_defaults_to_the_interface_language(network, make_user, login):
    browser = login(make_user("admin"))
    body = browser.get("/reports/?lang=ar").get_data(as_text=True)
    assert '<option lang="ar" selected value="ar">' in body


# --- the job, end to end -----------------------------------------------------------------


@pytest.mark.usefixtures("suppression_method")
def test_pdf_has_the_dashboard_numbers_and_is_audited(network, make_user, login, pakistan,
                                                      outputs):
    user = make_user("supervisor", country="PK")
    browser = login(user)
    job = finished_job(ask(browser, formats=["pdf", "csv", "xlsx"]))
    assert job.progress == 100 and job.params["formats"] == ["pdf", "csv", "xlsx"]
    assert set(job.params) == {"year", "quarter", "lang", "formats", "area", "latin_digits"}
    assert job.result_name.endswith(".zip")

    # The dashboard's published sessions table for the same area and period.
    dashboard = list(csv.reader(io.StringIO(browser.get(
        f"/dashboard/tables/sessions.csv?period={PERIOD}").get_data(as_text=True))))
    published = {row[0]: row[1] for row in dashboard[1:]}
    isb = next(k for k in published if "PK-ISB" in k)
    lhe = next(k for k in published if "PK-LHE" in k)
    assert published[lhe] == SUPPRESSED  # 2 sessions
    assert published[isb] == SUPPRESSED  # else the country total gives Lahore away
    assert published["Total"] == "10"
    # ... and the dashboard page shows the same cells.
    page = browser.get(f"/dashboard/?period={PERIOD}").get_data(as_text=True)
    section = page[page.index('id="table-sessions"'):]
    section = section[:section.index("</table>")]
    for label in (isb, lhe, "Total"):
        row = section[section.index(f">{label}</th>"):]
        cell = re.search(r"<bdi>(?:<abbr[^>]*>)?([^<]*)", row)[1]  # type: ignore[index]
        assert cell == published[label], label

    download = browser.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200
    data = download.data
    download.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert [n.rsplit(".", 1)[1] for n in names] == ["pdf", "csv", "xlsx"]
        pdf, table_csv, xlsx = (archive.read(n) for n in names)

    # PDF: pages, and the sessions table with exactly the dashboard's cells.
    (outputs / "r.pdf").write_bytes(pdf)
    assert pdf_pages(outputs / "r.pdf") > 0
    text = pdf_text(pdf, outputs)
    assert "Quarterly report" in text and "Pakistan" in text and "Iraq" not in text
    assert "IQ-EBL" not in text and "Erbil" not in text
    for label in (isb, lhe, "Total"):
        cells = row_cells(text, label, "Counselling sessions")
        assert cells == [published[label]], (label, cells)
    assert row_cells(text, lhe, "Counselling sessions") == [SUPPRESSED]

    # CSV: the same table, the same cells, UTF-8 with a byte-order mark.
    assert table_csv.startswith(b"\xef\xbb\xbf")
    lines = table_csv.decode("utf-8-sig").split("\n\n")
    sessions = next(block for block in lines if block.startswith("Counselling sessions\n"))
    rows = list(csv.reader(io.StringIO(sessions.split("\n", 1)[1])))
    assert rows == dashboard

    # XLSX: the same again, numbers as numbers.
    book = load_workbook(io.BytesIO(xlsx))
    sheet = book["sessions"]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert values[lhe] == SUPPRESSED and values[isb] == SUPPRESSED and values["Total"] == 10

    event = db.session.query(AuditEvent).filter_by(action="export",
                                                   entity="quarterly_report").one()
    assert event.user_id == user.id and event.entity_id == job.id
    assert event.detail == f"period={PERIOD},area=-,lang=en,formats=pdf+csv+xlsx"


def test_suppressed_cells_never_show_the_small_count(network, make_user, make_client,
                                                     login, outputs):
    fill(make_client, "PK-ISB", 9, sex="female")
    fill(make_client, "PK-ISB", 3, sex="male")
    fill(make_client, "PK-LHE", 7, sex="female")
    fill(make_client, "PK-LHE", 6, sex="male")
    browser = login(make_user("supervisor", country="PK"))
    job = finished_job(ask(browser, formats=["pdf"]))
    text = pdf_text((outputs / job.result_file).read_bytes(), outputs)
    tables = indicator_tables([network["PK-ISB"].id, network["PK-LHE"].id],
                              periods.quarter(YEAR, QUARTER), "mrc")
    for table in tables:
        if table.title not in text:
            continue
        for r, row in enumerate(table.rows):
            if row.level != 3:
                continue
            cells = row_cells(text, row.label, table.title)
            expected = [services.cell_text(table, r, c, "en") for c in range(len(table.columns))]
            assert cells == expected, (table.key, row.label)


def test_arabic_report_is_rtl_with_arabic_text(network, make_user, login, pakistan, outputs):
    browser = login(make_user("supervisor", country="PK"))
    job = finished_job(ask(browser, lang="ar", formats=["pdf"]))
    assert job.result_name.endswith(".pdf")
    path = outputs / job.result_file
    assert pdf_pages(path) > 0
    text = pdf_text(path.read_bytes(), outputs)
    assert re.search(r"[\u0600-\u06FF]{3,}", text)  # Arabic script, shaped into words
    assert "PK-ISB" in text

    from mrc.reports import render

    with pytest.MonkeyPatch.context() as patch:
        html: list[str] = []
        real = render.html_to_pdf
        patch.setattr(render, "html_to_pdf", lambda doc: (html.append(doc), real(doc))[1])
        finished_job(ask(browser, lang="ar", formats=["pdf"]))
    assert '<html lang="ar" dir="rtl">' in html[0]

    download = browser.get(f"/jobs/{job.id}/download")
    download.close()
    disposition = download.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition
    name = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert name == job.result_name
    assert "الربع" in name and name.endswith(".pdf")  # "quarter" in Arabic


def test_file_name_in_english(network, make_user, login, pakistan, outputs):
    browser = login(make_user("supervisor", country="PK"))
    job = finished_job(ask(browser, formats=["csv"], area="PK-ISB"))
    assert job.result_name == "report-2nd-quarter-2026-PK-ISB.csv"
    download = browser.get(f"/jobs/{job.id}/download")
    download.close()
    disposition = download.headers["Content-Disposition"]
    assert "report-2nd-quarter-2026-PK-ISB.csv" in disposition
    text = (outputs / job.result_file).read_text(encoding="utf-8-sig")
    assert "PK-ISB" in text and "PK-LHE" not in text


# --- scope -------------------------------------------------------------------------------


def test_a_country_supervisor_cannot_get_another_country(network, make_user, login, pakistan,
                                                         outputs):
    user = make_user("supervisor", country="PK")
    browser = login(user)
    # Not a choice of the form: refused.
    response = ask(browser, area="IQ", formats=["csv"])
    assert response.status_code == 400
    assert db.session.query(Job).count() == 0
    # A job asking for it anyway (parameters written by hand) narrows to nothing.
    job = jobs.create_job(services.JOB_KIND, ReportRequest(YEAR, QUARTER, "en", ("csv",),
                                                           "IQ").to_params(), user.id)
    db.session.commit()
    jobs.run_job(job.id)
    db.session.refresh(job)
    assert job.state == "finished"
    text = (outputs / job.result_file).read_text(encoding="utf-8-sig")
    assert "IQ-EBL" not in text and "Erbil" not in text and "Iraq" not in text
    # The region supervisor's whole scope has both.
    regional = make_user("supervisor", region="MIDDLE_EAST")
    job = jobs.create_job(services.JOB_KIND, ReportRequest(YEAR, QUARTER, "en",
                                                           ("csv",)).to_params(), regional.id)
    db.session.commit()
    jobs.run_job(job.id)
    db.session.refresh(job)
    text = (outputs / job.result_file).read_text(encoding="utf-8-sig")
    assert "IQ-EBL" in text and "PK-ISB" not in text


def test_job_of_a_user_without_the_role_fails(network, make_user, outputs):
    user = make_user("counsellor")
    job = jobs.create_job(services.JOB_KIND, ReportRequest(YEAR, QUARTER).to_params(), user.id)
    db.session.commit()
    jobs.run_job(job.id)
    db.session.refresh(job)
    assert (job.state, job.message) == ("failed", "ReportError")
    assert list(outputs.iterdir()) == []


# --- the job's contract ------------------------------------------------------------------


def test_running_twice_is_harmless_and_progress_is_reported(network, make_user, pakistan,
                                                            outputs):
    user = make_user("admin")
    job = jobs.create_job(services.JOB_KIND,
                          ReportRequest(YEAR, QUARTER, "en", ("csv", "xlsx")).to_params(),
                          user.id)
    db.session.commit()
    from mrc.reports.tasks import quarterly_report

    reports: list[tuple[int, str]] = []
    first = quarterly_report(job, lambda p, m: reports.append((p, m)))
    assert [p for p, _m in reports] == [5, 52, 95]
    def members() -> dict[str, bytes]:
        with zipfile.ZipFile(outputs / first.file_name) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    def sheets(data: bytes) -> list[list[tuple[object, ...]]]:
        book = load_workbook(io.BytesIO(data))
        return [list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets]

    before = members()
    second = quarterly_report(job, lambda p, m: None)
    assert second == first
    after = members()
    assert list(after) == list(before) == ["report-2nd-quarter-2026.csv",
                                           "report-2nd-quarter-2026.xlsx"]
    assert after["report-2nd-quarter-2026.csv"] == before["report-2nd-quarter-2026.csv"]
    assert sheets(after["report-2nd-quarter-2026.xlsx"]) == sheets(
        before["report-2nd-quarter-2026.xlsx"])
    assert sorted(p.name for p in outputs.iterdir()) == [first.file_name]


def test_bad_parameters_are_refused():
    good = ReportRequest(YEAR, QUARTER, "ps", ("xlsx", "pdf"), "PK").to_params()
    assert ReportRequest.from_params(good).formats == ("pdf", "xlsx")
    for key, value in (("year", "2026"), ("quarter", 5), ("lang", "de"),
                       ("formats", ["exe"]), ("area", "../x")):
        with pytest.raises(services.ReportError):
            ReportRequest.from_params({**good, key: value})


# --- the command line ----------------------------------------------------------------------


@pytest.mark.usefixtures("suppression_method")
def test_report_command_writes_the_file(app, network, pakistan, tmp_path):
    target = tmp_path / "q2.csv"
    result = app.test_cli_runner().invoke(args=[
        "mrc", "report", "--scope", "PK", "--quarter", PERIOD, "--format", "csv",
        "--output", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8-sig")
    assert "PK-ISB" in text and "IQ-EBL" not in text
    sessions = text.split("Counselling sessions\n", 1)[1].split("\n\n", 1)[0]
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(sessions))}
    assert rows["Total"] == ["10"]
    assert db.session.query(AuditEvent).filter_by(entity="quarterly_report").count() == 1
    bad = app.test_cli_runner().invoke(args=["mrc", "report", "--quarter", "2026-07"])
    assert bad.exit_code != 0


def test_impact_section_prints_estimates_and_suppresses_small_ones(app, network, monkeypatch):
    from mrc.impact import estimators
    from mrc.impact import services as impact

    def estimate(outcome: str, n: int, suppressed: bool) -> estimators.Estimate:
        return estimators.Estimate(
            outcome=outcome, wave=1, design="before_after", n_treated=n, n_comparison=None,
            baseline=0.21, followup=0.08, comparison_baseline=None, comparison_followup=None,
            estimate=-0.13, ci_low=-0.2, ci_high=-0.06, p_value=0.01, clusters=3,
            method="wild_cluster_bootstrap", suppressed=suppressed)

    def fake_report(mrc_ids, period, **_kw):
        return impact.ImpactReport(period=period, threshold=5, estimates=[
            estimate("irregular", 120, False), estimate("regular", 3, True)])

    monkeypatch.setattr(impact, "impact_report", fake_report)
    [table] = services.impact_tables([network["PK-ISB"].id], periods.quarter(YEAR, QUARTER))
    assert [services.cell_text(table, 0, c, "en") for c in range(6)] == [
        "120", "21", "8", "-13", "-20", "-6"]
    assert [services.cell_text(table, 1, c, "en") for c in range(6)] == [SUPPRESSED] * 6

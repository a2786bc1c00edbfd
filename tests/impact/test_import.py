"""Importing the comparison survey: the same validated, all-or-nothing, idempotent import
as the other kinds, from the CLI and the manager's upload page."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from mrc.audit.models import AuditEvent
from mrc.extensions import db
from mrc.impact.models import ComparisonRespondent, ComparisonResponse
from tests.impact.conftest import DATA, csv_bytes, line


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def cells(result: Any) -> list[tuple[int | None, str | None]]:
    return [(e.row, e.column) for e in result.errors]


def respondent(external_id: str) -> ComparisonRespondent:
    return db.session.scalars(select(ComparisonRespondent)
                              .where(ComparisonRespondent.external_id == external_id)).one()


def response(external_id: str) -> ComparisonResponse:
    return db.session.scalars(select(ComparisonResponse)
                              .where(ComparisonResponse.external_id == external_id)).one()


def test_a_kobo_export_imports(import_comparison, network) -> None:
    result = import_comparison((DATA / "comparison_good.csv").read_bytes())
    assert result.ok, result.errors
    assert (result.added, result.skipped) == (6, 0)
    p1, p2, p3 = respondent("P-01"), respondent("P-02"), respondent("P-03")
    assert (p1.mrc_id, p1.sex, p1.birth_year, p1.province, p1.migrant_status) == (
        network["PK-ISB"].id, "male", 1998, "PK-IS", "prospective")
    assert p2.sex == "female"  # codes in any letter case
    assert (p3.migrant_status, p3.birth_year) == ("returnee", 1990)  # filled by a later row
    assert [r.wave for r in p1.responses] == [0, 1]
    r1, r2, r4, r6 = (response(i) for i in ("R-001", "R-002", "R-004", "R-006"))
    assert (r1.awareness_answers, r1.awareness_score, r1.awareness_version) == ("TFFT?TTT", 7, 1)
    assert (r2.awareness_answers, r2.awareness_score) == (None, 5)  # a score alone
    assert (r4.intention, r4.location_status, r4.awareness_score) == ("irregular", "stayed", 8)
    assert r6.survey_date == date(2024, 4, 24)  # Persian digits
    assert response("R-003").survey_date == date(2024, 1, 21)  # ODK date-time
    assert r4.mrc_id == network["PK-ISB"].id


def test_importing_again_adds_nothing_and_new_rows_are_added(import_comparison) -> None:
    raw = (DATA / "comparison_good.csv").read_bytes()
    assert import_comparison(raw).ok
    again = import_comparison(raw)
    assert again.ok and (again.added, again.skipped) == (0, 6)
    assert (count(ComparisonRespondent), count(ComparisonResponse)) == (3, 6)
    # A later export holds the old rows and a new wave of a known respondent.
    extended = raw + b"107,x,x,R-007,P-01,2,2024-07-20,,,,,none,stayed,,,7\n"
    result = import_comparison(extended)
    assert result.ok, result.errors
    assert (result.added, result.skipped) == (1, 6)
    assert [r.wave for r in respondent("P-01").responses] == [0, 1, 2]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "comparison")).all()
    assert [e.detail for e in events][-1] == "kind=comparison,added=1,skipped=6"


def test_errors_by_row_and_column_and_nothing_written(import_comparison) -> None:
    raw = csv_bytes(
        line("R-1", "P-1"),                                          # 2: fine
        line("R-2", "P-2", sex="", migrant_status="tourist"),        # 3
        line("R-3", "P-1", wave="1", survey_date="2024-01-10"),      # 4: before baseline
        line("R-4", "P-1", wave="9", survey_date="2024-05-01"),      # 5
        line("R-5", "P-1", wave="0", sex="female"),                  # 6: wave again, other sex
        line("R-1", "P-9"),                                          # 7: id used twice
        line("R-7", "P-7", intention="", awareness_answers="TTT"),   # 8
        line("R-8", "P-8", awareness_answers="TFFTFTTT", awareness_score="3"),  # 9
        line("R-9", "P-9b", survey_date="2999-01-01", birth_year="1700"),       # 10
    )
    result = import_comparison(raw)
    assert not result.ok
    assert cells(result) == [
        (3, "migrant_status"), (3, "sex"),
        (4, "survey_date"),
        (5, "wave"),
        (6, "sex"), (6, "wave"),
        (7, "response_id"),
        (8, "intention"), (8, "awareness_answers"),
        (9, "awareness_score"),
        (10, "survey_date"), (10, "birth_year"),
    ]
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(3, "sex")] == "Required on the first row of a respondent."
    assert messages[(4, "survey_date")] == (
        "A follow-up wave must be after the respondent's baseline (2024-01-20).")
    assert messages[(5, "wave")] == "Waves are numbered from 0 (the baseline) to 2."
    assert messages[(6, "sex")] == "This differs from row 2 about the same respondent."
    assert messages[(6, "wave")] == "Row 2 already holds this wave of this respondent."
    assert messages[(9, "awareness_score")] == (
        "The score does not match the awareness answers of this row.")
    # All or nothing: the good row 2 was not written either.
    assert (count(ComparisonRespondent), count(ComparisonResponse)) == (0, 0)


def test_rows_must_agree_with_stored_respondents(import_comparison) -> None:
    assert import_comparison(csv_bytes(line("R-1", "P-1"))).ok
    result = import_comparison(csv_bytes(
        line("R-2", "P-1", wave="1", survey_date="2024-04-01", migrant_status="returnee"),
        line("R-3", "P-1", wave="0", survey_date="2024-02-01", sex="", migrant_status="")))
    assert cells(result) == [(2, "migrant_status"), (3, "wave")]
    assert result.errors[0].message == "This differs from the respondent already imported."
    assert result.errors[1].message == (
        "This respondent's wave 0 is already imported (with another response_id).")
    # Stored respondents need no sex or status on later rows.
    result = import_comparison(csv_bytes(
        line("R-2", "P-1", wave="1", survey_date="2024-04-01", sex="", migrant_status="")))
    assert result.ok, result.errors
    assert count(ComparisonResponse) == 2


def test_rows_of_another_mrc_are_refused(import_comparison) -> None:
    raw = csv_bytes("IQ-EBL," + line("R-1", "P-1"), header="mrc," + line_header())
    result = import_comparison(raw)
    assert cells(result) == [(2, "mrc")]
    result = import_comparison(raw, mrc=None)
    assert result.ok, result.errors
    assert respondent("P-1").mrc_id == response("R-1").mrc_id


def line_header() -> str:
    from tests.impact.conftest import HEADER
    return HEADER


def test_cli_import(app: Flask, network, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    path = DATA / "comparison_good.csv"
    result = runner.invoke(args=["mrc", "import", "comparison", str(path), "--mrc", "PK-ISB"])
    assert result.exit_code == 0, result.output
    assert "comparison: 6 added, 0 already imported (skipped)." in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(line("R-9", "P-9", wave="x")))
    result = runner.invoke(args=["mrc", "import", "comparison", str(bad), "--mrc", "PK-ISB"])
    assert result.exit_code == 1
    assert "row 2, column wave: Enter a whole number." in result.stderr
    assert count(ComparisonResponse) == 6


def test_manager_upload_page(make_user, login, network) -> None:
    browser = login(make_user("manager"))
    page = browser.get("/imports/").get_data(as_text=True)
    assert 'value="comparison"' in page
    raw = (DATA / "comparison_good.csv").read_bytes()
    response_ = browser.post("/imports/", data={
        "kind": "comparison", "file": (io.BytesIO(raw), "kobo.csv")},
        content_type="multipart/form-data")
    assert response_.status_code == 302
    assert count(ComparisonResponse) == 6
    assert respondent("P-01").mrc_id == network["PK-ISB"].id
    bad = csv_bytes(line("R-9", "P-9", wave="x"))
    response_ = browser.post("/imports/?lang=ar", data={
        "kind": "comparison", "file": (io.BytesIO(bad), "bad.csv")},
        content_type="multipart/form-data")
    text = response_.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in text
    assert '<td><bdi dir="ltr" class="code">wave</bdi></td>' in text
    assert count(ComparisonResponse) == 6

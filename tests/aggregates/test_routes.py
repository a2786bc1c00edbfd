"""The dashboard: scope, suppression in the page and the CSV, roles."""

import csv
import io
from datetime import date

import pytest

from mrc.aggregates.services import SUPPRESSED
from mrc.audit.models import AuditEvent
from mrc.extensions import db


def this_month():
    return date.today().replace(day=1)


def fill(make_client, mrc, n, **fields):
    for _ in range(n):
        make_client(mrc, sessions=1, baseline=this_month(), **fields)


@pytest.mark.usefixtures("suppression_method")
def test_supervisor_sees_only_their_country(network, make_user, make_client, login):
    fill(make_client, "PK-ISB", 7)
    fill(make_client, "IQ-EBL", 9)
    browser = login(make_user("supervisor", country="PK"))
    period = f"{this_month():%Y-%m}"
    page = browser.get(f"/dashboard/?period={period}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "PK-ISB" in body and "IQ-EBL" not in body and "Erbil" not in body
    # Narrowing to an area outside the scope is ignored, not obeyed.
    body = browser.get(f"/dashboard/?period={period}&area=IQ").get_data(as_text=True)
    assert "IQ-EBL" not in body
    rows = list(csv.reader(io.StringIO(browser.get(
        f"/dashboard/tables/sessions.csv?period={period}").get_data(as_text=True))))
    assert rows[1][0] == "Total" and rows[1][-1] == "7"
    assert db.session.query(AuditEvent).filter_by(action="export").count() == 1


@pytest.mark.usefixtures("suppression_method")
def test_small_cells_are_suppressed_in_page_and_csv(network, make_user, make_client, login):
    fill(make_client, "PK-ISB", 8, sex="female")
    fill(make_client, "PK-ISB", 2, sex="male")
    fill(make_client, "PK-LHE", 9, sex="female")
    fill(make_client, "PK-LHE", 6, sex="male")
    browser = login(make_user("supervisor", country="PK"))
    query = f"period={this_month():%Y-%m}&breakdown=sex"
    body = browser.get(f"/dashboard/?{query}").get_data(as_text=True)
    assert 'class="suppressed"' in body
    text = browser.get(f"/dashboard/tables/sessions.csv?{query}").get_data(as_text=True)
    rows = {r[0]: r for r in csv.reader(io.StringIO(text))}
    header = next(csv.reader(io.StringIO(text)))
    male = header.index("Male")
    isb = next(k for k in rows if "PK-ISB" in k)
    assert rows[isb][male] == SUPPRESSED  # 2 men at Islamabad
    assert "2" not in rows[isb][1:]
    lhe = next(k for k in rows if "PK-LHE" in k)
    assert rows[lhe][male] == SUPPRESSED  # complementary: else 8 - 6 gives Islamabad's 2


def test_roles(network, make_user, make_client, login, client):
    assert client.get("/dashboard/").status_code == 302  # log in first
    fill(make_client, "IQ-EBL", 6)
    counsellor = login(make_user("counsellor"))
    body = counsellor.get(f"/dashboard/?period={this_month():%Y-%m}&area=IQ-EBL").get_data(
        as_text=True)
    assert "Erbil" not in body and "PK-ISB" in body
    client.post("/logout")
    evaluator = login(make_user("evaluator"))
    assert evaluator.get("/dashboard/").status_code == 403


def test_bad_period_is_reported(network, make_user, login):
    browser = login(make_user("admin"))
    page = browser.get("/dashboard/?period=2026-13")
    assert page.status_code == 200
    assert "Enter a year, a quarter" in page.get_data(as_text=True)

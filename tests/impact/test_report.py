"""The impact report, the page ``impact.index`` and ``mrc impact``: scope, period,
suppression, localisation; supervisors reach no individual record."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from mrc.aggregates import services as aggregates
from mrc.cases.models import Client, CounsellingSession
from mrc.demo.services import load_demo
from mrc.extensions import db
from mrc.impact import presentation, services
from mrc.impact.services import Period, PeriodError, parse_period
from mrc.scope import named_scope
from tests.demo.conftest import TODAY


@pytest.fixture
def demo(app: Flask, network: dict[str, Any]) -> Any:
    result = load_demo(11, 400, today=TODAY, comparison=300)
    db.session.commit()
    return result


def report_for(scope: str, period: str = "", draws: int = 99) -> services.ImpactReport:
    return services.impact_report(named_scope(scope), parse_period(period),
                                  draws=draws)


@pytest.mark.parametrize(("text", "expected"), [
    ("", Period()),
    ("all", Period()),
    ("2026", Period(date(2026, 1, 1), date(2026, 12, 31), "2026")),
    ("2026-q3", Period(date(2026, 7, 1), date(2026, 9, 30), "2026-Q3")),
    ("2024-02", Period(date(2024, 2, 1), date(2024, 2, 29), "2024-02")),
    ("2026-01-15..2026-06-30", Period(date(2026, 1, 15), date(2026, 6, 30),
                                      "2026-01-15..2026-06-30")),
    ("..2026-06-30", Period(None, date(2026, 6, 30), "..2026-06-30")),
])
def test_periods(app: Flask, text: str, expected: Period) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "last year", "2026-06-30..2026-01-01",
                                  "2026-02-30..", ".."])
def test_bad_periods(app: Flask, text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)


@pytest.mark.usefixtures("suppression_method")
def test_report_finds_the_planted_effect(demo) -> None:
    report = report_for("all")
    assert report.clusters == 7 and report.clients == 400 and report.respondents == 300
    did = next(e for e in report.estimates
               if (e.outcome, e.design, e.wave) == ("irregular", "did", 1))
    assert did.method == "wild_cluster_bootstrap" and did.n_comparison
    assert did.estimate is not None and -0.25 < did.estimate < -0.03
    assert did.ci_low is not None and did.ci_low < did.estimate < did.ci_high
    assert {e.design for e in report.estimates} == {"before_after", "did", "level"}


@pytest.mark.usefixtures("suppression_method")
def test_scope_and_period_select_the_cohort(demo) -> None:
    pakistan = report_for("PK")
    mrc = report_for("PK-ISB")
    everything = report_for("all")
    pk_clients = db.session.scalars(select(Client.id).join(Client.sessions).where(
        Client.mrc_id.in_(named_scope("PK")))).unique().all()
    assert pakistan.clients == len(pk_clients) < everything.clients
    assert mrc.clients < pakistan.clients and mrc.clusters == 1
    # One MRC: no interval clustered by MRC; the one given is clustered by person.
    assert {e.method for e in mrc.estimates if not e.suppressed} <= {"person_robust", "none"}
    assert any(e.method == "person_robust" and e.ci_low is not None for e in mrc.estimates)
    assert report_for("SOUTH_ASIA").clusters == 4
    year = report_for("all", "2025")
    assert 0 < year.clients < everything.clients
    with pytest.raises(LookupError):
        named_scope("ZZ-NONE")


@pytest.mark.usefixtures("suppression_method")
def test_small_cohorts_are_suppressed(demo) -> None:
    report = report_for("TJ-DYU", "2024-Q3")
    assert report.estimates and all(e.suppressed for e in report.estimates)
    assert all(e.estimate is None and e.baseline is None for e in report.estimates)
    assert report.clients == 0  # the cohort's own size is below the threshold too
    lines = presentation.report_lines(report)
    assert all(line.suppressed and line.n_clients is None for line in lines)


def test_with_the_cell_key_method_counts_of_people_are_perturbed(app, monkeypatch, demo,
                                                                 suppression_method) -> None:
    """The counts of people go through the dashboard's layer, from the people's record keys;
    the estimates are model outputs on the true observations, checked as before."""
    true = report_for("all", "2025")
    small = report_for("TJ-DYU", "2024-Q3")
    monkeypatch.setitem(app.config, "MRC_DISCLOSURE_METHOD", "cellkey")
    keyed = report_for("all", "2025")
    assert keyed == report_for("all", "2025")  # the same people, the same counts
    cohort = select(CounsellingSession.client_id).where(
        CounsellingSession.is_baseline, CounsellingSession.live(),
        CounsellingSession.date.between(date(2025, 1, 1), date(2025, 12, 31)))
    keys = db.session.scalars(select(Client.record_key).where(Client.id.in_(cohort))).all()
    assert len(keys) == true.clients
    assert keyed.clients == aggregates.perturbed([len(keys)], [sum(keys)], true.threshold)[0]
    changed = 0
    for plain, perturbed in zip(true.estimates, keyed.estimates, strict=True):
        assert replace(perturbed, n_treated=plain.n_treated,
                       n_comparison=plain.n_comparison) == plain
        for count, shown in ((plain.n_treated, perturbed.n_treated),
                             (plain.n_comparison, perturbed.n_comparison)):
            if count is not None and shown is not None:
                assert abs(shown - count) <= 12 and not 0 < shown < true.threshold
                changed += shown != count
    assert changed > 0
    # A small cohort: its estimates are still withheld (their own check, on true counts),
    # and its size is published perturbed, never as 1 to T-1.
    keyed_small = report_for("TJ-DYU", "2024-Q3")
    assert all(e.suppressed for e in keyed_small.estimates) and small.clients == 0
    assert not 0 < keyed_small.clients < true.threshold


# --- the page -------------------------------------------------------------------------------

def test_supervisor_page_shows_their_scope_only(demo, make_user, login) -> None:
    browser = login(make_user("supervisor", country="PK"))
    response = browser.get("/impact/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    expected = report_for("PK", draws=999)
    assert f"<bdi>{expected.clients:,}</bdi>" in page
    assert "Difference in differences" in page
    # Two MRCs: why there is no interval clustered by MRC, and what is shown instead.
    assert "Too few MRCs for an interval clustered by MRC: N = 2." in page
    assert "the interval shown is not clustered by MRC" in page
    assert page.count('<span class="visually-hidden">not clustered by MRC</span>') >= 3
    assert '<th scope="col">' in page and '<th scope="row">' in page
    # Areas offered: the two Pakistani MRCs, nothing else.
    assert 'value="PK-ISB"' in page and 'value="PK-LHE"' in page
    assert "IQ-EBL" not in page
    assert browser.get("/impact/?area=IQ-EBL").status_code == 400
    narrowed = browser.get("/impact/?area=PK-LHE").get_data(as_text=True)
    assert f"<bdi>{report_for('PK-LHE').clients:,}</bdi>" in narrowed
    # No individual record: no client code, no link to a client.
    codes = db.session.scalars(select(Client.code).where(
        Client.mrc_id.in_(named_scope("PK")))).all()
    assert not any(code in page for code in codes if code)
    assert "/cases/" not in page


def test_page_period_errors_and_localisation(demo, make_user, login) -> None:
    browser = login(make_user("supervisor", region="SOUTH_ASIA"))
    response = browser.get("/impact/?period=someday")
    assert response.status_code == 400
    assert "Write the period as 2026" in response.get_data(as_text=True)
    response = browser.get("/impact/?period=2025&lang=ar")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert '<bdi dir="ltr">[' in page  # intervals stay left-to-right islands


def test_suppressed_cells_on_the_page(demo, make_user, login) -> None:
    browser = login(make_user("admin"))
    page = browser.get("/impact/?area=TJ-DYU&period=2024-Q3").get_data(as_text=True)
    assert page.count('<span class="visually-hidden">suppressed</span>') >= 8
    assert "Suppressed: too few people to publish (fewer than 5 in a group" in page
    assert "Undefined: nothing to compare or to compute" in page


def test_region_page_has_clustered_intervals_and_no_notice(demo, make_user, login) -> None:
    """Seven MRCs: intervals clustered by MRC (wild cluster bootstrap), no † and no notice."""
    browser = login(make_user("admin"))
    page = browser.get("/impact/").get_data(as_text=True)
    assert "wild cluster bootstrap" in page and "clustered by MRC: with 7 MRCs" in page
    assert "Too few MRCs" not in page and "not clustered by MRC</span>" not in page


@pytest.mark.parametrize("role", ["counsellor", "manager", "evaluator"])
def test_other_roles_are_refused(demo, make_user, login, role: str) -> None:
    browser = login(make_user(role))
    assert browser.get("/impact/").status_code == 403


def test_anonymous_is_sent_to_login(app: Flask, client) -> None:
    response = client.get("/impact/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_nav_link_for_supervisors(demo, make_user, login) -> None:
    browser = login(make_user("supervisor", country="PK"))
    assert 'href="/impact/"' in browser.get("/dashboard/").get_data(as_text=True)


# --- the command ------------------------------------------------------------------------------

def test_cli_prints_the_table(app: Flask, demo) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mrc", "impact", "--scope", "pk", "--period", "2023..2026"])
    assert result.exit_code != 0  # not a valid period
    result = runner.invoke(args=["mrc", "impact", "--scope", "pk"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Difference in differences" in out and "Clients, before and after" in out
    assert "Too few MRCs for an interval clustered by MRC: N = 2." in out
    assert "] †" in out  # the intervals not clustered by MRC are marked
    assert "Interval (95 %)" in out
    result = runner.invoke(args=["mrc", "impact", "--scope", "TJ-DYU", "--period", "2024-Q3"])
    assert result.exit_code == 0, result.output
    assert " x " in result.stdout and "x: suppressed, fewer than 5 people." in result.stdout
    result = runner.invoke(args=["mrc", "impact", "--scope", "ZZ"])
    assert result.exit_code == 1 and "No MRC, country or region has the code ZZ." in result.output

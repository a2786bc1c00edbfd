"""Referral aggregates: what is counted, the completion rate, and suppression that holds
across the five blocks published together (mrc.aggregates.referrals)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from mrc.aggregates import periods, referrals, services
from mrc.aggregates.tables import PublishedTable
from mrc.extensions import db
from mrc.privacy.suppression import Table
from mrc.privacy.suppression_audit import assert_safe
from mrc.referrals.models import Facility, Referral

THIS_MONTH = periods.month(date.today().year, date.today().month)


def cell(table: PublishedTable, row: str, column: str) -> Any:
    r = next(i for i, x in enumerate(table.rows) if x.key == row)
    c = next(i for i, (code, _label) in enumerate(table.columns) if code == column)
    return table.cells[r][c]


def by_key(tables: list[PublishedTable]) -> dict[str, PublishedTable]:
    return {t.key: t for t in tables}


@pytest.fixture
def audited(monkeypatch: pytest.MonkeyPatch) -> list[Table]:
    """Every table protected is also checked by the LP audit, independently."""
    checked: list[Table] = []
    real = services.protect

    def protect(table: Table, threshold: int, lineage: str = "") -> Any:
        result = real(table, threshold, lineage)
        assert_safe(table, result.suppressed, threshold)
        checked.append(table)
        return result

    monkeypatch.setattr(services, "protect", protect)
    return checked


def given(referral: Referral) -> None:
    referral.status, referral.answered_on, referral.service_on = "service_given", \
        referral.sent_on, referral.sent_on


@pytest.mark.usefixtures("suppression_method")
def test_counts_by_service_destination_status_and_the_completion_rate(
        network: dict[str, Any], make_referral: Callable[..., Referral],
        make_facility: Callable[..., Facility], audited: list[Table]) -> None:
    riyadh = make_facility(country="SA")
    dubai = make_facility(country="AE", city="Dubai")
    sent = [make_referral("PK-ISB", riyadh) for _ in range(6)]
    sent += [make_referral("PK-ISB", dubai) for _ in range(6)]
    for r in sent[:6]:
        given(r)
    db.session.flush()
    ids = [network[c].id for c in ("PK-ISB", "PK-LHE")]
    tables = by_key(referrals.referral_tables(ids, THIS_MONTH))
    assert list(tables) == [referrals.SERVICE, referrals.DESTINATION, referrals.STATUS,
                            referrals.COMPLETION]
    assert audited, "the referral tables go through services.protect"
    assert cell(tables[referrals.SERVICE], "PK-ISB", "labour_dispute") == 12
    assert cell(tables[referrals.SERVICE], "PK-LHE", "labour_dispute") == 0
    assert cell(tables[referrals.DESTINATION], "PK-ISB", "SA") == 6
    assert cell(tables[referrals.DESTINATION], "PK-ISB", "AE") == 6
    assert cell(tables[referrals.STATUS], "PK-ISB", "service_given") == 6
    assert cell(tables[referrals.STATUS], "PK-ISB", "sent") == 6
    assert cell(tables[referrals.COMPLETION], "PK-ISB", "labour_dispute") == 50.0
    # Another month: nothing was sent, so there is no table at all.
    assert referrals.referral_tables(ids, THIS_MONTH.previous()) == []


@pytest.mark.usefixtures("suppression_method")
def test_a_small_cell_stays_hidden_in_every_block_and_the_rate(
        network: dict[str, Any], make_referral: Callable[..., Referral],
        make_facility: Callable[..., Facility], audited: list[Table]) -> None:
    riyadh = make_facility(country="SA")
    doha = make_facility(country="QA", city="Doha")
    for _ in range(8):
        make_referral("PK-ISB", riyadh)
    two = [make_referral("PK-ISB", doha, service="documents") for _ in range(2)]
    given(two[0])
    for _ in range(7):
        make_referral("PK-LHE", riyadh)
    db.session.flush()
    ids = [network[c].id for c in ("PK-ISB", "PK-LHE")]
    tables = referrals.referral_tables(ids, THIS_MONTH)
    assert len(audited) == 1, "the five blocks are protected as one table"
    published = by_key(tables)
    assert cell(published[referrals.SERVICE], "PK-ISB", "documents") is None
    assert cell(published[referrals.DESTINATION], "PK-ISB", "QA") is None
    assert cell(published[referrals.COMPLETION], "PK-ISB", "documents") is None
    for table in tables:
        if table.kind != "count":
            continue
        for row in table.cells:
            assert all(v is None or v == 0 or v >= 5 for v in row), table.key


def test_the_dashboard_shows_the_referral_tables_and_their_csv(
        network: dict[str, Any], make_referral: Callable[..., Referral],
        make_facility: Callable[..., Facility], make_user: Any,
        login: Callable[[Any], Any]) -> None:
    facility = make_facility(country="SA")
    for _ in range(6):
        make_referral("PK-ISB", facility)
    browser = login(make_user("supervisor", country="PK"))
    page = browser.get("/dashboard/").get_data(as_text=True)
    assert 'id="table-referrals_service"' in page and 'id="table-referrals_completion"' in page
    csv = browser.get(f"/dashboard/tables/{referrals.DESTINATION}.csv")
    assert csv.status_code == 200 and "Saudi Arabia" in csv.get_data(as_text=True)


def test_with_the_cell_key_method_nothing_is_hidden_and_one_group_has_one_value(
        app: Any, network: dict[str, Any], make_referral: Callable[..., Referral],
        make_facility: Callable[..., Facility], audited: list[Table],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "MRC_DISCLOSURE_METHOD", "cellkey")
    riyadh, doha = make_facility(country="SA"), make_facility(country="QA", city="Doha")
    sent = [make_referral("PK-ISB", riyadh) for _ in range(9)]
    sent += [make_referral("PK-LHE", doha) for _ in range(2)]
    for r in sent[:4]:
        given(r)
    db.session.flush()
    assert len({r.record_key for r in sent}) == len(sent)  # each its own random key
    ids = [network[c].id for c in ("PK-ISB", "PK-LHE")]
    tables = by_key(referrals.referral_tables(ids, THIS_MONTH))
    assert not audited  # nothing went through per-request suppression
    for key in (referrals.SERVICE, referrals.DESTINATION, referrals.STATUS):
        t = tables[key]
        assert not any(any(row) for row in t.suppressed)
        values = [v for row in t.cells for v in row]
        assert all(isinstance(v, int) and not 0 < v < 5 for v in values), (key, values)
    # The same referrals (a row's total) get the same value in every table, in any request.
    for row in ("", "PK", "PK-ISB", "PK-LHE"):
        totals = {cell(tables[k], row, "") for k in
                  (referrals.SERVICE, referrals.DESTINATION, referrals.STATUS)}
        assert len(totals) == 1, row
    alone = by_key(referrals.referral_tables([network["PK-ISB"].id], THIS_MONTH))
    assert cell(alone[referrals.SERVICE], "", "") == cell(tables[referrals.SERVICE], "PK-ISB", "")
    # The completion rate is defined wherever the published number sent is not 0.
    rate = cell(tables[referrals.COMPLETION], "PK-ISB", "")
    assert (rate is None) == (cell(tables[referrals.SERVICE], "PK-ISB", "") == 0)
    assert rate is None or 0 <= rate <= 100

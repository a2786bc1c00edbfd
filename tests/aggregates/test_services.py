"""Periods, the published tables (audited safe), and ``mrc aggregates``."""

import csv
import io
import json
from datetime import date

import pytest

from mrc.aggregates import periods, referrals, services
from mrc.aggregates.commands import aggregates_command
from mrc.privacy.suppression import Table
from mrc.privacy.suppression_audit import assert_safe


def test_period_parsing():
    assert periods.parse("2026") == periods.Period(date(2026, 1, 1), date(2026, 12, 1), "year")
    q3 = periods.parse("2026-Q3")
    assert (q3.first, q3.last, q3.code) == (date(2026, 7, 1), date(2026, 9, 1), "2026-Q3")
    assert periods.parse("2026-07").months == [date(2026, 7, 1)]
    custom = periods.parse("2026-01-01..2026-06-30")
    assert len(custom.months) == 6 and custom.previous().first == date(2025, 7, 1)
    assert periods.parse("2025-11..2026-02").months[-1] == date(2026, 2, 1)
    assert periods.parse("2026-Q1").previous().code == "2025-Q4"
    for bad in ("2026-13", "2026-Q5", "2026-01-02..2026-06-30", "2026-01-01..2026-06-29",
                "2026-06..2026-01", "last year", ""):
        with pytest.raises(periods.PeriodError):
            periods.parse(bad)


def fill(make_client, mrc, n, **fields):
    for _ in range(n):
        make_client(mrc, sessions=1, baseline=date.today().replace(day=1), **fields)


@pytest.mark.parametrize("breakdown", sorted(services.BREAKDOWNS))
def test_every_published_table_is_safe(network, make_client, breakdown, monkeypatch):
    fill(make_client, "PK-ISB", 7, sex="female")
    fill(make_client, "PK-ISB", 1, sex="male", migrant_status="returnee", birth_year=2010)
    fill(make_client, "PK-LHE", 3, sex="male")
    checked = []
    real = services.protect

    def audited(table: Table, threshold: int, lineage: str = ""):
        result = real(table, threshold, lineage)
        assert_safe(table, result.suppressed, threshold)  # the LP audit, independently
        checked.append(table)
        return result

    monkeypatch.setattr(services, "protect", audited)
    ids = [network[c].id for c in ("PK-ISB", "PK-LHE", "AF-KBL", "IQ-EBL")]
    period = periods.month(date.today().year, date.today().month)
    tables = services.indicator_tables(ids, period, breakdown)
    tables += services.trend_tables(ids, period)
    assert checked and tables
    for t in tables:
        for r, row in enumerate(t.cells):
            for c, value in enumerate(row):
                if t.kind == "count" and value is not None and not t.key.endswith("_change"):
                    assert value == 0 or value >= 5, (t.key, r, c)
                if t.suppressed[r][c]:
                    assert value is None


@pytest.mark.usefixtures("suppression_method")
def test_cli_prints_suppressed_tables(app, network, make_client):
    fill(make_client, "PK-ISB", 6)
    fill(make_client, "PK-LHE", 2)
    runner = app.test_cli_runner()
    month = f"{date.today():%Y-%m}"
    result = runner.invoke(aggregates_command, ["--scope", "PK", "--period", month,
                                                "--format", "json", "--no-trends"])
    assert result.exit_code == 0, result.output
    tables = {t["key"]: t for t in json.loads(result.output)}
    sessions = tables["sessions"]
    cells = {row["key"]: row["cells"][-1] for row in sessions["rows"]}
    assert cells["PK-LHE"] is None and cells["PK-ISB"] is None  # 2 is small; 6 = 8 - 2
    assert sessions["rows"][0]["cells"][-1] == 8
    result = runner.invoke(aggregates_command, ["--scope", "PK-ISB", "--period", month,
                                                "--format", "csv"])
    assert result.exit_code == 0
    assert "Counselling sessions" in result.output and "Islamabad" in result.output
    assert "Lahore" not in result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["Counselling sessions"]
    bad = runner.invoke(aggregates_command, ["--scope", "XX-NOPE"])
    assert bad.exit_code != 0
    bad = runner.invoke(aggregates_command, ["--period", "2026-Q9"])
    assert bad.exit_code != 0


def test_rebuild_from_the_cli(app, network, make_client):
    fill(make_client, "PK-ISB", 5)
    result = app.test_cli_runner().invoke(aggregates_command, ["--rebuild", "--scope", "all"])
    assert result.exit_code == 0, result.output


@pytest.mark.usefixtures("suppression_method")
def test_cli_prints_the_referral_tables(app, network, make_referral, make_facility):
    facility = make_facility(country="SA")
    for _ in range(6):
        make_referral("PK-ISB", facility)
    make_referral("PK-LHE", facility)
    runner = app.test_cli_runner()
    month = f"{date.today():%Y-%m}"
    args = ["--scope", "PK", "--period", month, "--format", "json"]
    result = runner.invoke(aggregates_command, args)
    assert result.exit_code == 0, result.output
    tables = {t["key"]: t for t in json.loads(result.output)}
    keys = list(tables)
    assert keys[-4:] == list(referrals.KEYS)  # after the indicators and trends
    assert keys.index("trend_destination") < keys.index(referrals.SERVICE)
    by_service = {row["key"]: row["cells"] for row in tables[referrals.SERVICE]["rows"]}
    assert by_service["PK-LHE"][-1] is None  # 1 referral: suppressed
    assert by_service["PK"][-1] == 7
    csv_out = runner.invoke(aggregates_command, [*args[:4], "--no-trends"]).output
    assert "Referrals sent, by destination country" in csv_out
    without = runner.invoke(aggregates_command, [*args, "--no-referrals"])
    assert not [t for t in json.loads(without.output) if t["key"] in referrals.KEYS]


@pytest.mark.usefixtures("suppression_method")
def test_the_previous_period_counts_destinations_the_current_one_does_not_list(
        network, make_client):
    from mrc.cases import services as cases

    this = date.today().replace(day=1)
    last = periods.add_months(this, -1)
    for _ in range(6):  # last month: destination SA (the factory's)
        make_client("PK-ISB", sessions=1, baseline=last)
    for _ in range(6):  # this month: Qatar only
        record = make_client("PK-ISB", sessions=0, baseline=this)
        cases.log_session(record, {
            "date": this, "channel": "walk_in", "language": "ur", "topics": ["documents"],
            "destination": "QA", "intention": "undecided", "awareness_answers": None,
            "referrals": [], "duration_minutes": 20, "notes": ""}, user=None)
    tables = services.trend_tables([network["PK-ISB"].id], periods.month(this.year, this.month),
                                   threshold=1)
    change = next(t for t in tables if t.key == "trend_destination_change")
    rows = {row.key: change.cells[r] for r, row in enumerate(change.rows)}
    assert "SA" not in rows
    # previous, current: SA is "other" now, and the previous total has it
    assert rows["__other__"][:2] == [6, 0]
    assert rows[""][:2] == [6, 6]

"""Every published count of people passes through the protection layer (#11).

With the cell key method, the one function that protects counts
(:func:`mrc.aggregates.services.perturbed`) is replaced here by one that still runs the real
layer but publishes every count it is given as ``MARK`` plus the true count. Then every
route and command that publishes figures is called, its output read back as a person
would (the CSV and XLSX files, the JSON of the commands, the dashboard page), and every
count in it must carry the mark: a count below ``MARK`` was published without going
through the layer. A new table, column or command that counts people some other way fails
here until it uses the layer. The tables that count events and materials (outreach,
leaflets), not people on record, have no record keys and are listed in ``EVENT_TABLES``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from mrc.aggregates import services
from mrc.demo.services import load_demo
from mrc.extensions import db
from mrc.trends import weekly
from tests.demo.conftest import TODAY

WEEK = weekly.last_complete_week(date.today())
MARK = 10_000_000
# Counts of events, attendance and materials: no record keys, protected per request.
EVENT_TABLES = {"outreach_events", "outreach_attendance", "outreach_reach", "leaflets"}
PERIODS = ("2026-05", "2026-Q1", "2025")
INTEGER = re.compile(r"-?\d+")


@pytest.fixture
def marked(app: Flask, network: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The cell key method, with every protected count published as ``MARK`` + its true
    value; returns the number of counts that went through the layer."""
    load_demo(5, 160, today=TODAY, comparison=80)
    db.session.commit()
    monkeypatch.setitem(app.config, "MRC_DISCLOSURE_METHOD", "cellkey")
    real = services.perturbed
    seen = [0]

    def perturbed(values: Any, keys: Any, threshold: int) -> list[int]:
        real(values, keys, threshold)  # the layer itself still runs
        seen[0] += len(values)
        return [MARK + int(v) for v in values]

    monkeypatch.setattr(services, "perturbed", perturbed)
    return seen


def unmarked(cells: Iterable[object]) -> list[object]:
    """The counts among ``cells`` that did not pass through the layer (integers below
    ``MARK``); text, empty cells and numbers with decimals (rates, means) are not counts."""
    found: list[object] = []
    for cell in cells:
        text = str(cell).replace(",", "").strip() if cell is not None else ""
        if INTEGER.fullmatch(text) and int(text) < MARK:
            found.append(cell)
    return found


def csv_tables(text: str) -> Iterator[tuple[str, list[list[str]]]]:
    """(title, data rows) of CSV tables printed one after the other (a title line, the
    header, rows, a blank line)."""
    rows = list(csv.reader(io.StringIO(text)))
    title, body = "", []
    for row in [*rows, []]:
        if not any(row):
            if body:
                yield title, body[1:]  # the header row is labels
            title, body = "", []
        elif not title:
            title = row[0]
        else:
            body.append(row)


def data_cells(rows: list[list[str]], columns: Iterable[int] | None = None) -> list[str]:
    """The cells of ``rows`` after the first column (the labels), or of ``columns`` only
    (counted from the first data column)."""
    if columns is None:
        return [cell for row in rows for cell in row[1:]]
    return [row[1 + c] for row in rows for c in columns if 1 + c < len(row)]


def assert_all_marked(tables: Iterable[tuple[str, list[list[str]]]],
                      counted: dict[str, list[int]], where: str) -> int:
    """Every count in the tables named in ``counted`` carries the mark; the number of
    cells checked."""
    checked = 0
    for name, rows in tables:
        if name not in counted:
            continue
        cells = data_cells(rows, counted[name])
        assert not unmarked(cells), f"{where}: {name!r} publishes {unmarked(cells)[:5]}"
        checked += len(cells)
    return checked


def counted(period: str, breakdown: str = "mrc") -> dict[str, list[int]]:
    """The keys and titles of the tables of counts of people of a request (every table
    of the dashboard but rates, means and the event tables), each with its columns of
    counts (all but a change in per cent)."""
    from mrc.aggregates import periods
    from mrc.aggregates.referrals import referral_tables
    from mrc.scope import named_scope

    scope, chosen = named_scope("all"), periods.parse(period)
    indicators, trends = services.dashboard_tables(scope, chosen, breakdown)
    tables = [*indicators, *trends, *referral_tables(scope, chosen, breakdown)]
    return {name: [c for c, (code, _label) in enumerate(t.columns) if code != "change"]
            for t in tables if t.kind == "count" and t.key not in EVENT_TABLES
            for name in (t.key, t.title)}


def test_the_dashboard_page_and_every_table_it_offers(marked, make_user, login) -> None:
    browser = login(make_user("supervisor"))
    checked, offered = 0, set()
    for period in PERIODS:
        for breakdown in ("mrc", "sex", "destination", "channel"):
            query = f"period={period}&breakdown={breakdown}"
            page = browser.get(f"/dashboard/?{query}")
            assert page.status_code == 200
            keys = sorted(set(re.findall(r"/dashboard/tables/([a-z_]+)\.csv",
                                         page.get_data(as_text=True))))
            offered |= set(keys)
            for key in keys:
                text = browser.get(f"/dashboard/tables/{key}.csv?{query}").get_data(
                    as_text=True)
                if key in EVENT_TABLES:
                    continue
                cells = data_cells(list(csv.reader(io.StringIO(text)))[1:])
                assert not unmarked(cells), (key, query, unmarked(cells))
                checked += len(cells)  # a change in per cent has decimals
            # The headline figures are read from the same tables: marked too.
            figures = dict(re.findall(r'<strong class="figure" id="figure-([a-z_]+)">([^<]*)<',
                                      page.get_data(as_text=True)))
            counts = [figures["clients"], figures["sessions"]]
            assert not unmarked(counts), (query, counts)
    assert {"clients", "sessions", "followups_reached", "baseline_n",
            "referrals_service", "referrals_status"} <= offered, sorted(offered)
    assert checked > 2000 and marked[0] > checked


def plant_a_rise(client: Any) -> None:
    """At the client's MRC, a route whose share rises from 10 % to 50 % in the week
    ``WEEK`` (as in tests/trends/test_services.py)."""
    from tests.trends.test_services import add_sessions

    mrc_id = client.mrc_id
    for k in range(1, 21):
        add_sessions(client.id, mrc_id, WEEK - timedelta(weeks=k), {"air_direct": 27,
                                                                  "air_gulf": 3})
    add_sessions(client.id, mrc_id, WEEK + timedelta(days=2), {"air_direct": 15,
                                                               "air_gulf": 15})
    db.session.commit()


def test_the_commands(app: Flask, make_client, marked) -> None:
    runner = app.test_cli_runner()
    checked = 0
    for period in PERIODS:
        for breakdown in ("mrc", "age_band", "migrant_status", "topic"):
            args = ["mrc", "aggregates", "--period", period, "--breakdown", breakdown]
            printed = runner.invoke(args=args)
            assert printed.exit_code == 0, printed.output
            names = counted(period, breakdown)
            checked += assert_all_marked(csv_tables(printed.stdout), names, " ".join(args))
            tables = json.loads(runner.invoke(args=[*args, "--format", "json"]).stdout)
            assert {t["key"] for t in tables if t["kind"] == "count"} - EVENT_TABLES <= set(names)
            for table in tables:
                if table["key"] in names:
                    cells = [row["cells"][c] for row in table["rows"] for c in names[table["key"]]]
                    assert not unmarked(cells), (table["key"], args)
    assert checked > 2000
    impact = json.loads(runner.invoke(args=["mrc", "impact", "--format", "json"]).stdout)
    people = [impact["clients"], impact["respondents"]]
    people += [line[name] for line in impact["lines"] for name in ("n_clients", "n_comparison")]
    assert not unmarked(people) and all(p is not None for p in people[:2]), people
    # Signals publish shares only, each a published count over a published total: with
    # every count marked, every share is (MARK + x) / (MARK + n), within 1e-4 of 1.
    plant_a_rise(make_client("PK-ISB", sessions=0))
    signals = json.loads(runner.invoke(args=["mrc", "signals", "run", "--scope", "PK-ISB",
                                             "--week", WEEK.isoformat(),
                                             "--format", "json"]).stdout)
    shares = [h for s in signals for h in [s["share"], *s["history"]] if h is not None]
    assert shares and all(abs(h - 1) < 1e-4 for h in shares), shares[:5]


def test_the_quarterly_report_files(app: Flask, marked) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mrc", "report", "--quarter", "2026-Q1", "--format", "csv",
                                 "--format", "xlsx", "--output", "-"])
    assert result.exit_code == 0, result.output
    files = zipfile.ZipFile(io.BytesIO(result.stdout_bytes))
    names = counted("2026-Q1")
    checked = 0
    for name in files.namelist():
        data = files.read(name)
        if name.endswith(".csv"):
            checked += assert_all_marked(csv_tables(data.decode("utf-8-sig")), names, name)
        elif name.endswith(".xlsx"):
            book = load_workbook(io.BytesIO(data), read_only=True)
            sheets = [(sheet.title, [["" if v is None else str(v) for v in row]
                                     for row in sheet.iter_rows(values_only=True)][1:])
                      for sheet in book.worksheets]
            checked += assert_all_marked(sheets, names, name)
    assert checked > 500

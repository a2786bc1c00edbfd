"""What keeps the dashboard fast: one query per summary table, and the suppression and chart
caches, which follow the numbers and can never serve a stale table."""

import base64
from datetime import date

import pytest
from sqlalchemy import event

from mrc.aggregates import charts, patterns, periods, services, summaries
from mrc.aggregates.services import PublishedTable, Row
from mrc.extensions import db


def this_month():
    return date.today().replace(day=1)


def fill(make_client, mrc, n, **fields):
    for _ in range(n):
        make_client(mrc, sessions=1, baseline=this_month(), **fields)


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *_args, **_kwargs):
        self.count += 1

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc):
        event.remove(db.engine, "before_cursor_execute", self)


def test_dashboard_reads_each_summary_table_once_and_matches_separate_reads(
        network, make_client):
    fill(make_client, "PK-ISB", 7, sex="female")
    fill(make_client, "PK-LHE", 2, sex="male", migrant_status="returnee")
    fill(make_client, "AF-KBL", 6)
    ids = [network[c].id for c in ("PK-ISB", "PK-LHE", "AF-KBL")]
    period = periods.month(date.today().year, date.today().month)
    summaries.apply_pending()
    for breakdown in ("mrc", "sex", "destination", "topic"):
        with QueryCounter() as queries:
            tables, trends = services.dashboard_tables(ids, period, breakdown)
        # the MRCs of the scope; sessions, clients, outcomes, outreach, leaflets; trends
        assert queries.count == 7, breakdown
        assert tables == services.indicator_tables(ids, period, breakdown)
        assert trends == services.trend_tables(ids, period)
    assert services.dashboard_tables([], period) == ([], [])


def sessions_cell(tables, row_key):
    table = next(t for t in tables if t.key == "sessions")
    r = next(i for i, row in enumerate(table.rows) if row.key == row_key)
    return table.cells[r][-1], table.suppressed[r][-1]


def solved_and_exact():
    return patterns.stats["solved"] + patterns.stats["latest"], patterns.stats["exact"]


@pytest.mark.usefixtures("suppression_method")
def test_cached_suppression_follows_the_numbers(network, make_client):
    fill(make_client, "PK-ISB", 8)
    fill(make_client, "PK-LHE", 2)
    ids = [network["PK-ISB"].id, network["PK-LHE"].id]
    period = periods.month(date.today().year, date.today().month)
    patterns.clear_local()
    patterns.stats.update(dict.fromkeys(patterns.stats, 0))
    first = services.indicator_tables(ids, period, "mrc")
    assert sessions_cell(first, "PK-LHE") == (None, True)
    assert sessions_cell(first, "PK-ISB") == (None, True)  # complementary
    worked, looked_up = solved_and_exact()
    assert services.indicator_tables(ids, period, "mrc") == first
    # the same tables: all from the store, none checked or solved again
    assert solved_and_exact()[0] == worked
    # (tables with equal numbers share a pattern already within the first call)
    assert solved_and_exact()[1] - looked_up == worked + looked_up
    fill(make_client, "PK-LHE", 4)  # Lahore now has 6 sessions: nothing small any more
    after = services.indicator_tables(ids, period, "mrc")
    assert sessions_cell(after, "PK-LHE") == (6, False)
    assert sessions_cell(after, "PK-ISB") == (8, False)
    assert solved_and_exact()[0] > worked


@pytest.mark.usefixtures("suppression_method")
def test_the_page_follows_a_changed_record_with_warm_caches(network, make_user, make_client,
                                                            login):
    fill(make_client, "PK-ISB", 9)
    browser = login(make_user("supervisor", country="PK"))
    url = f"/dashboard/tables/sessions.csv?period={this_month():%Y-%m}"
    assert browser.get(url).get_data(as_text=True).splitlines()[1].endswith(",9")
    page = browser.get(f"/dashboard/?period={this_month():%Y-%m}").get_data(as_text=True)
    fill(make_client, "PK-ISB", 3)
    db.session.commit()
    assert browser.get(url).get_data(as_text=True).splitlines()[1].endswith(",12")
    again = browser.get(f"/dashboard/?period={this_month():%Y-%m}").get_data(as_text=True)
    assert again != page


def table(values):
    rows = [Row("", "Total", 0), Row("A", "Alpha", 3), Row("B", "Beta", 3)]
    return PublishedTable("sessions", "Sessions", "count", rows, [("", "Total")],
                          [[v] for v in values], [[v is None] for v in values])


def svg(uri):
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def test_charts_are_cached_by_what_they_draw():
    charts._render.cache_clear()
    first = charts.bar_chart(table([20, 12, 8]))
    assert charts.bar_chart(table([20, 12, 8])) is first
    assert charts._render.cache_info().hits == 1
    changed = charts.bar_chart(table([21, 13, 8]))
    assert changed != first and "Alpha" in svg(changed)
    assert charts.bar_chart(table([20, 12, 8]), rtl=True) != first
    hidden = charts.bar_chart(table([20, None, None]))
    assert hidden not in (first, changed)


def trend(values):
    rows = [Row(f"2026-{m:02d}", f"2026-{m:02d}", 1) for m in range(1, 5)]
    rows.append(Row("", "Total", 0))
    return PublishedTable("trend", "Trend", "count", rows, [("AE", "UAE"), ("", "Total")],
                          [[v, None] for v in values], [[v is None, True] for v in values])


def test_line_charts_mark_isolated_values_with_a_dot():
    assert 'class="dot' not in svg(charts.line_chart(trend([6, 7, 8, 9, 30])))
    # 7 sits between two suppressed months: without a dot it would not be drawn at all.
    assert 'class="dot' in svg(charts.line_chart(trend([None, 7, None, 9, None])))


def test_number_format_formats_like_the_filter(app):
    from mrc.templating import fmt_number

    with app.test_request_context("/"):
        fmt = services.number_format()
        for value in (0, 7, 12345, 12.5, 1234567.25, None):
            assert fmt(value) == fmt_number(value)
        assert fmt(12345) == "12,345"

"""The dashboard's headline row, its chart endpoint and its CSV downloads (issue #10)."""

import csv
import io
import re
from datetime import date

import pytest

from mrc.aggregates import charts, periods, view
from mrc.aggregates.headline import Cell, Figure
from mrc.aggregates.tables import PublishedTable, Row
from mrc.audit.models import AuditEvent
from mrc.extensions import db


def this_month():
    return date.today().replace(day=1)


def last_month():
    return periods.parse(f"{this_month():%Y-%m}").previous().first


def fill(make_client, mrc, n, when, **fields):
    for _ in range(n):
        make_client(mrc, sessions=1, baseline=when, **fields)


def figure(body, key):
    return re.search(rf'id="figure-{key}">(.*?)</strong>', body).group(1)


def change(body, key):
    return re.sub(r"<[^>]+>", "", re.search(rf'id="change-{key}">(.*?)</span></p>', body,
                                            re.S).group(1))


@pytest.mark.usefixtures("suppression_method")
def test_headline_equals_the_tables_and_compares_with_the_previous_period(
        network, make_user, make_client, login):
    fill(make_client, "PK-ISB", 12, this_month())
    fill(make_client, "PK-LHE", 6, this_month())
    fill(make_client, "PK-ISB", 9, last_month())
    fill(make_client, "PK-LHE", 6, last_month())
    fill(make_client, "IQ-EBL", 40, this_month())  # another country: never counted
    browser = login(make_user("supervisor", country="PK"))
    body = browser.get(f"/dashboard/?period={this_month():%Y-%m}").get_data(as_text=True)
    assert figure(body, "clients") == "18" and figure(body, "sessions") == "18"
    assert change(body, "clients") == "+20% from the previous period"  # 15 -> 18
    # The figure is the table's total, cell for cell.
    scope = [network[c].id for c in ("PK-ISB", "PK-LHE")]
    page = view.dashboard(scope, periods.parse(f"{this_month():%Y-%m}"), "mrc")
    tables = {t.key: t for t in page.tables}
    for tile in page.headline:
        for f in tile.figures:
            assert f.current.value == tables[f.key].cells[0][-1]
    # CSV of the same table agrees.
    rows = list(csv.reader(io.StringIO(browser.get(
        f"/dashboard/tables/clients.csv?period={this_month():%Y-%m}").get_data(as_text=True))))
    assert rows[1] == ["Total", "18"]


@pytest.mark.usefixtures("suppression_method")
def test_a_suppressed_part_shows_the_mark_not_a_number(network, make_user, make_client, login):
    fill(make_client, "PK-ISB", 8, this_month())
    fill(make_client, "PK-ISB", 2, last_month())  # below the threshold of 5
    browser = login(make_user("supervisor", mrc="PK-ISB"))
    body = browser.get(f"/dashboard/?period={this_month():%Y-%m}").get_data(as_text=True)
    assert figure(body, "clients") == "8"
    assert 'class="suppressed"' in change(body, "clients") or "x" in change(body, "clients")
    text = change(body, "clients")
    assert "x" in text and not re.search(r"\d", text)  # no change computed from the 2
    # A period with a suppressed total shows the mark in the figure itself.
    body = browser.get(f"/dashboard/?period={last_month():%Y-%m}").get_data(as_text=True)
    assert re.sub(r"<[^>]+>", "", figure(body, "clients")) == "x"
    assert not re.search(r"\d", change(body, "clients"))


@pytest.mark.parametrize(("now", "before", "kind", "expected", "hidden"), [
    (18, 15, "count", 20.0, False),
    (40.0, 32.5, "percent", 7.5, False),  # percentage points
    (18, None, "count", None, True),
    (None, 15, "count", None, True),
    (7, 0, "count", None, False),
])
def test_change_is_computed_only_from_published_parts(now, before, kind, expected, hidden):
    f = Figure("k", "", kind, Cell(now, now is None), Cell(before, before is None))
    assert f.change == expected and f.change_suppressed is hidden


def test_csv_is_scoped_audited_neutralised_and_not_for_counsellors(
        network, make_user, make_client, login, client):
    network["PK-ISB"].name = "=HYPERLINK(\"http://x\")"
    fill(make_client, "PK-ISB", 7, this_month())
    fill(make_client, "IQ-EBL", 9, this_month())
    browser = login(make_user("supervisor", country="PK"))
    query = f"period={this_month():%Y-%m}"
    for url in (f"/dashboard/tables/sessions.csv?{query}",
                f"/dashboard/tables/sessions.csv?{query}&area=IQ"):  # area outside: ignored
        response = browser.get(url)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        text = response.get_data(as_text=True)
        assert "IQ-EBL" not in text and "Erbil" not in text and "Iraq" not in text
        labels = [r[0] for r in csv.reader(io.StringIO(text))]
        assert any(label.startswith("'=HYPERLINK") for label in labels)
    assert db.session.query(AuditEvent).filter_by(action="export").count() == 2
    assert browser.get(f"/dashboard/tables/nothing.csv?{query}").status_code == 404
    client.post("/logout")
    counsellor = login(make_user("counsellor"))
    assert counsellor.get(f"/dashboard/tables/sessions.csv?{query}").status_code == 403
    body = counsellor.get(f"/dashboard/?{query}").get_data(as_text=True)
    assert ".csv" not in body  # no download link either


@pytest.mark.usefixtures("suppression_method")
def test_chart_endpoint_draws_the_scope_only(network, make_user, make_client, login):
    fill(make_client, "PK-ISB", 7, this_month())
    fill(make_client, "IQ-EBL", 9, this_month())
    browser = login(make_user("supervisor", country="PK"))
    query = f"period={this_month():%Y-%m}"
    body = browser.get(f"/dashboard/?{query}").get_data(as_text=True)
    assert "data:image" not in body  # charts are separate, cached images
    src = re.search(r'src="(/dashboard/charts/sessions.svg\?v=[0-9a-f]{16}&amp;period=[^"]+)"',
                    body)
    assert src and src[1].endswith(f"period={this_month():%Y-%m}")
    # A chart's URL holds a digest of what it draws: a changed number is a new URL, so a
    # browser never shows a cached chart that disagrees with the table.
    fill(make_client, "PK-ISB", 1, this_month())
    again = browser.get(f"/dashboard/?{query}").get_data(as_text=True)
    assert src[1] not in again and "/dashboard/charts/sessions.svg?v=" in again
    other = browser.get(f"/dashboard/?{query}&lang=ar").get_data(as_text=True)
    assert re.search(r'sessions.svg\?v=([0-9a-f]+)', other)[1] != re.search(
        r'sessions.svg\?v=([0-9a-f]+)', again)[1]  # another language: another chart
    response = browser.get(f"/dashboard/charts/sessions.svg?{query}&area=IQ",
                           headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age" in response.headers["Cache-Control"]
    import gzip
    svg = gzip.decompress(response.get_data()).decode()
    assert "PK-ISB" in svg and "IQ-EBL" not in svg and "<script" not in svg
    assert browser.get(f"/dashboard/charts/nothing.svg?{query}").status_code == 404


def table(values, columns=(("", "Total"),)):
    rows = [Row("", "Total", 0), Row("A", "Alpha", 3), Row("B", "Beta", 3)]
    return PublishedTable("sessions", "Sessions", "count", rows, list(columns),
                          [[v] * len(columns) for v in values],
                          [[v is None] * len(columns) for v in values])


def test_charts_name_their_series_and_use_the_okabe_ito_palette():
    labels, series = charts.bar_data(table([20, 12, 8]))
    assert labels == ("Alpha", "Beta") and [name for name, _v in series] == ["This period"]
    svg = charts.bar_svg(table([20, 12, 8]), digits=("en", "latn"))
    assert "Total" not in svg and 'class="legend' not in svg  # one series: no legend
    _labels, series = charts.bar_data(table([20, 12, 8]), table([15, 9, 6]))
    assert series == (("This period", (12, 8)), ("Previous period", (9, 6)))
    svg = charts.bar_svg(table([20, 12, 8]), table([15, 9, 6]), digits=("en", "latn"))
    assert "Previous period" in svg and 'class="legend' in svg
    assert charts.PALETTE[0] in svg and charts.PALETTE[1] in svg
    by_sex = table([20, 12, 8], columns=(("female", "Female"), ("male", "Male"), ("", "Total")))
    assert [n for n, _v in charts.bar_data(by_sex)[1]] == ["Female", "Male"]  # per value


def test_chart_axis_numbers_are_in_the_users_digits():
    svg = charts.bar_svg(table([2000, 1200, 800]), digits=("fa_AF", "arabext"))
    assert ">۲۰۰<" in svg and ">۱٬۲۰۰<" in svg
    assert ">200<" not in svg and "1٬200" not in svg
    assert ">200<" in charts.bar_svg(table([2000, 1200, 800]), digits=("fa_AF", "latn"))


@pytest.mark.usefixtures("suppression_method")
def test_page_numbers_use_the_users_digits(network, make_user, make_client, login):
    fill(make_client, "PK-ISB", 12, this_month())
    user = make_user("supervisor", mrc="PK-ISB")
    browser = login(user)
    query = f"period={this_month():%Y-%m}&lang=fa_AF"
    body = browser.get(f"/dashboard/?{query}").get_data(as_text=True)
    assert figure(body, "clients") == "۱۲"  # like the dates of the period line
    table = body[body.index('id="table-sessions"'):]
    assert "<td><bdi>۱۲</bdi></td>" in table[:table.index("</table>")]
    user.latin_digits = True
    db.session.commit()
    body = browser.get(f"/dashboard/?{query}").get_data(as_text=True)
    assert figure(body, "clients") == "12"

"""The worklist: sortable columns, the phone number to call, the last attempt, and waves
past the lapse horizon leaving the list (and counting as not reached once swept)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mrc.aggregates import summaries
from mrc.aggregates.models import OutcomeMonth
from mrc.cases import services
from mrc.cases.models import FollowUp
from mrc.config import Config
from mrc.extensions import db
from mrc.privacy.codes import format_code
from mrc.scope import scoped
from mrc.settings import Settings
from mrc.validation import ValidationError
from tests.cases.conftest import text

TODAY = date.today()


def due_in(make_client, days, mrc="PK-ISB", **kw):
    """A consenting client whose first wave (+90 days) is due in ``days`` days."""
    return make_client(mrc, baseline=TODAY - timedelta(days=90 - days), **kw)


def not_reached(followup, days_ago, method="phone"):
    services.record_attempt(followup, {"date": TODAY - timedelta(days=days_ago),
                                       "method": method, "reached": False}, None)


def order(html, records):
    """The records listed in ``html``, in the order shown."""
    shown = [r for r in records if format_code(r.code) in html]
    return sorted(shown, key=lambda r: html.index(format_code(r.code)))


def header(html, key):
    """The <th> whose sort link is for ``key``."""
    match = re.search(r'<th scope="col"[^>]*><a class="sort" href="[^"]*sort=' + key
                      + r'[^"]*">', html)
    assert match, key
    return match.group(0)


@pytest.fixture
def four(make_client):
    """Four waves on the list: (due in days, wave, attempts, last attempt days ago)."""
    a = due_in(make_client, -20)                      # wave 1, 2 attempts, last 3 days ago
    b = due_in(make_client, -5)                       # wave 1, never tried
    c = make_client("PK-ISB", baseline=TODAY - timedelta(days=190))  # wave 2, due 10 days ago
    d = due_in(make_client, 3)                        # wave 1, 1 attempt 8 days ago (early)
    not_reached(a.followups[0], 10)
    not_reached(a.followups[0], 3, method="sms")
    wave2 = next(f for f in c.followups if f.wave == 2)
    not_reached(wave2, 9)
    not_reached(wave2, 8)
    not_reached(wave2, 7, method="visit")
    not_reached(d.followups[0], 8)
    db.session.commit()
    return a, b, c, d


@pytest.mark.parametrize(("query", "expected"), [
    ("", "acbd"),
    ("?sort=due&dir=asc", "acbd"),
    ("?sort=due&dir=desc", "dbca"),
    ("?sort=wave&dir=asc", "abdc"),     # ties: oldest due date first
    ("?sort=wave&dir=desc", "cabd"),
    ("?sort=attempts&dir=asc", "bdac"),
    ("?sort=attempts&dir=desc", "cadb"),
    ("?sort=last_attempt&dir=asc", "bdca"),  # never tried first
    ("?sort=last_attempt&dir=desc", "acdb"),  # never tried last
    ("?sort=nonsense&dir=sideways", "acbd"),
])
def test_sort_orders(counsellor, four, query, expected):
    names = dict(zip("abcd", four, strict=True))
    html = text(counsellor.get("/cases/worklist" + query))
    assert order(html, list(four)) == [names[k] for k in expected]


def test_sort_headers_carry_aria_sort_and_flip(counsellor, four):
    html = text(counsellor.get("/cases/worklist?sort=attempts&dir=desc&horizon=30"))
    th = header(html, "attempts")
    assert 'aria-sort="descending"' in th and "dir=asc" in th and "horizon=30" in th
    for other in ("due", "wave", "last_attempt"):
        assert "aria-sort" not in header(html, other) and "dir=asc" in header(html, other)
    assert 'aria-sort="ascending"' in header(text(counsellor.get("/cases/worklist")), "due")
    assert "dir=desc" in header(text(counsellor.get("/cases/worklist")), "due")


def test_pager_keeps_the_sort(counsellor, four, app, monkeypatch):
    monkeypatch.setitem(app.config, "MRC_PAGE_SIZE", 2)
    first = text(counsellor.get("/cases/worklist?sort=attempts&dir=desc"))
    next_link = re.search(r'<a href="([^"]*)" rel="next">', first)
    assert next_link and "sort=attempts" in next_link.group(1) and "dir=desc" in next_link.group(1)
    second = text(counsellor.get(next_link.group(1).replace("&amp;", "&")))
    a, b, c, d = four
    assert order(first, list(four)) == [c, a] and order(second, list(four)) == [d, b]


def test_count_stops_at_the_cap_and_says_more(counsellor, four, app, monkeypatch):
    monkeypatch.setattr("mrc.cases.worklist.COUNT_CAP", 2)
    monkeypatch.setitem(app.config, "MRC_PAGE_SIZE", 1)
    html = text(counsellor.get("/cases/worklist"))
    assert "Follow-ups to do: more than 2." in html and "Page 1 of 2" in html
    a, _b, c, _d = four
    assert order(html, list(four)) == [a]
    # A page past the counted ones shows the last counted page, not an empty list.
    last = text(counsellor.get("/cases/worklist?page=9"))
    assert "Page 2 of 2" in last and order(last, list(four)) == [c]


def test_count_below_the_cap_is_exact(counsellor, four, monkeypatch):
    monkeypatch.setattr("mrc.cases.worklist.COUNT_CAP", 4)
    due = services.due_followups(select(FollowUp), per_page=3)
    assert (due.total, due.capped, due.total_pages, len(due.rows)) == (4, False, 2, 3)
    assert "4 follow-ups to do." in text(counsellor.get("/cases/worklist"))
    monkeypatch.setattr("mrc.cases.worklist.COUNT_CAP", 3)
    due = services.due_followups(select(FollowUp), per_page=3)
    assert (due.total, due.capped, due.total_pages) == (3, True, 1)


def test_last_attempt_date_and_method(counsellor, four):
    a, b, _c, _d = four
    html = text(counsellor.get("/cases/worklist"))
    row = html[html.index(format_code(a.code)):]
    row = row[:row.index("</tr>")]
    assert "Text message" in row and "<td>2</td>" in row
    row_b = html[html.index(format_code(b.code)):]
    row_b = row_b[:row_b.index("</tr>")]
    assert "None" in row_b and "<td>0</td>" in row_b


def test_phone_with_tel_link_for_own_mrc_only(counsellor, make_client):
    mine = due_in(make_client, -2, phone="0300 7654321")
    silent = due_in(make_client, -2)
    due_in(make_client, -2, mrc="PK-LHE", phone="0300 1112223")
    db.session.commit()
    html = text(counsellor.get("/cases/worklist"))
    assert '<a class="phone" href="tel:+923007654321"><bdi dir="ltr">+92 300 7654321</bdi></a>' \
        in html
    row = html[html.index(format_code(silent.code)):]
    assert "tel:" not in row[:row.index("</tr>")]
    assert "1112223" not in html and html.count("tel:") == 1
    assert format_code(mine.code) in html


def test_waves_past_the_lapse_horizon_leave_the_list(counsellor, make_client):
    kept = due_in(make_client, -60)
    gone = due_in(make_client, -61)
    db.session.commit()
    html = text(counsellor.get("/cases/worklist"))
    assert format_code(kept.code) in html and format_code(gone.code) not in html
    assert "1 follow-up to do." in html
    # Not swept yet, yet closed: no attempt is offered nor taken.
    wave = gone.followups[0]
    assert wave.status == "pending"
    response = counsellor.get(f"/cases/followups/{wave.id}/attempt")
    assert response.status_code == 302
    response = counsellor.post(f"/cases/followups/{wave.id}/attempt", data={
        "date": TODAY.isoformat(), "method": "phone", "reached": "no"})
    assert response.status_code == 302 and not wave.attempts
    # The open one still takes attempts.
    assert counsellor.get(f"/cases/followups/{kept.followups[0].id}/attempt").status_code == 200


def test_lapse_horizon_is_a_setting(counsellor, make_client, app, monkeypatch):
    record = due_in(make_client, -45)
    db.session.commit()
    assert format_code(record.code) in text(counsellor.get("/cases/worklist"))
    monkeypatch.setitem(app.config, "MRC_FOLLOWUP_LAPSE_DAYS", 30)
    assert format_code(record.code) not in text(counsellor.get("/cases/worklist"))


def test_setting_read_from_the_environment():
    assert Config.from_env({}).followup_lapse_days == 60
    config = Config.from_env({"MRC_FOLLOWUP_LAPSE_DAYS": "30"})
    assert config.followup_lapse_days == 30
    assert Settings(config.to_flask()).followup_lapse_days == 30


def assert_consistent():
    summaries.apply_pending()
    stored, fresh = summaries.stored(), summaries.recompute()
    for model, rows in fresh.items():
        assert stored[model] == rows, model.__tablename__


def outcome_all(mrc_id, month, measure):
    row = db.session.scalars(select(OutcomeMonth).where(
        OutcomeMonth.mrc_id == mrc_id, OutcomeMonth.month == month,
        OutcomeMonth.dim == "all")).one()
    return getattr(row, measure)


def test_sweep_marks_lapsed_counts_not_reached_and_keeps_summaries_exact(network, make_client):
    old = [due_in(make_client, -61 - i) for i in range(3)]
    # Two waves of one client lapse together (baseline 300 days ago: +90 and +180 overdue).
    both = make_client("PK-ISB", baseline=TODAY - timedelta(days=300))
    fresh = due_in(make_client, -10)
    elsewhere = due_in(make_client, -100, mrc="BD-DAC")
    db.session.commit()
    assert_consistent()
    wave = old[0].followups[0]
    month = wave.due_date.replace(day=1)
    mrc_id = network["PK-ISB"].id
    due_before = outcome_all(mrc_id, month, "due")
    unreachable_before = outcome_all(mrc_id, month, "unreachable")

    # A small chunk first: the sweep goes on where it stopped.
    assert services.lapse_overdue_followups(limit=2) == 2
    assert_consistent()
    assert services.lapse_overdue_followups() == 4
    assert_consistent()
    assert services.lapse_overdue_followups() == 0
    db.session.commit()
    assert_consistent()

    statuses = {f.id: f.status for f in db.session.scalars(select(FollowUp))}
    for record in (*old, both, elsewhere):
        for f in record.followups:
            if f.due_date < TODAY - timedelta(days=60):
                assert statuses[f.id] == "lapsed"
    assert statuses[fresh.followups[0].id] == "pending"
    # Still due (the reach rate's denominator), now counted as not reached.
    assert outcome_all(mrc_id, month, "due") == due_before
    assert outcome_all(mrc_id, month, "unreachable") > unreachable_before


def test_sweep_is_scoped_when_asked(network, make_client, make_user):
    mine = due_in(make_client, -70)
    other = due_in(make_client, -70, mrc="PK-LHE")
    user = make_user("counsellor", "PK-ISB")
    assert services.lapse_overdue_followups(scoped(FollowUp, user)) == 1
    assert mine.followups[0].status == "lapsed" and other.followups[0].status == "pending"


def test_lapsed_wave_is_closed_to_later_attempts_but_not_to_earlier_ones(network, make_client):
    late = due_in(make_client, -80)
    services.lapse_overdue_followups()
    wave = late.followups[0]
    with pytest.raises(ValidationError) as failed:
        services.record_attempt(wave, {"date": TODAY, "method": "phone", "reached": False},
                                None)
    assert "status" in failed.value.errors
    # An attempt made within the window (an import of earlier calls) still closes it.
    services.record_attempt(wave, {"date": wave.due_date + timedelta(days=30), "method": "phone",
                                   "reached": True, "location_status": "stayed",
                                   "intention": "none", "used_mrc_info": None}, None)
    assert wave.status == "reached"
    assert_consistent()


def test_the_command_sweeps_and_commits(app, network, make_client):
    record = due_in(make_client, -90)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["mrc", "lapse-followups"])
    assert result.exit_code == 0, result.output
    assert "1 follow-up waves lapsed" in result.output
    db.session.expire_all()
    assert record.followups[0].status == "lapsed"
    assert_consistent()
    again = app.test_cli_runner().invoke(args=["mrc", "lapse-followups"])
    assert "0 follow-up waves lapsed" in again.output


def test_lapsed_wave_shows_on_the_client_page(counsellor, make_client):
    record = due_in(make_client, -75)
    services.lapse_overdue_followups()
    db.session.commit()
    page = text(counsellor.get(f"/cases/clients/{record.id}"))
    assert "Lapsed (not reached in time)" in page

"""The MRC's client list: pagination, filters, sort, the code-prefix search and scope."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from mrc.cases import services
from mrc.cases.listing import (
    COUNT_CAP,
    ListFilters,
    _prefix_condition,
    list_clients,
    normalise_code_prefix,
)
from mrc.cases.models import Client, FollowUp
from mrc.extensions import db
from mrc.privacy.codes import InvalidCode, check_symbol, format_code
from tests.cases.conftest import text

TODAY = date.today()


def with_code(record, data):
    record.code = data + check_symbol(data)
    return record


def listed(html):
    """Client ids in the table, in their order."""
    return [int(i) for i in re.findall(r'href="/cases/clients/(\d+)"', html)]


def test_nav_links_to_the_list(counsellor):
    assert 'href="/cases/clients"' in text(counsellor.get("/cases/worklist"))


def test_columns_and_statuses(counsellor, make_client):
    # Waves still ahead: active; a wave due: follow-up due; all waves closed: done.
    ahead = make_client(baseline=TODAY - timedelta(days=10))
    due = make_client(baseline=TODAY - timedelta(days=95))
    done = make_client(baseline=TODAY - timedelta(days=400))
    for wave in db.session.scalars(db.select(FollowUp).where(FollowUp.client_id == done.id)):
        wave.status = "reached"
    withdrawn = make_client(baseline=TODAY - timedelta(days=20))
    services.update_client(withdrawn, {"followup_consent": False}, None)
    never = make_client(consent=False, sessions=0, registered_on=TODAY - timedelta(days=3))
    erased = make_client()
    services.erase_client(erased, None)
    db.session.commit()
    html = text(counsellor.get("/cases/clients"))
    rows = {int(m.group(1)): m.group(0) for m in
            re.finditer(r'<tr>\s*<td><a href="/cases/clients/(\d+)".*?</tr>', html, re.S)}
    assert "Active" in rows[ahead.id] and format_code(ahead.code) in rows[ahead.id]
    assert "Wave 1 (+90 days)" in rows[ahead.id]
    assert "Follow-up due" in rows[due.id]
    assert "Follow-ups done" in rows[done.id]
    assert "Consent withdrawn" in rows[withdrawn.id]
    assert "Active" in rows[never.id] and "Never" in rows[never.id]
    # Erased: listed as erased, without any code.
    assert "Erased" in rows[erased.id] and "Erased client" in rows[erased.id]
    assert 'class="code"' not in rows[erased.id]
    assert "Clients found: 6." in html


def test_last_seen_is_latest_session_or_attempt(counsellor, make_client):
    record = make_client(baseline=TODAY - timedelta(days=100))
    wave = db.session.scalars(db.select(FollowUp).where(FollowUp.client_id == record.id)).first()
    when = TODAY - timedelta(days=2)
    services.record_attempt(wave, {"date": when, "method": "phone", "reached": False}, None)
    db.session.commit()
    html = text(counsellor.get("/cases/clients"))
    from mrc.templating import fmt_date
    assert fmt_date(when) in html


def test_paginates_every_client_once(counsellor, make_client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MRC_PAGE_SIZE", 2)
    records = [make_client(baseline=TODAY - timedelta(days=10 + i)) for i in range(5)]
    db.session.commit()
    first = text(counsellor.get("/cases/clients"))
    assert "Page 1 of 3" in first and 'rel="next"' in first and 'rel="prev"' not in first
    seen = []
    for page in (1, 2, 3):
        seen += listed(text(counsellor.get(f"/cases/clients?page={page}")))
    # Default order: most recently registered first.
    assert seen == [r.id for r in records]
    assert 'rel="next"' not in text(counsellor.get("/cases/clients?page=3"))
    # Beyond the last page: the last page.
    assert listed(text(counsellor.get("/cases/clients?page=99"))) == [records[4].id]


def test_status_filter(counsellor, make_client):
    due = make_client(baseline=TODAY - timedelta(days=95))
    ahead = make_client(baseline=TODAY - timedelta(days=10))
    erased = make_client()
    services.erase_client(erased, None)
    db.session.commit()
    assert listed(text(counsellor.get("/cases/clients?status=due"))) == [due.id]
    assert listed(text(counsellor.get("/cases/clients?status=active"))) == [ahead.id]
    assert listed(text(counsellor.get("/cases/clients?status=erased"))) == [erased.id]
    html = text(counsellor.get("/cases/clients?status=bogus"))  # ignored
    assert set(listed(html)) == {due.id, ahead.id, erased.id}


def test_consent_filter(counsellor, make_client):
    yes = make_client()
    no = make_client(consent=False)
    db.session.commit()
    assert listed(text(counsellor.get("/cases/clients?consent=yes"))) == [yes.id]
    assert listed(text(counsellor.get("/cases/clients?consent=no"))) == [no.id]


def test_registered_period_filter(counsellor, make_client):
    old = make_client(baseline=date(2024, 1, 10))
    mid = make_client(baseline=date(2024, 3, 5))
    new = make_client(baseline=date(2024, 6, 1))
    db.session.commit()
    html = text(counsellor.get("/cases/clients?from=2024-02-01&to=2024-05-31"))
    assert listed(html) == [mid.id]
    assert listed(text(counsellor.get("/cases/clients?from=2024-03-05"))) == [new.id, mid.id]
    assert listed(text(counsellor.get("/cases/clients?to=2024-01-10"))) == [old.id]
    assert counsellor.get("/cases/clients?from=not-a-date").status_code == 200


def test_sorts_with_aria_sort_and_links(counsellor, make_client):
    a = make_client(baseline=TODAY - timedelta(days=80))   # wave 1 due in 10 days
    b = make_client(baseline=TODAY - timedelta(days=85))   # due in 5 days
    c = make_client(baseline=TODAY - timedelta(days=30))   # due in 60 days
    never = make_client(consent=False, sessions=0, registered_on=TODAY - timedelta(days=1))
    db.session.commit()
    html = text(counsellor.get("/cases/clients"))
    assert 'aria-sort="descending"' in html and listed(html) == [never.id, c.id, a.id, b.id]
    # The header of the sorted column flips it; the others start in their natural order.
    assert "sort=registered&amp;dir=asc" in html or "dir=asc&amp;sort=registered" in html
    html = text(counsellor.get("/cases/clients?sort=registered&dir=asc"))
    assert 'aria-sort="ascending"' in html and listed(html) == [b.id, a.id, c.id, never.id]
    html = text(counsellor.get("/cases/clients?sort=next_due&dir=asc"))
    assert listed(html) == [b.id, a.id, c.id, never.id]  # nothing due: last
    html = text(counsellor.get("/cases/clients?sort=next_due&dir=desc"))
    assert listed(html) == [c.id, a.id, b.id, never.id]
    html = text(counsellor.get("/cases/clients?sort=last_seen&dir=desc"))
    assert listed(html) == [c.id, a.id, b.id, never.id]  # never seen: last
    assert html.count("aria-sort=") == 1


def search(http, prefix, **extra):
    return http.post("/cases/clients", data={"prefix": prefix, **extra})


def test_code_prefix_search_is_posted_and_forgiving(counsellor, make_client):
    k7 = with_code(make_client(), "K7Q3M9X")
    k8 = with_code(make_client(), "K8Q3M9X")
    one = with_code(make_client(), "10A0B2C")
    db.session.commit()
    html = text(counsellor.get("/cases/clients"))
    # The code-prefix field is in a POST form (the filter form is GET).
    assert re.search(r'<form method="post"(?:(?!</form>).)*name="prefix"', html, re.S)
    for typed, expected in [("K7", [k7.id]), ("k7q3-", [k7.id]), ("K", [k8.id, k7.id]),
                            ("IOA", [one.id]), ("lo a0", [one.id]), ("K7Q3M9X", [k7.id]),
                            ("Z", [])]:
        response = search(counsellor, typed)
        assert response.status_code == 200, typed
        assert sorted(listed(text(response))) == sorted(expected), typed
    assert search(counsellor, "K7!").status_code == 400
    assert "only letters and digits" in text(search(counsellor, "K7!"))


def test_code_prefix_never_in_a_link(counsellor, make_client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MRC_PAGE_SIZE", 1)
    for data in ("K7Q3M9X", "K7Q4M9X", "K7Q5M9X"):
        with_code(make_client(), data)
    db.session.commit()
    html = text(search(counsellor, "K7Q"))
    assert "Page 1 of 3" in html
    # Pager and sort headers are POST buttons carrying the prefix, not links.
    assert not re.search(r'href="[^"]*(K7Q|prefix)', html, re.I)
    assert 'name="page" value="2"' in html and 'name="prefix" value="K7Q"' in html
    page2 = text(search(counsellor, "K7Q", page="2"))
    assert "Page 2 of 3" in page2


def test_other_mrc_never_listed(counsellor, make_client):
    mine = make_client("PK-ISB")
    theirs = with_code(make_client("AF-KBL"), "K7Q3M9X")
    db.session.commit()
    assert listed(text(counsellor.get("/cases/clients"))) == [mine.id]
    assert theirs.id not in listed(text(search(counsellor, "K7")))
    assert format_code(theirs.code) not in text(search(counsellor, "K7"))


def test_supervisor_sees_no_list(make_user, login, make_client):
    make_client()
    http = login(make_user("supervisor", country="PK"))
    assert http.get("/cases/clients").status_code in (302, 403)


def test_count_is_capped(app, make_user, make_client, monkeypatch):
    import mrc.cases.listing as listing
    monkeypatch.setattr(listing, "COUNT_CAP", 2)
    user = make_user("counsellor")
    for _ in range(3):
        make_client()
    result = list_clients(user, ListFilters(), per_page=10)
    assert result.capped and result.total == 2
    assert COUNT_CAP == 10_000


@pytest.mark.parametrize("typed", ["", "K7!", "K7Q3M9XPZ"])
def test_prefix_rejects_what_cannot_start_a_code(typed):
    with pytest.raises(InvalidCode):
        normalise_code_prefix(typed)


def test_prefix_range_upper_bound(app):
    # K7Z → [K7Z, K8): the unique index on code answers it as a range.
    compiled = str(_prefix_condition("K7Z").compile(compile_kwargs={"literal_binds": True}))
    assert "'K8'" in compiled and "'K7Z'" in compiled
    assert "<" not in str(_prefix_condition("ZZ").compile(
        compile_kwargs={"literal_binds": True})).replace(">=", "")
    assert Client.code is not None

"""The audit log: filters, pages, CSV export (itself audited), admin only."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from mrc.audit.forms import ACTION_LABELS
from mrc.audit.models import AuditEvent
from mrc.audit.services import ACTIONS
from mrc.extensions import db

DAY = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def shown(browser, query=""):
    page = browser.get(f"/admin/audit/{query}").get_data(as_text=True)
    return [int(n) for n in re.findall(r'id="event-(\d+)"', page)]


def test_every_action_has_a_label():
    assert set(ACTION_LABELS) == set(ACTIONS)


def test_newest_first_and_filters(network, make_user, admin, add_event):
    counsellor = make_user("counsellor", "PK-ISB")
    isb, ebl = network["PK-ISB"], network["IQ-EBL"]
    old = add_event("view", "client", 11, at=DAY - timedelta(days=5), user=counsellor, mrc=isb)
    mid = add_event("update", "client", 11, at=DAY, user=counsellor, mrc=isb,
                    detail="fields=education")
    new = add_event("export", "panel", None, at=DAY + timedelta(days=3), mrc=ebl,
                    detail="rows=120")
    db.session.commit()
    ids = shown(admin)
    assert ids.index(new.id) < ids.index(mid.id) < ids.index(old.id)  # newest first

    assert shown(admin, f"?user={counsellor.username.upper()}") == [mid.id, old.id]
    assert shown(admin, "?action=export") == [new.id]
    assert shown(admin, "?entity=client") == [mid.id, old.id]
    assert shown(admin, f"?mrc={ebl.id}") == [new.id]
    assert shown(admin, "?date_from=2026-03-10&date_to=2026-03-10") == [mid.id]
    assert shown(admin, "?date_from=2026-03-06&action=view") == []
    assert shown(admin, "?date_to=2026-03-05") == [old.id]

    page = admin.get("/admin/audit/?user=nobody-here").get_data(as_text=True)
    assert "No user has this username." in page and 'id="event-' not in page
    page = admin.get("/admin/audit/?date_from=2026-03-10&date_to=2026-03-01")
    assert "before the start date" in page.get_data(as_text=True)
    # Garbage in the query string is shown as a filter error, never a server error.
    response = admin.get("/admin/audit/?date_from=yesterday&action=hack&mrc=x&page=zz")
    assert response.status_code == 200
    assert "fields=education" in admin.get(f"/admin/audit/?mrc={isb.id}").get_data(as_text=True)


def test_pages(app, network, admin, add_event):
    events = [add_event("view", "client", n, at=DAY + timedelta(minutes=n)) for n in range(5)]
    db.session.commit()
    app.config["MRC_PAGE_SIZE"] = 2
    try:
        query = "?entity=client"
        pages = [shown(admin, f"{query}&page={n}") for n in (1, 2, 3)]
        newest_first = [e.id for e in reversed(events)]
        assert pages == [newest_first[:2], newest_first[2:4], newest_first[4:]]
        page = admin.get(f"/admin/audit/{query}&page=2").get_data(as_text=True)
        assert "Page 2 of 3" in page
        assert "entity=client" in re.search(r'href="([^"]*)" rel="next"', page).group(1)
        assert shown(admin, f"{query}&page=40") == newest_first[4:]
    finally:
        app.config["MRC_PAGE_SIZE"] = 50


def test_csv_export_has_the_filtered_rows_and_is_audited(network, make_user, admin, admin_user,
                                                         add_event):
    counsellor = make_user("counsellor", "PK-ISB")
    isb = network["PK-ISB"]
    wanted = [add_event("update", "client", n, at=DAY + timedelta(hours=n), user=counsellor,
                        mrc=isb, detail="fields=sex") for n in range(3)]
    add_event("update", "client", 99, at=DAY, mrc=network["IQ-EBL"])
    add_event("login", "user", counsellor.id, at=DAY, user=counsellor)
    add_event("update", "leaflet", 7, at=DAY, mrc=isb, detail="=HYPERLINK(\"x\")")
    db.session.commit()

    response = admin.get(f"/admin/audit/export.csv?mrc={isb.id}&entity=client")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(r"filename\*=UTF-8''mrc-audit-\d{4}-\d{2}-\d{2}\.csv", disposition)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(r["entity_id"]) for r in rows] == [2, 1, 0]  # newest first
    assert {(r["user"], r["action"], r["entity"], r["mrc"], r["detail"]) for r in rows} == {
        (counsellor.username, "update", "client", "PK-ISB", "fields=sex")}
    assert rows[0]["time_utc"] == "2026-03-10T14:00:00Z"

    export = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert (export.user_id, export.entity) == (admin_user.id, "audit_event")
    assert export.detail == "rows=3;filters=entity,mrc_id"
    assert export.id > max(e.id for e in wanted)

    # The export's own event is not in the file; a formula-like cell is neutralised.
    everything = admin.get("/admin/audit/export.csv?entity=leaflet").get_data(as_text=True)
    leaflet_rows = list(csv.DictReader(io.StringIO(everything)))
    assert [r["detail"] for r in leaflet_rows] == ["'=HYPERLINK(\"x\")"]
    all_rows = list(csv.DictReader(io.StringIO(
        admin.get("/admin/audit/export.csv").get_data(as_text=True))))
    exports = [r for r in all_rows if r["action"] == "export"]
    assert len(exports) == 2  # the two earlier exports, not this one


def test_audit_pages_are_admin_only(network, make_user, login):
    for role in ("counsellor", "manager", "supervisor", "evaluator"):
        browser = login(make_user(role))
        assert browser.get("/admin/audit/").status_code == 403
        assert browser.get("/admin/audit/export.csv").status_code == 403
        browser.post("/logout")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export")) is None

"""Capture without a connection (#13) in real Chromium: set up the device, go offline,
register a client (a code of the device's block) and log 20 sessions for it, close the
page, open it again offline (the service worker serves it), come back online: the client,
its 20 sessions and an outreach event (with leaflets handed out) arrive exactly once. Then a correction of a session changed on the
server meanwhile shows the per-field conflict, and the value chosen is saved.

Works at BD-DAC (the other browser tests read PK-ISB's demo records, which stay as they were)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from mrc import create_app
from mrc.api import tokens
from mrc.auth.models import User
from mrc.cases.models import Client, CounsellingSession
from mrc.demo.services import DEMO_PASSWORD
from mrc.extensions import db
from mrc.leaflets import services as stock
from mrc.org.models import MRC
from mrc.outreach.models import OutreachEvent
from mrc.privacy.codes import normalise_code
from tests.browser.harness import Visitors
from tests.conftest import make_config

COUNSELLOR = "counsellor-bd-dac"
SESSIONS = 20
PARTNERS = f"Job fair desk {uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def server_app(demo_database: tuple[str, int]) -> Iterator[Flask]:
    """The application on the served database, to count what arrived and to change a
    record 'on the server' as another counsellor would."""
    app = create_app(make_config(demo_database[0]))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def choose(page: Page, form: str, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f"{form} [name={name}]").select_option(value)


def entries(page: Page, state: str) -> int:
    return page.locator(f"#entries li[data-state={state}]").count()


def test_twenty_sessions_offline_arrive_once_and_a_conflict_is_resolved(
        visitors: Visitors, server_app: Flask) -> None:
    tab = visitors.tab(COUNSELLOR)
    page = tab.open(f"{visitors.server.url}/capture/?lang=en")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#work:not([hidden])")
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    context = page.context

    context.set_offline(True)
    expect(page.locator("#net.offline")).to_have_count(1)
    choose(page, "#form-client", {"sex": "female", "migrant_status": "returnee",
                                  "education": "primary", "employment": "unemployed"})
    page.click("#form-client button[type=submit]")
    page.wait_for_selector("#entries li[data-state=waiting]")
    code = page.locator("#entries li bdi").first.inner_text()
    page.click("#tabs [data-tab=session]")
    page.fill("#session-client", code)
    for n in range(SESSIONS):
        choose(page, "#form-session", {"language": "bn", "intention": "undecided"})
        page.fill("#session-duration_minutes", str(10 + n))
        page.click("#form-session button[type=submit]")
        expect(page.locator("#entries li")).to_have_count(n + 2)
    page.click("#tabs [data-tab=event]")
    choose(page, "#form-event", {"type": "job_fair"})
    page.fill("#event-att_female_18_34", "14")
    page.fill("#event-att_male_18_34", "30")
    page.fill("#event-partners", PARTNERS)
    leaflet = in_stock("BD-DAC")
    choose(page, "#form-event", {"leaflets-0-leaflet": leaflet.leaflet_code,
                                 "leaflets-0-language": leaflet.language})
    page.fill("#event-leaflets-0-quantity", "2")
    page.click("#form-event button[type=submit]")
    expect(page.locator("#entries li")).to_have_count(SESSIONS + 2)
    assert entries(page, "waiting") == SESSIONS + 2
    assert page.locator("#banner").get_attribute("data-count") == str(SESSIONS + 2)
    page.close()

    # Reopened offline: the service worker's copy of the page, the entries still there.
    page = context.new_page()
    page.goto(f"{visitors.server.url}/capture/")
    page.wait_for_selector("#work:not([hidden])")
    assert entries(page, "waiting") == SESSIONS + 2
    canonical = normalise_code(code)
    assert db.session.scalar(select(func.count()).where(Client.code == canonical)) == 0

    context.set_offline(False)
    expect(page.locator("#entries li[data-state=sent]")).to_have_count(SESSIONS + 2,
                                                                      timeout=60_000)
    db.session.rollback()
    client = db.session.scalars(select(Client).where(Client.code == canonical)).one()
    sessions = list(db.session.scalars(select(CounsellingSession).where(
        CounsellingSession.client_id == client.id).order_by(CounsellingSession.id)))
    assert sorted(s.duration_minutes for s in sessions) == list(range(10, 10 + SESSIONS))
    event = db.session.scalars(select(OutreachEvent).where(
        OutreachEvent.partners == PARTNERS)).one()
    assert (event.type, event.attendance_total) == ("job_fair", 44)
    assert [(g.leaflet_code, g.language, g.quantity)
            for g in stock.given_at_events([event.id])[event.id]] == [
        (leaflet.leaflet_code, leaflet.language, 2)]
    assert page.locator("#banner").is_hidden()

    # A correction of a session another counsellor changed meanwhile.
    target = sessions[0]
    page.click("#tabs [data-tab=correction]")
    page.fill("#correction-session", str(target.id))
    page.click("#load-session")
    page.wait_for_selector("#correction-fields:not([disabled])")
    change_on_server(server_app, target.id, {"intention": "irregular",
                                             "duration_minutes": 55})
    choose(page, "#form-correction", {"reason": "typing_error", "intention": "regular"})
    page.click("#form-correction button[type=submit]")
    page.wait_for_selector("#entries li[data-state=conflict] .conflict")
    row = page.locator("#entries li[data-state=conflict] .conflict tr", has_text="intention")
    assert "regular" in row.inner_text() and "irregular" in row.inner_text()
    row.locator("input[value=yours]").check()
    page.click("#entries li[data-state=conflict] button.resolve")
    expect(page.locator("#entries li[data-state=conflict], #entries li[data-state=waiting]")
           ).to_have_count(0)
    expect(page.locator("#entries li[data-state=sent]")).to_have_count(SESSIONS + 3)
    db.session.rollback()
    saved = db.session.get_one(CounsellingSession, target.id)
    # Yours where chosen; the server's change the device did not touch is kept.
    assert (saved.intention, saved.duration_minutes) == ("regular", 55)
    assert [e for e in tab.errors if "status of 409" not in e] == []


def in_stock(mrc_code: str) -> stock.StockRow:
    """A leaflet and language the MRC has copies of, to hand out at the event."""
    mrc = db.session.scalars(select(MRC).where(MRC.code == mrc_code)).one()
    active = {leaflet.code for leaflet in stock.active_leaflets()}
    return next(row for row in stock.stock_table(mrc.id)
                if row.stock >= 2 and row.leaflet_code in active)


def change_on_server(app: Flask, session_id: int, changes: dict[str, Any]) -> None:
    """Another counsellor's correction through the API (commits on the served database)."""
    user = db.session.scalars(select(User).where(User.username == COUNSELLOR)).one()
    secret = tokens.create_token(user, f"other desk {uuid.uuid4().hex[:6]}").secret
    db.session.commit()
    http = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    current = http.get(f"/api/v1/sessions/{session_id}", headers=headers)
    answer = http.patch(f"/api/v1/sessions/{session_id}", content_type="application/json",
                        data=json.dumps({"reason": "typing_error", "changes": changes}),
                        headers={**headers, "If-Match": current.headers["ETag"]})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    db.session.commit()

"""The API's outreach event and leaflet stock routes (issue #13): the web's forms and
services behind JSON, scoped to the token user's MRC, idempotent, with ETags."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from mrc.audit.models import AuditEvent
from mrc.extensions import db
from mrc.leaflets import services as stock
from mrc.leaflets.models import Leaflet, StockEntry
from mrc.outreach import services
from mrc.outreach.models import OutreachEvent
from tests.api.test_records import Api, api_for, count

EVENTS = "/api/v1/outreach/events"
STOCK = "/api/v1/leaflets/stock"


def event_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "date": (date.today() - timedelta(days=1)).isoformat(), "type": "job_fair",
        "province": "PK-IS", "att_female_18_34": 14, "att_male_18_34": 30,
        "attendance_total": 44, "topics": ["recruitment_fees", "labour_rights"],
        "partners": "Chamber of commerce"}
    body.update(changes)
    return body


def leaflet(network: Any, quantity: int = 40) -> None:
    db.session.add(Leaflet(code="L03", topic="recruitment_fees", languages="en,ur", version="1"))
    db.session.flush()
    if quantity:
        stock.receive(network["PK-ISB"].id, "L03", "ur", quantity, date.today(), None)
    db.session.commit()


def audited(action: str, entity: str, entity_id: int | None = None) -> int:
    query = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    return db.session.scalar(query) or 0


def test_an_event_is_recorded_with_its_leaflets_and_read_back(client, make_user,
                                                               network) -> None:
    leaflet(network)
    api = api_for(client, make_user)
    made = api.post(EVENTS, event_body(leaflets=[
        {"leaflet": "L03", "language": "ur", "quantity": 25}]))
    assert made.status_code == 201, made.get_data(as_text=True)
    shown = made.get_json()
    assert made.headers["Location"] == f"{EVENTS}/{shown['id']}"
    assert shown["mrc"] == "PK-ISB" and shown["attendance_total"] == 44
    assert shown["topics"] == ["recruitment_fees", "labour_rights"]
    assert shown["leaflets"] == [{"leaflet": "L03", "language": "ur", "quantity": 25}]
    event = db.session.get_one(OutreachEvent, shown["id"])
    assert event.mrc_id == network["PK-ISB"].id and event.att_male_18_34 == 30
    assert stock.current_stock(network["PK-ISB"].id, "L03", "ur") == 15
    assert audited("create", "outreach_event", event.id) == 1
    read = api.get(made.headers["Location"])
    assert read.get_json() == shown and read.headers["ETag"] == made.headers["ETag"]
    assert api.get(made.headers["Location"],
                   **{"If-None-Match": read.headers["ETag"]}).status_code == 304


def test_a_retried_post_records_the_event_once(client, make_user) -> None:
    api = api_for(client, make_user)
    first = api.post(EVENTS, event_body(), key="desk-7-event-0001")
    again = api.post(EVENTS, event_body(), key="desk-7-event-0001")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert count(OutreachEvent) == 1
    assert api.post(EVENTS, event_body(partners="Another"),
                    key="desk-7-event-0001").status_code == 422
    assert api.post(EVENTS, event_body(), key="").status_code == 400
    assert count(OutreachEvent) == 1


def test_a_refused_event_names_its_fields_and_saves_nothing(client, make_user,
                                                            network) -> None:
    leaflet(network)
    api = api_for(client, make_user)
    bad = api.post(EVENTS, event_body(attendance_total=50, type="parade"), key="fix-and-resend")
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert set(bad.get_json()["errors"]) == {"type"}  # the form first, as on the web
    total = api.post(EVENTS, event_body(attendance_total=50))
    assert total.status_code == 400
    assert "does not match the sum" in total.get_json()["errors"]["attendance_total"]
    future = api.post(EVENTS, event_body(date=(date.today() + timedelta(days=2)).isoformat()))
    assert set(future.get_json()["errors"]) == {"date"}
    media = api.post(EVENTS, event_body(type="radio_tv"))
    assert set(media.get_json()["errors"]) == {"estimated_reach"}
    half = api.post(EVENTS, event_body(leaflets=[{"leaflet": "L03", "quantity": 5}]))
    assert "on each line" in half.get_json()["errors"]["leaflets"]
    beyond = api.post(EVENTS, event_body(leaflets=[
        {"leaflet": "L03", "language": "ur", "quantity": 41}]))
    assert beyond.status_code == 400 and "Only 40" in beyond.get_json()["errors"]["leaflets"]
    unknown = api.post(EVENTS, event_body(leaflets=[
        {"leaflet": "L99", "language": "ur", "quantity": 1}]))
    assert set(unknown.get_json()["errors"]) == {"leaflets"}
    assert api.post(EVENTS, event_body(leaflets="L03")).get_json()["detail"] == "leaflets"
    assert api.post(EVENTS, event_body(colour="red")).get_json()["detail"] == "colour"
    assert api.post(EVENTS, [1]).get_json()["detail"] == "body"
    assert count(OutreachEvent) == 0
    assert stock.current_stock(network["PK-ISB"].id, "L03", "ur") == 40
    fixed = api.post(EVENTS, event_body(), key="fix-and-resend")
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers


def make_event(mrc: Any, day: date, **fields: Any) -> OutreachEvent:
    return services.record_event(mrc, {"date": day, "type": "community_session",
                                       "att_male_35_plus": 9, **fields}, None)


def test_events_are_listed_in_cursor_pages_of_the_own_mrc(client, make_user, network) -> None:
    mine = [make_event(network["PK-ISB"], date.today() - timedelta(days=n)) for n in range(5)]
    theirs = make_event(network["PK-LHE"], date.today(), partners="Lahore partners")
    db.session.commit()
    api = api_for(client, make_user)
    seen, path = [], f"{EVENTS}?limit=2"
    while path:
        listed = api.get(path)
        assert listed.status_code == 200, listed.get_data(as_text=True)
        body = listed.get_json()
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        path = f"{EVENTS}?limit=2&cursor={body['next']}" if body["next"] else ""
    assert seen == [e.id for e in mine]
    assert "Lahore partners" not in str(seen) and theirs.id not in seen
    assert api.get(f"{EVENTS}?updated_since=2026-01-01T00:00:00Z").get_json()[
        "detail"] == "updated_since"
    assert api.get(f"{EVENTS}?cursor=%%%").status_code == 400
    assert api.get(f"{EVENTS}?limit=0").status_code == 400


def test_a_correction_needs_the_etag_is_audited_and_merges(client, make_user,
                                                           network) -> None:
    event = make_event(network["PK-ISB"], date.today() - timedelta(days=3))
    db.session.commit()
    api = api_for(client, make_user)
    path = f"{EVENTS}/{event.id}"
    read = api.get(path)
    base, tag = read.get_json(), read.headers["ETag"]
    change = {"changes": {"att_female_18_34": 6}}
    assert api.patch(path, change).status_code == 428
    first = api.patch(path, change, **{"If-Match": tag})
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.get_json()["attendance_total"] == 15 and first.headers["ETag"] != tag
    assert audited("update", "outreach_event", event.id) == 1
    stale = {"changes": {"att_female_18_34": 7}}
    assert api.patch(path, stale, **{"If-Match": tag}).status_code == 412
    conflict = api.patch(path, {**stale, "base": base}, **{"If-Match": tag})
    assert conflict.status_code == 409
    assert conflict.get_json()["conflicts"][0]["field"] == "att_female_18_34"
    assert db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "conflict", AuditEvent.entity == "outreach_event")).all() \
        == ["fields=att_female_18_34"]
    merged = api.patch(path, {"changes": {"partners": "Youth club"}, "base": base},
                       **{"If-Match": tag})
    assert merged.status_code == 200
    assert merged.get_json()["partners"] == "Youth club"
    assert merged.get_json()["att_female_18_34"] == 6
    now = merged.headers["ETag"]
    refused = api.patch(path, {"changes": {"type": "radio_tv"}}, **{"If-Match": now})
    assert refused.status_code == 400 and set(refused.get_json()["errors"]) == {
        "estimated_reach"}
    assert api.patch(path, {"changes": {"leaflets": []}},
                     **{"If-Match": now}).get_json()["detail"] == "changes"
    assert audited("update", "outreach_event", event.id) == 2
    db.session.expire_all()
    assert db.session.get_one(OutreachEvent, event.id).type == "community_session"


def test_another_mrcs_event_is_a_404_and_supervisors_get_403(client, make_user,
                                                             network) -> None:
    theirs = make_event(network["PK-LHE"], date.today())
    db.session.commit()
    api = api_for(client, make_user)
    path = f"{EVENTS}/{theirs.id}"
    assert api.get(path).status_code == 404
    assert api.patch(path, {"changes": {"partners": "x"}}, **{"If-Match": "*"}).status_code \
        == 404
    supervisor = api_for(client, make_user, "supervisor", country="PK")
    for answer in (supervisor.get(EVENTS), supervisor.get(path), supervisor.get(STOCK),
                   supervisor.post(EVENTS, event_body()),
                   supervisor.post(f"{STOCK}/receipts", {})):
        assert answer.status_code == 403
    db.session.expire_all()
    assert db.session.get_one(OutreachEvent, theirs.id).partners == ""


def receipt(**changes: Any) -> dict[str, Any]:
    return {"leaflet": "L03", "language": "ur", "quantity": 100,
            "on_date": date.today().isoformat(), "reason": "print run 4", **changes}


def test_stock_is_read_received_and_adjusted_by_the_manager(client, make_user,
                                                            network) -> None:
    leaflet(network, quantity=0)
    make_event(network["PK-LHE"], date.today())
    db.session.add(Leaflet(code="L04", topic="documents", languages="en", version="1"))
    stock.receive(network["PK-LHE"].id, "L04", "en", 999, date.today(), None)
    db.session.commit()
    manager = api_for(client, make_user, "manager")
    entries = audited("create", "stock_entry")
    assert manager.get(STOCK).get_json()["items"] == []
    made = manager.post(f"{STOCK}/receipts", receipt())
    assert made.status_code == 201, made.get_data(as_text=True)
    assert made.headers["Location"] == STOCK
    assert made.get_json()["entry"]["kind"] == "received"
    assert made.get_json()["stock"] == {"leaflet": "L03", "language": "ur", "in_stock": 100,
                                        "received": 100, "handed_out": 0, "low": False}
    adjusted = manager.post(f"{STOCK}/adjustments",
                            receipt(quantity=-95, reason="water damage"))
    assert adjusted.status_code == 201, adjusted.get_data(as_text=True)
    assert adjusted.get_json()["stock"]["in_stock"] == 5
    assert audited("create", "stock_entry") == entries + 2
    counsellor = api_for(client, make_user)
    table = counsellor.get(STOCK)
    assert table.status_code == 200 and "ETag" in table.headers
    assert table.get_json()["items"] == [{"leaflet": "L03", "language": "ur", "in_stock": 5,
                                          "received": 100, "handed_out": 0,
                                          "low": True}]
    assert table.get_json()["low_stock_below"] == 50  # the default MRC_LOW_STOCK
    # Counsellors see the stock, as on the web; deliveries and adjustments are the manager's.
    assert counsellor.post(f"{STOCK}/receipts", receipt()).status_code == 403
    assert counsellor.post(f"{STOCK}/adjustments", receipt(quantity=-1)).status_code == 403


def test_over_adjusting_and_bad_movements_are_refused(client, make_user, network) -> None:
    leaflet(network, quantity=10)
    manager = api_for(client, make_user, "manager")
    before = count(StockEntry)
    over = manager.post(f"{STOCK}/adjustments", receipt(quantity=-11, reason="count"),
                        **{"Accept-Language": "ur"})
    assert over.status_code == 422 and over.mimetype == "application/problem+json"
    problem = over.get_json()
    assert problem["detail"] == "stock" and over.headers["Content-Language"] == "ur"
    assert problem["errors"]["stock"] and "Idempotency" not in problem["title"]
    english = manager.post(f"{STOCK}/adjustments", receipt(quantity=-11, reason="count"))
    assert english.get_json()["errors"]["stock"] == \
        "The adjustment would make the stock negative."
    assert problem["errors"]["stock"] != english.get_json()["errors"]["stock"]
    no_version = manager.post(f"{STOCK}/receipts", receipt(language="fa_AF"))
    assert no_version.status_code == 422 and "no fa_AF version" in no_version.get_json()[
        "errors"]["stock"]
    fields = manager.post(f"{STOCK}/adjustments", receipt(quantity="many", reason=""))
    assert fields.status_code == 400 and set(fields.get_json()["errors"]) == {"quantity",
                                                                              "reason"}
    assert manager.post(f"{STOCK}/receipts", receipt(quantity=0)).get_json()[
        "detail"] == "quantity"
    assert manager.post(f"{STOCK}/receipts", receipt(leaflet="L99")).get_json()[
        "detail"] == "leaflet"
    assert manager.post(f"{STOCK}/receipts", receipt(shelf=3)).get_json()["detail"] == "shelf"
    assert count(StockEntry) == before
    assert stock.current_stock(network["PK-ISB"].id, "L03", "ur") == 10


def test_events_created_in_the_same_instant_page_by_id(client, make_user, network) -> None:
    same = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    made = [make_event(network["PK-ISB"], date.today()) for _ in range(3)]
    for event in made:
        event.created_at = same
    db.session.commit()
    api: Api = api_for(client, make_user)
    first = api.get(f"{EVENTS}?limit=2").get_json()
    rest = api.get(f"{EVENTS}?limit=2&cursor={first['next']}").get_json()
    assert [e["id"] for e in first["items"] + rest["items"]] == [e.id for e in made]
    assert rest["next"] is None and first["items"][0]["created_at"] == same.isoformat()

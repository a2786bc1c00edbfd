"""The webhooks' API: made with the secret shown once (a replay shows none), listed, read
and deleted by their owner only, the delivery log newest first in cursor pages, a ping;
all audited."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from mrc.api import tokens
from mrc.audit.models import AuditEvent
from mrc.extensions import db
from mrc.webhooks import delivery, signing
from mrc.webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.usefixtures("local_hooks")


class Api:
    def __init__(self, http: Any, user: Any) -> None:
        self.http, self.user = http, user
        self.token = tokens.create_token(user, "hooks").secret
        db.session.commit()

    def open(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        if method == "POST":
            headers["Idempotency-Key"] = key or uuid.uuid4().hex
        return self.http.open(f"/api/v1{path}", method=method, json=body, headers=headers)


def test_a_webhook_is_made_once_and_its_secret_shown_once(client, make_user, receiver) -> None:
    api = Api(client, make_user("counsellor"))
    body = {"name": "case system", "url": receiver.url, "events": ["session.logged"]}
    made = api.open("POST", "/webhooks", body, key="make-webhook-1")
    assert made.status_code == 201, made.get_json()
    document = made.get_json()
    secret, hook = document["secret"], document["webhook"]
    assert secret.startswith("whsec_") and hook["events"] == ["session.logged"]
    assert made.headers["Location"].endswith(f"/api/v1/webhooks/{hook['id']}")
    again = api.open("POST", "/webhooks", body, key="make-webhook-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == {"webhook": hook, "secret": None}
    assert db.session.query(WebhookSubscription).count() == 1
    # The secret is stored nowhere readable: not in the kept response, not in the audit.
    from mrc.api.models import IdempotentRequest

    kept = db.session.scalars(select(IdempotentRequest.body)).all()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "webhook")).all()
    assert all(secret not in text for text in kept)
    assert [(e.action, e.entity_id) for e in events] == [("create", hook["id"])]
    assert all(secret not in e.detail and receiver.url not in e.detail for e in events)
    listed = api.open("GET", "/webhooks").get_json()["items"]
    assert listed == [hook] and "secret" not in json.dumps(listed)
    assert api.open("GET", f"/webhooks/{hook['id']}").get_json() == {"webhook": hook}


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "x", "url": "http://example.org/h", "events": ["session.logged"]}, "url"),
    ({"name": "x", "url": "https://10.0.0.1/h", "events": ["session.logged"]}, "url"),
    ({"name": "x", "url": "https://example.org/h", "events": ["report.ready"]}, "events"),
    ({"name": "x", "url": "https://example.org/h", "events": ["everything"]}, "events"),
    ({"name": "", "url": "https://example.org/h", "events": ["session.logged"]}, "name"),
])
def test_a_refused_webhook_names_its_field(client, make_user, body, field) -> None:
    response = Api(client, make_user("counsellor")).open("POST", "/webhooks", body)
    assert response.status_code == 400
    assert field in response.get_json()["errors"]
    assert db.session.query(WebhookSubscription).count() == 0


def test_another_users_webhook_is_out_of_reach(client, make_user, receiver) -> None:
    owner, other = Api(client, make_user("counsellor")), Api(client, make_user("counsellor"))
    hook = owner.open("POST", "/webhooks", {"name": "a", "url": receiver.url,
                                            "events": ["followup.due"]}).get_json()["webhook"]
    for method, path in (("GET", ""), ("DELETE", ""), ("GET", "/deliveries"),
                         ("POST", "/test")):
        assert other.open(method, f"/webhooks/{hook['id']}{path}").status_code == 404
    assert other.open("GET", "/webhooks").get_json() == {"items": []}
    assert owner.open("DELETE", f"/webhooks/{hook['id']}").status_code == 204
    assert owner.open("GET", f"/webhooks/{hook['id']}").status_code == 404
    revoked = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity == "webhook", AuditEvent.entity_id == hook["id"])).all()
    assert sorted(revoked) == ["create", "revoke"]


def test_a_ping_is_sent_after_the_request_and_logged(client, make_user, receiver) -> None:
    api = Api(client, make_user("supervisor", mrc=None, country="PK"))
    made = api.open("POST", "/webhooks", {"name": "ministry", "url": receiver.url,
                                          "events": ["signal.raised", "report.ready"]})
    hook, secret = made.get_json()["webhook"], made.get_json()["secret"]
    pinged = api.open("POST", f"/webhooks/{hook['id']}/test")
    assert pinged.status_code == 202
    assert pinged.get_json()["delivery"]["status"] == "pending"
    assert receiver.requests == []  # the request did not wait for the receiver
    assert delivery.send_due()["delivered"] == 1
    [request] = receiver.requests
    assert request.headers["MRC-Event"] == "ping"
    assert signing.verify(secret, request.body, request.headers["MRC-Signature"])
    log = api.open("GET", f"/webhooks/{hook['id']}/deliveries").get_json()
    assert [(d["event"], d["status"], d["last_status_code"]) for d in log["items"]] == [
        ("ping", "delivered", 200)]
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.entity == "webhook_test", AuditEvent.entity_id == hook["id"]))


def test_the_delivery_log_is_newest_first_in_cursor_pages(client, make_user, receiver) -> None:
    api = Api(client, make_user("manager"))
    hook = api.open("POST", "/webhooks", {"name": "m", "url": receiver.url,
                                          "events": ["session.logged"]}).get_json()["webhook"]
    for _n in range(5):
        assert api.open("POST", f"/webhooks/{hook['id']}/test").status_code == 202
    ids = sorted(db.session.scalars(select(WebhookDelivery.id)), reverse=True)
    seen, cursor = [], None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.open("GET", f"/webhooks/{hook['id']}/deliveries{query}").get_json()
        seen += [d["id"] for d in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == ids

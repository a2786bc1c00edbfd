"""Capture without a connection (#13), the server's part: the page, its manifest and
service worker, issuing a device (token + reserved client codes), and the API accepting a
client code given offline only from a block reserved for the token that sends it."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from mrc.api import tokens
from mrc.api.models import ApiToken
from mrc.audit.models import AuditEvent
from mrc.capture import codes as capture_codes
from mrc.capture.models import CaptureCode, CaptureCodeBlock
from mrc.cases.models import Client
from mrc.extensions import db
from mrc.privacy.codes import format_code, generate_code, normalise_code
from tests.conftest import TEST_PASSWORD

NEW_CLIENT = {"sex": "female", "birth_year": 1996, "migrant_status": "prospective",
              "education": "secondary", "employment": "unemployed",
              "registered_on": date.today().isoformat()}


def set_up(http: Any, password: str = TEST_PASSWORD) -> Any:
    return http.post("/capture/device", data={"password": password})


def register(http: Any, secret: str, **extra: Any) -> Any:
    return http.post("/api/v1/clients", data=json.dumps({**NEW_CLIENT, **extra}),
                     content_type="application/json",
                     headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en",
                              "Idempotency-Key": uuid.uuid4().hex})


def blocks_of(token: ApiToken) -> int:
    """How many code blocks the device ``token`` has been given."""
    return db.session.scalar(select(func.count()).select_from(CaptureCodeBlock)
                             .where(CaptureCodeBlock.token_id == token.id)) or 0


def size(http: Any, path: str) -> int:
    response = http.get(path)
    try:
        assert response.status_code == 200, path
        return len(response.data)
    finally:
        response.close()


def test_the_page_is_for_case_workers_only(client, make_user, login) -> None:
    assert client.get("/capture/").status_code == 302
    login(make_user("supervisor", country="PK"))
    assert client.get("/capture/").status_code == 403


def test_the_page_is_small_translated_and_holds_no_record(client, make_user, login) -> None:
    login(make_user("counsellor"))
    html = client.get("/capture/?lang=ar")
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in text
    assert 'rel="manifest" href="/capture/manifest.webmanifest"' in text
    words = json.loads(re.search(r'<script type="application/json" id="words">(.*?)</script>',
                                 text, re.S).group(1))
    assert "{count}" in words["pending"] and words["yours"]
    assert "csrf_token" not in text  # the page is kept by the service worker
    # The page asks for codes below the server's own mark (capture.js reads it here).
    assert f'data-refill-below="{capture_codes.REFILL_BELOW}"' in text
    total = len(html.data) + sum(size(client, f"/static/capture/{name}")
                                 for name in ("capture.js", "store.js", "capture.css"))
    assert total < 100_000, total


def test_manifest_and_service_worker_are_served_to_anyone(client) -> None:
    manifest = client.get("/capture/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.mimetype == "application/manifest+json"
    body = manifest.get_json(force=True)
    assert body["scope"] == "/capture/" and body["start_url"] == "/capture/"
    worker = client.get("/capture/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    source = worker.get_data(as_text=True)
    assert source.startswith("const VERSION = '") and "/static/capture/capture.js" in source
    assert worker.headers["Service-Worker-Allowed"] == "/capture/"


def test_a_device_needs_the_password_and_gets_a_week_long_token(client, make_user,
                                                                login) -> None:
    user = make_user("counsellor")
    login(user)
    wrong = set_up(client, "not the password")
    assert wrong.status_code == 403, wrong.get_data(as_text=True)
    assert wrong.get_json() == {"error": "password"}
    assert tokens.active_tokens(user) == []
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.entity == "capture_device", AuditEvent.action == "login_failed"))
    answer = set_up(client)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    device = answer.get_json()
    record = db.session.get_one(ApiToken, device["token_id"])
    assert record.name == f"Capture device {datetime.now(UTC).date().isoformat()}"
    expires = record.expires_at.replace(tzinfo=record.expires_at.tzinfo or UTC)
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    assert tokens.authenticate(device["token"]) == record
    assert len(device["codes"]) == capture_codes.BLOCK_SIZE
    assert device["iterations"] >= 200_000 and len(device["salt"]) >= 16
    # A second device that day: its own name, token and block; the user's salt is the same.
    second = set_up(client).get_json()
    assert second["salt"] == device["salt"] and second["token_id"] != device["token_id"]
    assert db.session.get_one(ApiToken, second["token_id"]).name.endswith("(2)")
    assert not set(second["codes"]) & set(device["codes"])
    audited = db.session.scalars(select(AuditEvent.entity).where(
        AuditEvent.entity_id == device["token_id"], AuditEvent.action == "create"))
    assert set(audited) == {"api_token", "capture_device"}


def test_the_device_post_needs_the_csrf_token(app, client, make_user, login,
                                              monkeypatch) -> None:
    login(make_user("counsellor"))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert set_up(client).status_code == 400
    csrf = client.get("/capture/state").get_json()["csrf"]
    answer = client.post("/capture/device", data={"password": TEST_PASSWORD},
                         headers={"X-CSRFToken": csrf})
    assert answer.status_code == 201


def test_a_code_of_the_device_block_is_accepted_once(client, make_user, login) -> None:
    login(make_user("counsellor"))
    device = set_up(client).get_json()
    code = device["codes"][0]
    made = register(client, device["token"], code=code.lower().replace("-", " "))
    assert made.status_code == 201, made.get_data(as_text=True)
    assert made.get_json()["code"] == code
    assert db.session.get_one(Client, made.get_json()["id"]).code == normalise_code(code)
    again = register(client, device["token"], code=code)
    assert again.status_code == 400 and set(again.get_json()["errors"]) == {"code"}
    token = db.session.get_one(ApiToken, device["token_id"])
    assert normalise_code(code) not in capture_codes.unused(token)


def test_a_code_outside_the_token_blocks_is_refused(client, make_user, login) -> None:
    login(make_user("counsellor"))
    device = set_up(client).get_json()
    other = set_up(client).get_json()
    before = db.session.scalar(select(Client.id).order_by(Client.id.desc()).limit(1))
    for code in (other["codes"][0], format_code(generate_code()), "not a code", 12345):
        refused = register(client, device["token"], code=code)
        assert refused.status_code == 400, code
        assert refused.get_json()["errors"] == {
            "code": "This client code was not reserved for this device."}
    # Another MRC's counsellor cannot use a block either, nor a plain API token.
    plain = tokens.create_token(make_user("counsellor"), "desk").secret
    db.session.commit()
    assert register(client, plain, code=device["codes"][1]).status_code == 400
    assert db.session.scalar(select(Client.id).order_by(Client.id.desc()).limit(1)) == before
    # The other device's code is still its own, unused.
    assert register(client, other["token"], code=other["codes"][0]).status_code == 201


def test_a_device_running_low_gets_a_new_block(client, make_user, login) -> None:
    user = make_user("counsellor")
    login(user)
    device = set_up(client).get_json()
    token = db.session.get_one(ApiToken, device["token_id"])
    used = capture_codes.BLOCK_SIZE - capture_codes.REFILL_BELOW + 1  # one fewer left than the mark
    for code in device["codes"][:used]:
        assert register(client, device["token"], code=code).status_code == 201
    left = device["codes"][used:]
    assert blocks_of(token) == 1
    answer = client.post("/capture/codes", data={"device": token.id})
    assert answer.status_code == 200
    fresh = answer.get_json()["codes"]
    assert blocks_of(token) == 2
    assert fresh[: len(left)] == left and len(fresh) == len(left) + capture_codes.BLOCK_SIZE
    # Every reserved code is unique, and none is a client's.
    reserved = list(db.session.scalars(select(CaptureCode.code)))
    assert len(reserved) == len(set(reserved))
    new = {normalise_code(c) for c in fresh[len(left):]}
    assert not new & set(db.session.scalars(select(Client.code)))
    # Not low: the same codes, no new block.
    assert client.post("/capture/codes", data={"device": token.id}).get_json()["codes"] == fresh
    assert blocks_of(token) == 2


def test_codes_only_for_the_user_own_active_device(client, make_user, login) -> None:
    other = tokens.create_token(make_user("counsellor"), "someone else's").record
    login(make_user("counsellor"))
    for device in (other.id, "x"):
        answer = client.post("/capture/codes", data={"device": device})
        assert answer.status_code == 404
    assert client.post("/capture/codes", data={}).status_code == 400

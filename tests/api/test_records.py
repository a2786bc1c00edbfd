"""The API's record routes (issue #13): clients, sessions, follow-ups for case workers;
idempotency keys, ETags and per-field conflicts, cursor pages, rate limits."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select

from mrc.api import ratelimit, tokens
from mrc.audit.models import AuditEvent
from mrc.cases.models import Client, CounsellingSession
from mrc.extensions import db

NEW_CLIENT = {"sex": "female", "birth_year": 1996, "migrant_status": "prospective",
              "education": "secondary", "employment": "unemployed",
              "registered_on": date.today().isoformat(), "followup_consent": False}


def session_body(day: date | None = None) -> dict[str, Any]:
    return {"date": (day or date.today()).isoformat(), "channel": "walk_in",
            "language": "ur", "intention": "undecided", "destination": "SA",
            "topics": ["regular_pathways"], "duration_minutes": 25, "notes": "asked about fees"}


class Api:
    def __init__(self, http: Any, user: Any) -> None:
        self.http = http
        self.secret = tokens.create_token(user, "desk").secret
        db.session.commit()
        self.keys = 0

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}", "Accept-Language": "en", **extra}

    def get(self, path: str, **headers: str) -> Any:
        return self.http.get(path, headers=self.headers(**headers))

    def post(self, path: str, body: Any, key: str | None = None, **headers: str) -> Any:
        self.keys += 1
        extra = {"Idempotency-Key": key or f"key-{self.keys:08d}"} if key != "" else {}
        return self.http.post(path, data=json.dumps(body), content_type="application/json",
                              headers=self.headers(**extra, **headers))

    def patch(self, path: str, body: Any, **headers: str) -> Any:
        return self.http.patch(path, data=json.dumps(body), content_type="application/json",
                               headers=self.headers(**headers))


def api_for(client: Any, make_user: Any, role: str = "counsellor", **kw: Any) -> Api:
    return Api(client, make_user(role, **kw))


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_retried_post_registers_the_client_once(client, make_user) -> None:
    api = api_for(client, make_user)
    before = count(Client)
    first = api.post("/api/v1/clients", NEW_CLIENT, key="5c1f6a3e-retry")
    assert first.status_code == 201, first.get_data(as_text=True)
    body = first.get_json()
    assert first.headers["Location"] == f"/api/v1/clients/{body['id']}"
    assert body["mrc"] == "PK-ISB" and body["sex"] == "female" and "phone" not in body
    again = api.post("/api/v1/clients", NEW_CLIENT, key="5c1f6a3e-retry")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == body and again.headers["Location"] == first.headers["Location"]
    assert count(Client) == before + 1
    other = api.post("/api/v1/clients", {**NEW_CLIENT, "sex": "male"}, key="5c1f6a3e-retry")
    assert other.status_code == 422 and other.mimetype == "application/problem+json"
    assert api.post("/api/v1/clients", NEW_CLIENT, key="").status_code == 400
    assert api.post("/api/v1/clients", NEW_CLIENT, key="short").status_code == 400
    assert count(Client) == before + 1


def test_a_refused_body_names_its_fields_and_keeps_the_key_free(client, make_user) -> None:
    api = api_for(client, make_user)
    bad = api.post("/api/v1/clients", {**NEW_CLIENT, "birth_year": 1700}, key="fix-and-resend")
    assert bad.status_code == 400
    problem = bad.get_json()
    assert set(problem["errors"]) == {"birth_year"} and "1700" not in bad.get_data(as_text=True)
    assert api.post("/api/v1/clients", [1, 2]).status_code == 400
    assert api.post("/api/v1/clients", {**NEW_CLIENT, "sex": {"a": 1}}).get_json()[
        "detail"] == "sex"
    fixed = api.post("/api/v1/clients", NEW_CLIENT, key="fix-and-resend")
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers


def test_sessions_are_logged_read_and_revalidated_with_their_etag(client, make_user,
                                                                  make_client) -> None:
    record = make_client(sessions=0)
    api = api_for(client, make_user)
    made = api.post(f"/api/v1/clients/{record.id}/sessions",
                    {**session_body(), "awareness": {}})
    assert made.status_code == 201, made.get_data(as_text=True)
    shown = made.get_json()
    assert shown["topics"] == ["regular_pathways"] and shown["notes"] == "asked about fees"
    assert shown["is_baseline"] is True
    read = api.get(made.headers["Location"])
    assert read.get_json() == shown and read.headers["ETag"] == made.headers["ETag"]
    assert api.get(made.headers["Location"],
                   **{"If-None-Match": read.headers["ETag"]}).status_code == 304
    listed = api.get(f"/api/v1/clients/{record.id}/sessions").get_json()
    assert [s["id"] for s in listed["items"]] == [shown["id"]] and listed["next"] is None


def test_a_correction_needs_the_etag_and_shows_conflicts_per_field(client, make_user,
                                                                   make_client) -> None:
    record = make_client(sessions=1)
    api = api_for(client, make_user)
    path = f"/api/v1/sessions/{record.sessions[0].id}"
    read = api.get(path)
    base, tag = read.get_json(), read.headers["ETag"]
    change = {"reason": "typing_error", "changes": {"duration_minutes": 40}}
    assert api.patch(path, change).status_code == 428
    first = api.patch(path, change, **{"If-Match": tag})
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.get_json()["duration_minutes"] == 40 and first.headers["ETag"] != tag
    # Made offline from the old copy: the same field changed differently on the server.
    stale = {"reason": "typing_error", "changes": {"duration_minutes": 45}}
    assert api.patch(path, stale, **{"If-Match": tag}).status_code == 412
    conflict = api.patch(path, {**stale, "base": base}, **{"If-Match": tag})
    assert conflict.status_code == 409
    assert conflict.get_json()["conflicts"] == [
        {"field": "duration_minutes", "yours": 45, "theirs": 40, "base": 30}]
    assert conflict.headers["ETag"] == first.headers["ETag"]
    # Returned to the counsellor to resolve: on the record's history (which fields only).
    noted = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "conflict", AuditEvent.entity == "session",
        AuditEvent.entity_id == record.sessions[0].id)).all()
    assert [event.detail for event in noted] == ["fields=duration_minutes"]
    # Another field from the old copy merges: the server's change stays.
    merged = api.patch(path, {"reason": "typing_error", "changes": {"channel": "phone"},
                              "base": base}, **{"If-Match": tag})
    assert merged.status_code == 200
    assert merged.get_json()["channel"] == "phone"
    assert merged.get_json()["duration_minutes"] == 40
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "update", AuditEvent.entity == "session",
        AuditEvent.entity_id == record.sessions[0].id)) == 2
    assert api.patch(path, {"changes": {"channel": "hotline"}},
                     **{"If-Match": merged.headers["ETag"]}).get_json()["errors"].keys() \
        == {"reason"}


def test_records_of_another_mrc_or_role_are_out_of_reach(client, make_user,
                                                         make_client) -> None:
    other = make_client(mrc="PK-LHE")
    api = api_for(client, make_user)
    for path in (f"/api/v1/clients/{other.id}", f"/api/v1/sessions/{other.sessions[0].id}",
                 f"/api/v1/clients/{other.id}/sessions", f"/api/v1/clients/{other.id}/followups"):
        assert api.get(path).status_code == 404, path
    assert api.post(f"/api/v1/clients/{other.id}/sessions", session_body()).status_code == 404
    assert other.id not in [c["id"] for c in api.get("/api/v1/clients").get_json()["items"]]
    supervisor = api_for(client, make_user, "supervisor", country="PK")
    assert supervisor.get("/api/v1/clients").status_code == 403
    assert supervisor.post("/api/v1/clients", NEW_CLIENT).status_code == 403


def test_cursor_pages_and_updated_since_see_every_client_once(client, make_user,
                                                              make_client) -> None:
    made = {make_client(sessions=0).id for _ in range(5)}
    api = api_for(client, make_user)
    seen: list[int] = []
    path = "/api/v1/clients?limit=2"
    while path:
        body = api.get(path).get_json()
        seen += [c["id"] for c in body["items"]]
        path = f"/api/v1/clients?limit=2&cursor={body['next']}" if body["next"] else ""
    assert made <= set(seen) and len(seen) == len(set(seen))
    later = (db.session.get(Client, max(made)).updated_at + timedelta(seconds=1)).isoformat()
    assert api.get(f"/api/v1/clients?updated_since={quote(later)}").get_json()["items"] == []
    for bad in ("limit=0", "limit=x", "cursor=%%%", "updated_since=yesterday"):
        assert api.get(f"/api/v1/clients?{bad}").status_code == 400, bad


def test_search_by_code_or_phone_through_a_post(client, make_user, make_client) -> None:
    record = make_client(phone="0300 1234567")
    api = api_for(client, make_user)
    by_code = api.post("/api/v1/clients/search", {"code": record.code}, key="")
    assert [c["id"] for c in by_code.get_json()["items"]] == [record.id]
    by_phone = api.post("/api/v1/clients/search", {"phone": "+92 300 1234567"}, key="")
    assert [c["id"] for c in by_phone.get_json()["items"]] == [record.id]
    assert "1234567" not in by_phone.get_data(as_text=True)
    assert api.post("/api/v1/clients/search", {"code": "nope"}, key="").status_code == 400


def test_a_follow_up_attempt_is_recorded_once(client, make_user, make_client) -> None:
    record = make_client(baseline=date.today() - timedelta(days=95))
    api = api_for(client, make_user)
    waves = api.get(f"/api/v1/clients/{record.id}/followups").get_json()["items"]
    first = waves[0]
    body = {"date": date.today().isoformat(), "method": "phone", "reached": "no"}
    made = api.post(f"/api/v1/followups/{first['id']}/attempts", body, key="attempt-0001")
    assert made.status_code == 201, made.get_data(as_text=True)
    again = api.post(f"/api/v1/followups/{first['id']}/attempts", body, key="attempt-0001")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(made.get_json()["attempts"]) == 1
    assert len(api.get(f"/api/v1/clients/{record.id}/followups").get_json()["items"][0][
        "attempts"]) == 1


def test_each_token_has_a_rate_limit(app, client, make_user, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MRC_API_RATE_LIMIT", 3)
    ratelimit.clear_local()
    api = api_for(client, make_user)
    answers = [api.get("/api/v1/me") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["RateLimit-Limit"] == "3"
    assert answers[2].headers["RateLimit-Remaining"] == "0"
    assert int(answers[3].headers["Retry-After"]) >= 1
    fresh = api_for(client, make_user)  # another token has its own count
    assert fresh.get("/api/v1/me").status_code == 200
    ratelimit.clear_local()


def test_the_session_count_is_unchanged_by_refused_requests(client, make_user,
                                                            make_client) -> None:
    record = make_client(sessions=0)
    api = api_for(client, make_user)
    before = count(CounsellingSession)
    bad = api.post(f"/api/v1/clients/{record.id}/sessions", {**session_body(),
                                                             "channel": "pigeon"})
    assert bad.status_code == 400 and "channel" in bad.get_json()["errors"]
    assert count(CounsellingSession) == before

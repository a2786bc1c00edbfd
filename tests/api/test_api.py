"""The API's first routes (issue #13): bearer tokens, the token user's role and scope,
problem+json errors in the caller's language, no cookies."""

from __future__ import annotations

import json

from sqlalchemy import select

from mrc.aggregates import periods, services
from mrc.api import tokens
from mrc.audit.models import AuditEvent
from mrc.extensions import db
from mrc.scope import mrc_ids_in_scope


def bearer(secret: str, lang: str = "en") -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", "Accept-Language": lang}


def problem_of(response) -> dict:
    assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
    body = json.loads(response.get_data(as_text=True))
    assert body["status"] == response.status_code and body["type"] == "about:blank"
    return body


def test_without_a_valid_token_the_answer_is_a_401_problem(client, make_user) -> None:
    made = tokens.create_token(make_user("supervisor", country="PK"), "sync")
    tokens.revoke_token(made.record)
    db.session.commit()
    for headers in ({}, {"Authorization": "Basic abc"}, bearer("mrc_00000000_" + "a" * 43),
                    bearer(made.secret)):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert problem_of(response)["title"] == "A valid API token is needed."
        assert "Set-Cookie" not in response.headers


def test_a_problem_is_in_the_callers_language(client) -> None:
    response = client.get("/api/v1/me", headers={"Accept-Language": "ar"})
    assert response.headers["Content-Language"] == "ar"
    assert problem_of(response)["title"] == "يلزم رمز API صالح."
    unknown = client.get("/api/v1/nothing-here", headers={"Accept-Language": "fa-AF"})
    assert unknown.status_code == 404 and unknown.headers["Content-Language"] == "fa-AF"
    assert problem_of(unknown)["title"] == "در این نشانی چیزی نیست."


def test_me_says_who_the_token_acts_for(client, make_user) -> None:
    user = make_user("supervisor", country="PK")
    made = tokens.create_token(user, "ministry sync")
    db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(made.secret))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    body = response.get_json()
    assert body["username"] == user.username and body["role"] == "supervisor"
    assert body["mrcs"] == ["PK-ISB", "PK-LHE"] and body["token"]["name"] == "ministry sync"
    assert made.secret not in response.get_data(as_text=True)
    wrong = client.post("/api/v1/me", headers=bearer(made.secret))
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]
    problem_of(wrong)


def test_aggregates_are_the_dashboards_tables_for_the_tokens_scope(client, make_user,
                                                                    make_client) -> None:
    for _ in range(3):
        make_client("PK-ISB", sessions=2)
    make_client("AF-KBL", sessions=2)
    user = make_user("supervisor", country="PK")
    made = tokens.create_token(user, "sync")
    db.session.commit()
    response = client.get("/api/v1/aggregates?period=2026-01..2026-12&breakdown=sex",
                          headers=bearer(made.secret))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["period"], body["breakdown"], body["method"]) == (
        "2026-01..2026-12", "sex", "cellkey")
    expected = services.indicator_tables(mrc_ids_in_scope(user),
                                         periods.parse("2026-01..2026-12"), "sex")
    assert body["tables"] == json.loads(json.dumps([t.to_dict() for t in expected]))
    rows = {row["key"] for table in body["tables"] for row in table["rows"]}
    assert "AF-KBL" not in rows and not any(key.startswith("AF") for key in rows)
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "api_aggregates")).one()
    assert event.action == "export" and event.user_id == user.id


def test_aggregates_refuse_bad_filters_and_other_roles(client, make_user) -> None:
    supervisor = tokens.create_token(make_user("supervisor", country="PK"), "s").secret
    evaluator = tokens.create_token(make_user("evaluator"), "e").secret
    db.session.commit()
    for query, detail in (("period=2026-13", "period"), ("breakdown=colour", "breakdown"),
                          ("area=AF", "area")):
        response = client.get(f"/api/v1/aggregates?{query}", headers=bearer(supervisor))
        assert response.status_code == 400 and problem_of(response)["detail"] == detail
    refused = client.get("/api/v1/aggregates", headers=bearer(evaluator))
    assert refused.status_code == 403
    assert problem_of(refused)["title"] == "This token's user may not do this."


def test_the_web_keeps_its_error_pages(client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_a_logged_in_browser_is_not_an_api_caller(client, make_user, login) -> None:
    browser = login(make_user("supervisor", country="PK"))
    response = browser.get("/api/v1/aggregates")
    assert response.status_code == 401 and "Set-Cookie" not in response.headers
    assert browser.get("/dashboard/").status_code == 200  # the web session is untouched

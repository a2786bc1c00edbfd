"""The OpenAPI document (issue #13): generated from the code, checked against the live routes
(no drift), valid OpenAPI 3, committed as docs/openapi.json, and shown as a page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint, Flask
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from mrc.api import tokens
from mrc.api.auth import token_required
from mrc.api.openapi import (
    Reply,
    api_rules,
    build_document,
    document_json,
    documented,
    openapi_path,
    path,
    query,
    rule_methods,
    undocumented,
)
from mrc.auth.models import Role
from mrc.extensions import db

COMMITTED = Path(__file__).parents[2] / "docs" / "openapi.json"
REGENERATE = "mrc api openapi > docs/openapi.json"


def bearer(secret: str, lang: str = "en") -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", "Accept-Language": lang}


def inline(schema: Any, components: dict[str, Any]) -> Any:
    """``schema`` with every ``#/components/schemas/...`` reference replaced by its target."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return inline(components["schemas"][schema["$ref"].rsplit("/", 1)[1]], components)
        return {k: inline(v, components) for k, v in schema.items()}
    if isinstance(schema, list):
        return [inline(v, components) for v in schema]
    return schema


def check_answer(document: dict[str, Any], path_: str, method: str, response: Any) -> None:
    """The answer's body is what the document says for its status."""
    answer = document["paths"][path_][method]["responses"][str(response.status_code)]
    schema = answer["content"][response.mimetype]["schema"]
    OAS30Validator(inline(schema, document["components"])).validate(response.get_json())


# --- (a) every rule documented, every operation a rule -------------------------------------

def test_every_api_rule_and_method_is_documented_and_nothing_else(app: Flask) -> None:
    assert undocumented(app) == [], (
        "Describe these API views with @documented (mrc/api/openapi.py): "
        + "; ".join(undocumented(app)))
    document = build_document(app)
    in_document = {(p, m.upper()) for p, ops in document["paths"].items() for m in ops}
    in_rules = {(openapi_path(rule), method) for rule in api_rules(app)
                for method in rule_methods(rule)}
    assert in_document == in_rules
    assert {"/api/v1/me", "/api/v1/aggregates", "/api/v1/openapi.json",
            "/api/v1/docs"} <= {p for p, _m in in_rules}


def _toy_app() -> Flask:
    """An application with an API blueprint of its own, to see the generator at work."""
    toy = Flask("toy")
    bp = Blueprint("api", __name__, url_prefix="/api/v1")

    @bp.route("/things", methods=["GET", "POST"])
    @documented("List things", method="GET", parameters=[query("q", "what to find")],
                responses={200: {"type": "array", "items": {"type": "string"}}})
    @documented("Make a thing", method="POST", request={"type": "object"},
                responses={201: Reply(headers={"Location": {"schema": {"type": "string"}}})},
                problems=[413])
    @token_required(Role.COUNSELLOR)
    def things() -> str:
        return ""

    @bp.route("/things/<int:thing_id>/parts/<part>")
    @documented("One part", parameters=[path("thing_id", "the thing")], responses={200: None})
    @token_required()
    def part(thing_id: int, part: str) -> str:
        return ""

    @bp.route("/forgotten", methods=["GET", "DELETE"])
    @documented("Only GET is described", method="GET", responses={200: None})
    @token_required()
    def forgotten() -> str:
        return ""

    @bp.route("/open")
    @documented("Said to need a token", responses={200: None})
    def wide_open() -> str:
        return ""

    @bp.route("/bare")
    def bare() -> str:
        return ""

    toy.register_blueprint(bp)
    return toy


def test_a_view_without_a_description_or_with_a_wrong_one_is_named(app: Flask) -> None:
    assert undocumented(_toy_app()) == [
        "api.bare GET /api/v1/bare: no @documented",
        "api.forgotten DELETE /api/v1/forgotten: no @documented",
        "api.wide_open GET /api/v1/open: public=False but the view requires no token",
    ]


def test_the_generator_adds_what_operations_share(app: Flask) -> None:
    document = build_document(_toy_app())
    things = document["paths"]["/api/v1/things"]
    post, get = things["post"], things["get"]
    assert post["operationId"] == "things_post" and get["operationId"] == "things_get"
    # Every POST: the Idempotency-Key header (required) and the replay header on success.
    assert post["parameters"] == [{"$ref": "#/components/parameters/IdempotencyKey"}]
    key = document["components"]["parameters"]["IdempotencyKey"]
    assert (key["in"], key["name"], key["required"]) == ("header", "Idempotency-Key", True)
    assert set(post["responses"]["201"]["headers"]) == {"Location", "Idempotent-Replayed"}
    assert document["components"]["headers"]["IdempotentReplayed"]["schema"]["enum"] == ["true"]
    assert "parameters" not in get or all(p.get("name") != "Idempotency-Key"
                                          for p in get["parameters"])
    # Problems: 400 for input, 401 for the token, 403 for restricted roles, extra ones.
    assert set(post["responses"]) == {"201", "400", "401", "403", "413", "429"}
    assert post["responses"]["401"] == {"$ref": "#/components/responses/Problem401"}
    assert set(get["responses"]) == {"200", "400", "401", "403", "429"}
    assert get["x-mrc-roles"] == ["counsellor"] and get["security"] == [{"bearerAuth": []}]
    # Flask's path syntax becomes OpenAPI's, typed by the converter; any role: no 403.
    part = document["paths"]["/api/v1/things/{thing_id}/parts/{part}"]["get"]
    assert part["parameters"] == [
        {"name": "thing_id", "in": "path", "required": True, "description": "the thing",
         "schema": {"type": "integer"}},
        {"name": "part", "in": "path", "required": True, "description": "part",
         "schema": {"type": "string"}}]
    assert set(part["responses"]) == {"200", "401", "404", "429"}
    assert part["x-mrc-roles"] == [r.value for r in Role]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    problem = document["components"]["responses"]["Problem401"]
    assert problem["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"}
    assert "WWW-Authenticate" in problem["headers"]
    assert document["components"]["schemas"]["Problem"]["required"] == [
        "type", "title", "status"]
    validate(document)


def test_documented_refuses_what_it_cannot_document() -> None:
    with pytest.raises(ValueError, match="2xx"):
        documented("x", responses={400: None})
    with pytest.raises(ValueError, match="problem document"):
        documented("x", responses={200: None}, problems=[418])
    with pytest.raises(ValueError, match="describe"):
        documented("x", responses={200: None, 206: None})


# --- (b) valid OpenAPI 3; (c) the committed copy ------------------------------------------

def test_the_document_is_valid_openapi_3(app: Flask) -> None:
    document = json.loads(document_json(app))
    assert document["openapi"] == "3.0.3" and document["info"]["title"] == "MRC API"
    validate(document)  # raises, naming the place, on any error


def test_the_committed_copy_is_the_generated_document(app: Flask) -> None:
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    assert committed == document_json(app), (
        f"docs/openapi.json differs from what the code makes: run `{REGENERATE}` and "
        "commit it (the change then shows in review)")


def test_the_document_is_served_without_a_token_and_in_english(app: Flask, client) -> None:
    response = client.get("/api/v1/openapi.json", headers={"Accept-Language": "ar"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_data(as_text=True) == document_json(app)
    assert "Set-Cookie" not in response.headers
    refused = client.post("/api/v1/openapi.json")
    assert refused.status_code == 405 and refused.mimetype == "application/problem+json"


def test_the_command_prints_the_document(app: Flask) -> None:
    from mrc.api.commands import api_group

    result = app.test_cli_runner().invoke(api_group, ["openapi"])
    assert result.exit_code == 0, result.output
    assert result.output == document_json(app)


# --- (d) the documented parameters and answers are real -----------------------------------

def test_me_answers_as_documented(app: Flask, client, make_user) -> None:
    made = tokens.create_token(make_user("counsellor", "PK-ISB"), "sync")
    db.session.commit()
    response = client.get("/api/v1/me", headers=bearer(made.secret))
    assert response.status_code == 200
    check_answer(build_document(app), "/api/v1/me", "get", response)


def _get_operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(p, ops["get"]) for p, ops in document["paths"].items()
            if "get" in ops and ops["get"]["security"] and "{" not in p]


def test_each_documented_query_parameter_is_accepted(app: Flask, client, make_user,
                                                     make_client) -> None:
    make_client("PK-ISB", sessions=2)
    document = build_document(app)
    operations = _get_operations(document)
    assert "/api/v1/aggregates" in dict(operations)
    secrets = {}
    for role in {op["x-mrc-roles"][0] for _p, op in operations}:
        scope = {"mrc": "PK-ISB"} if role in ("counsellor", "manager") else {
            "mrc": None, "country": "PK"} if role == "supervisor" else {"mrc": None}
        secrets[role] = tokens.create_token(make_user(role, **scope), "sync").secret
    db.session.commit()
    for path_, op in operations:
        secret = secrets[op["x-mrc-roles"][0]]
        for parameter in [p for p in op.get("parameters", []) if p.get("in") == "query"]:
            values = [parameter["example"], *parameter["schema"].get("enum", [])]
            for value in values:
                response = client.get(path_, query_string={parameter["name"]: value},
                                      headers=bearer(secret))
                where = f"{path_}?{parameter['name']}={value}"
                assert response.status_code == 200, (where, response.get_data(as_text=True))
                check_answer(document, path_, "get", response)
            all_at_once = {p["name"]: p["example"] for p in op.get("parameters", [])
                           if p.get("in") == "query"}
            assert client.get(path_, query_string=all_at_once,
                              headers=bearer(secret)).status_code == 200


@pytest.mark.parametrize(("name", "value"), [("period", "2026-Q5"), ("breakdown", "shoe_size"),
                                             ("area", "AF-KBL")])
def test_a_wrong_aggregates_parameter_is_a_400_naming_it(client, make_user, name: str,
                                                         value: str) -> None:
    # The parameters are read, not ignored: a wrong value (an area outside the scope) is
    # refused, naming the parameter, as the document's 400 says.
    made = tokens.create_token(make_user("supervisor", mrc=None, country="PK"), "sync")
    db.session.commit()
    response = client.get("/api/v1/aggregates", query_string={name: value},
                          headers=bearer(made.secret))
    assert response.status_code == 400
    assert response.get_json(force=True)["detail"] == name


# --- the page -----------------------------------------------------------------------------

def test_the_page_lists_every_operation_without_a_token(app: Flask, client) -> None:
    response = client.get("/api/v1/docs", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    document = build_document(app)
    for path_, operations in document["paths"].items():
        for method, op in operations.items():
            assert f'id="{op["operationId"]}"' in html
            assert f'{method.upper()}</span> {path_}</bdi>' in html
            assert op["summary"].replace("'", "&#39;") in html
    for name in ("period", "breakdown", "area", "tables[].rows[].cells"):
        assert f'<bdi dir="ltr" class="code">{name}</bdi>' in html
    assert "A valid API token is needed." in html  # the 401 problem's title
    # Nothing from elsewhere: every script, style sheet and image is the site's own.
    assert re.findall(r'(?:src|href)="(?:https?:)?//', html) == []


def test_the_page_is_in_the_readers_language_right_to_left(client) -> None:
    response = client.get("/api/v1/docs", headers={"Accept-Language": "ar"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert "يلزم رمز API صالح." in html  # the 401 problem's title, in Arabic
    assert "سنة (2026)" in html  # the period parameter, in the dashboard's Arabic words
    assert 'dir="ltr" class="code"><span class="badge api-method">GET</span>' in html

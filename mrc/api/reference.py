"""The API's own reference: the OpenAPI document (``/api/v1/openapi.json``) and a page that
shows it (``/api/v1/docs``), server-rendered from the same document in the reader's
language, with no script or style from elsewhere. Neither needs a token: the document
describes the API and holds nothing of anybody's."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Response, current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mrc.api import bp
from mrc.api.openapi import Reply, build_document, document_json, documented
from mrc.auth.models import ROLE_LABELS


@dataclass(frozen=True)
class Row:
    """A parameter, a header or a field of a body: ``name`` is a dotted path for fields."""

    name: str
    type: str
    required: bool
    description: str
    notes: list[tuple[str, list[str]]] = field(default_factory=list)
    where: str = ""


@dataclass(frozen=True)
class Answer:
    status: str
    description: str
    media: str = ""
    fields: list[Row] = field(default_factory=list)
    headers: list[Row] = field(default_factory=list)
    problem: bool = False


@dataclass(frozen=True)
class Entry:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    roles: list[str] | None  # None: no token needed
    parameters: list[Row]
    body_media: str
    body: list[Row]
    answers: list[Answer]


@bp.route("/openapi.json")
@documented(_l("This OpenAPI document"), tags=["document"], public=True,
            responses={200: {"type": "object"}})
def openapi_json() -> Response:
    """The document, in English, as committed in ``docs/openapi.json``."""
    return Response(document_json(current_app), mimetype="application/json")


@bp.route("/docs")
@documented(_l("This reference as a web page"), tags=["document"], public=True,
            responses={200: Reply(schema={"type": "string"}, media="text/html")})
def docs() -> str:
    """Every operation of the document, in the reader's Accept-Language."""
    document = build_document(current_app)
    components = document["components"]
    problem = components["schemas"]["Problem"]
    return render_template("api/docs.html", info=document["info"],
                           openapi_version=document["openapi"], entries=list(entries(document)),
                           security=components["securitySchemes"], problem=problem,
                           problem_fields=list(fields(problem, components)))


def entries(document: Mapping[str, Any]) -> Iterator[Entry]:
    """The operations of ``document`` for the page, by path then method."""
    components = document["components"]
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            body = op.get("requestBody", {}).get("content", {})
            media = next(iter(body), "")
            yield Entry(
                anchor=op["operationId"], method=method.upper(), path=path,
                summary=op["summary"], description=op.get("description", ""),
                roles=None if not op["security"] else [
                    str(ROLE_LABELS.get(r, r)) for r in op.get("x-mrc-roles", [])],
                parameters=[_parameter(resolve(p, components)) for p in op.get("parameters", [])],
                body_media=media,
                body=list(fields(body[media]["schema"], components)) if media else [],
                answers=[_answer(status, resolve(a, components), components)
                         for status, a in op["responses"].items()])


def resolve(item: Mapping[str, Any], components: Mapping[str, Any]) -> Mapping[str, Any]:
    """``item`` itself, or what its ``$ref`` (``#/components/<kind>/<name>``) points to."""
    reference = item.get("$ref")
    if reference is None:
        return item
    _hash, _components, kind, name = reference.split("/")
    return resolve(components[kind][name], components)


def type_of(schema: Mapping[str, Any], components: Mapping[str, Any]) -> str:
    """A schema's type as a code token: ``string``, ``integer``, ``array<number|null>``."""
    schema = resolve(schema, components)
    name = str(schema.get("type", "any"))
    if name == "array":
        name = f"array<{type_of(schema.get('items', {}), components)}>"
    if schema.get("format"):
        name += f" ({schema['format']})"
    return name + ("|null" if schema.get("nullable") else "")


def notes(schema: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """What else a schema says, as (label, code tokens): values allowed, default, example."""
    out = []
    if "enum" in schema:
        out.append((_("One of:"), [str(v) for v in schema["enum"]]))
    if "default" in schema:
        out.append((_("Default:"), [str(schema["default"])]))
    if "minimum" in schema and "maximum" in schema:
        out.append((_("Range:"), [f"{schema['minimum']}..{schema['maximum']}"]))
    if "example" in schema:
        out.append((_("Example:"), [str(schema["example"])]))
    return out


def fields(schema: Mapping[str, Any], components: Mapping[str, Any],
           prefix: str = "") -> Iterator[Row]:
    """The fields of a JSON body, nested ones as ``tables[].rows[].cells``."""
    schema = resolve(schema, components)
    if schema.get("type") == "array":
        yield from fields(schema.get("items", {}), components, f"{prefix}[]")
        return
    required = set(schema.get("required", []))
    for name, sub in schema.get("properties", {}).items():
        sub = resolve(sub, components)
        dotted = f"{prefix}.{name}" if prefix else name
        items = resolve(sub.get("items", {}), components)
        yield Row(name=dotted, type=type_of(sub, components), required=name in required,
                  description=sub.get("description") or items.get("description", ""),
                  notes=notes(sub) + notes(items))
        yield from fields(sub, components, dotted)


def _parameter(parameter: Mapping[str, Any]) -> Row:
    schema = parameter.get("schema", {})
    extra = notes({**schema, **({"example": parameter["example"]}
                                if "example" in parameter else {})})
    return Row(name=parameter["name"], type=type_of(schema, {}), where=parameter["in"],
               required=bool(parameter.get("required")),
               description=parameter.get("description", ""), notes=extra)


def _answer(status: str, answer: Mapping[str, Any], components: Mapping[str, Any]) -> Answer:
    content = answer.get("content", {})
    media = next(iter(content), "")
    problem = media == "application/problem+json"
    headers = [Row(name=name, type=type_of(h.get("schema", {}), components), required=False,
                   description=h.get("description", ""), notes=notes(h.get("schema", {})))
               for name, h in ((n, resolve(h, components))
                               for n, h in answer.get("headers", {}).items())]
    return Answer(status=str(status), description=answer["description"], media=media,
                  fields=[] if problem or not media else list(
                      fields(content[media]["schema"], components)),
                  headers=headers, problem=problem)

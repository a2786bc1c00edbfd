"""The OpenAPI 3 document of the API, generated from the code (issue #13).

Every API view says what it does with :func:`documented`; :func:`build_document` walks the
``api`` blueprint's rules in the application's URL map and makes one operation per method
(HEAD and OPTIONS aside) with apispec: its core only, plain dict schemas, no marshmallow,
so the views keep their WTForms validation and stay thin. What operations share is added
here, once: the bearer token and the roles :func:`mrc.api.auth.token_required` lets in, the
problem documents of :mod:`mrc.api.problems`, the rule's path parameters, and on every POST
the ``Idempotency-Key`` header and the ``Idempotent-Replayed`` answer header.

Text is lazily translated: the served document and its committed copy
(``docs/openapi.json``, made by ``mrc api openapi``) are in English (:func:`document_json`);
the page ``/api/v1/docs`` shows the same document in the reader's language."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from apispec import APISpec
from flask import Flask
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.routing import Rule

from mrc.api.problems import TITLES
from mrc.auth.models import Role

F = TypeVar("F", bound=Callable[..., Any])
Schema = dict[str, Any]

BLUEPRINT = "api"
API_VERSION = "1"  # the major version is in the path (/api/v1/); the document is the contract
OPENAPI_VERSION = "3.0.3"
ATTRIBUTE = "openapi_operations"  # on a view: {method or None: Operation}
SKIPPED_METHODS = frozenset({"HEAD", "OPTIONS"})
# Problems every operation with a token can answer (add 429 here with the rate limits).
TOKEN_PROBLEMS = (401, 429)
BEARER = "bearerAuth"
CONVERTERS: dict[str, Schema] = {
    "int": {"type": "integer"}, "float": {"type": "number"},
    "uuid": {"type": "string", "format": "uuid"}, "string": {"type": "string"},
    "path": {"type": "string"}, "default": {"type": "string"},
}
RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^)]*\))?:)?"
                           r"(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")
SUCCESS: dict[int, Any] = {
    200: _l("Done."),
    201: _l("Created: the Location header gives its address."),
    202: _l("Accepted: the job has started; the Location header gives its address."),
    204: _l("Done; nothing to return."),
}
LAZY_STRING = type(_l(""))  # flask-babel's lazy string (its module has no type information)
# Components any feature may refer to with ``ref("Name")`` (see :func:`component`).
SCHEMAS: dict[str, Schema] = {}


@dataclass(frozen=True)
class Reply:
    """One documented answer: a JSON body (``schema``, or None), its description (a default
    for 2xx), headers (OpenAPI header objects by name) and media type."""

    schema: Schema | None = None
    description: Any = None
    headers: Mapping[str, Schema] = field(default_factory=dict)
    media: str = "application/json"


@dataclass(frozen=True)
class Operation:
    summary: Any
    description: Any
    tags: tuple[str, ...]
    parameters: tuple[Schema, ...]
    request: Schema | None
    request_media: str
    responses: Mapping[int, Reply]
    problems: tuple[int, ...]
    public: bool


def documented(summary: Any, *, responses: Mapping[int, Reply | Schema | None],
               description: Any = None, tags: Iterable[str] = (),
               parameters: Iterable[Schema] = (), request: Schema | None = None,
               request_media: str = "application/json", problems: Iterable[int] = (),
               public: bool = False, method: str | None = None) -> Callable[[F], F]:
    """View decorator: the view's operation in the OpenAPI document.

    ``responses`` maps statuses to a :class:`Reply`, a JSON schema or None (no body); the
    problems are added by themselves (401 with a token, 403 when roles are restricted, 400
    with query parameters or a body, 404 with path parameters) and ``problems`` adds more.
    ``public`` says that the view needs no token (the drift test checks it against
    ``token_required``). ``method`` documents one method of a view that has several
    (stack one decorator per method)."""
    extra = tuple(problems)
    unknown = [s for s in extra if s not in TITLES]
    if unknown:
        raise ValueError(f"no problem document for status {unknown}")
    replies = {status: r if isinstance(r, Reply) else Reply(schema=r)
               for status, r in responses.items()}
    if not any(200 <= s < 300 for s in replies):
        raise ValueError("an operation needs a 2xx response")
    undescribed = [s for s, r in replies.items() if r.description is None and s not in SUCCESS]
    if undescribed:
        raise ValueError(f"describe the responses {undescribed}")
    operation = Operation(summary=summary, description=description, tags=tuple(tags),
                          parameters=tuple(parameters), request=request,
                          request_media=request_media, responses=replies, problems=extra,
                          public=public)

    def decorator(view: F) -> F:
        operations: dict[str | None, Operation] = view.__dict__.setdefault(ATTRIBUTE, {})
        key = method.upper() if method else None
        if key in operations:
            raise ValueError(f"{view.__name__} is documented twice for {key or 'all methods'}")
        operations[key] = operation
        return view

    return decorator


def query(name: str, description: Any, schema: Schema | None = None, *,
          required: bool = False, example: Any = None) -> Schema:
    """A query parameter (``example`` is what the drift test sends)."""
    parameter: Schema = {"name": name, "in": "query", "required": required,
                         "description": description, "schema": schema or {"type": "string"}}
    if example is not None:
        parameter["example"] = example
    return parameter


def path(name: str, description: Any) -> Schema:
    """A description for a path parameter (its type comes from the rule's converter)."""
    return {"name": name, "in": "path", "description": description}


def component(name: str, schema: Schema) -> Schema:
    """Register a shared schema under ``name``; returns the reference to use in schemas."""
    if SCHEMAS.get(name, schema) is not schema:
        raise ValueError(f"a schema {name!r} is already registered")
    SCHEMAS[name] = schema
    return ref(name)


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


# --- the document ------------------------------------------------------------------------

def api_rules(app: Flask) -> list[Rule]:
    """The rules of the API blueprint, by path."""
    return sorted((r for r in app.url_map.iter_rules()
                   if r.endpoint.startswith(f"{BLUEPRINT}.")), key=lambda r: r.rule)


def rule_methods(rule: Rule) -> list[str]:
    return sorted(set(rule.methods or ()) - SKIPPED_METHODS)


def operations_of(app: Flask, rule: Rule) -> dict[str | None, Operation]:
    operations: dict[str | None, Operation] = getattr(app.view_functions[rule.endpoint],
                                                      ATTRIBUTE, {})
    return operations


def token_roles(app: Flask, rule: Rule) -> tuple[Role, ...] | None:
    """The roles ``token_required`` lets in (all of them when it names none), or None
    when the view needs no token."""
    roles: tuple[Role, ...] | None = getattr(app.view_functions[rule.endpoint],
                                             "token_roles", None)
    if roles is None:
        return None
    return roles or tuple(Role)


def openapi_path(rule: Rule) -> str:
    """``/api/v1/clients/<int:client_id>`` → ``/api/v1/clients/{client_id}``."""
    return RULE_ARGUMENT.sub(lambda m: "{" + m.group("name") + "}", rule.rule)


def path_converters(rule: Rule) -> dict[str, str]:
    return {m.group("name"): m.group("converter") or "default"
            for m in RULE_ARGUMENT.finditer(rule.rule)}


def undocumented(app: Flask) -> list[str]:
    """What the document lacks or gets wrong, one line each: a method of a rule without
    :func:`documented`, a description for a method the rule lacks, a view whose
    ``public`` does not match whether it requires a token."""
    found = []
    for rule in api_rules(app):
        operations, methods = operations_of(app, rule), rule_methods(rule)
        for method in methods:
            operation = operations.get(method) or operations.get(None)
            if operation is None:
                found.append(f"{rule.endpoint} {method} {rule.rule}: no @documented")
            elif operation.public != (token_roles(app, rule) is None):
                found.append(f"{rule.endpoint} {method} {rule.rule}: public={operation.public}"
                             " but the view " + ("requires no token" if not operation.public
                                                 else "requires a token"))
        found += [f"{rule.endpoint} {m} {rule.rule}: documented, but not a method of the rule"
                  for m in operations if m is not None and m not in methods]
    return found


def build_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of the application's API, in the current language."""
    spec = APISpec(title="MRC API", version=API_VERSION, openapi_version=OPENAPI_VERSION,
                   info={"description": plain(_l(
                       "The JSON API of MRC for ministry systems. Every request but those "
                       "for this reference carries an API token and acts with the role and "
                       "scope of the token's user; errors are RFC 9457 problem documents in "
                       "the caller's Accept-Language."))})
    _add_components(spec)
    for rule in api_rules(app):
        operations = operations_of(app, rule)
        methods = rule_methods(rule)
        made = {}
        for method in methods:
            operation = operations.get(method) or operations.get(None)
            if operation is not None:
                name = rule.endpoint.split(".", 1)[1]
                keyed = method == "POST" and getattr(app.view_functions[rule.endpoint],
                                                     "idempotent", True)
                made[method.lower()] = _operation(operation, rule, method, token_roles(
                    app, rule), name if len(methods) == 1 else f"{name}_{method.lower()}",
                    keyed)
        if made:
            spec.path(path=openapi_path(rule), operations=plain(made))
    document: dict[str, Any] = spec.to_dict()
    return document


def document_json(app: Flask) -> str:
    """The document as served and committed: English, indented, one final newline."""
    with force_locale("en"):
        document = build_document(app)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def plain(value: Any) -> Any:
    """``value`` with lazy strings made text (in the current language), tuples lists."""
    if isinstance(value, LAZY_STRING):
        return str(value)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _operation(operation: Operation, rule: Rule, method: str,
               roles: tuple[Role, ...] | None, operation_id: str, keyed: bool) -> Schema:
    parameters: list[Schema | str] = [*_path_parameters(rule, operation),
                  *(p for p in operation.parameters if p["in"] != "path")]
    if keyed:  # every POST that makes something (token_required(idempotent=...))
        parameters.append("IdempotencyKey")  # apispec makes it a reference
    out: Schema = {"operationId": operation_id, "summary": operation.summary,
                   "tags": list(operation.tags)}
    if operation.description:
        out["description"] = operation.description
    if parameters:
        out["parameters"] = parameters
    if operation.request is not None:
        out["requestBody"] = {"required": True,
                              "content": {operation.request_media: {"schema": operation.request}}}
    problems = set(operation.problems)
    problems |= {400} if operation.request is not None or any(
        p["in"] == "query" for p in operation.parameters) else set()
    problems |= {404} if rule.arguments else set()
    if roles is None:
        out["security"] = []
    else:
        out["security"] = [{BEARER: []}]
        out["x-mrc-roles"] = [role.value for role in roles]
        problems |= set(TOKEN_PROBLEMS) | ({403} if set(roles) != set(Role) else set())
    out["responses"] = {**_replies(operation, keyed),
                        **{status: f"Problem{status}" for status in sorted(problems)}}
    return out


def _path_parameters(rule: Rule, operation: Operation) -> Iterator[Schema]:
    described = {p["name"]: p for p in operation.parameters if p["in"] == "path"}
    for name, converter in path_converters(rule).items():
        yield {"name": name, "in": "path", "required": True,
               "description": described.get(name, {}).get("description", name),
               "schema": dict(CONVERTERS.get(converter, {"type": "string"}))}


def _replies(operation: Operation, keyed: bool) -> dict[int, Schema]:
    out: dict[int, Schema] = {}
    for status, reply in sorted(operation.responses.items()):
        answer: Schema = {"description": reply.description or SUCCESS[status]}
        headers = dict(reply.headers)
        if keyed and 200 <= status < 300:
            headers["Idempotent-Replayed"] = {"$ref": "#/components/headers/IdempotentReplayed"}
        if headers:
            answer["headers"] = headers
        if reply.schema is not None:
            answer["content"] = {reply.media: {"schema": reply.schema}}
        out[status] = answer
    return out


def _add_components(spec: APISpec) -> None:
    spec.components.security_scheme(BEARER, plain({
        "type": "http", "scheme": "bearer", "bearerFormat": "mrc_<8 hex>_<43 characters>",
        "description": _l("A per-user API token (mrc api-token create); it acts with its "
                          "user's role and scope.")}))
    spec.components.schema("Problem", plain(PROBLEM))
    for name, schema in sorted(SCHEMAS.items()):
        spec.components.schema(name, plain(schema))
    for status, title in sorted(TITLES.items()):
        spec.components.response(f"Problem{status}", plain({
            "description": title, "headers": _problem_headers(status),
            "content": {"application/problem+json": {"schema": ref("Problem")}}}))
    spec.components.parameter("IdempotencyKey", "header", plain({
        "name": "Idempotency-Key", "required": True, "schema": {"type": "string"},
        "description": _l("A key of the caller's own, new for each intended request (a UUID, "
                          "say). A retry with the same key answers as the first request did "
                          "and never acts twice.")}))
    spec.components.header("IdempotentReplayed", plain({
        "schema": {"type": "string", "enum": ["true"]},
        "description": _l("Present on the answer to a retry: it repeats the first answer "
                          "given to this Idempotency-Key.")}))


PROBLEM: Schema = {
    "type": "object", "required": ["type", "title", "status"],
    "description": _l("An RFC 9457 problem document; it never holds request data or "
                      "personal data."),
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "example": "about:blank"},
        "title": {"type": "string", "description": _l("What went wrong, in the caller's "
                                                      "Accept-Language.")},
        "status": {"type": "integer", "description": _l("The HTTP status.")},
        "detail": {"type": "string", "description": _l("What in the request is wrong, such "
                                                       "as the names of parameters.")},
    },
}


def _problem_headers(status: int) -> Schema:
    headers: Schema = {"Content-Language": {
        "schema": {"type": "string"}, "description": _l("The language of the title.")}}
    if status == 401:
        headers["WWW-Authenticate"] = {"schema": {"type": "string"},
                                       "description": _l("Bearer: a token is needed.")}
    if status == 405:
        headers["Allow"] = {"schema": {"type": "string"},
                            "description": _l("The methods the address accepts.")}
    if status in (429, 503):
        headers["Retry-After"] = {"schema": {"type": "integer"},
                                  "description": _l("Seconds to wait before trying again.")}
    return headers

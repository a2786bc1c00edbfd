"""JSON bodies checked by the web's own forms, so the API has no second set of rules.

A body's values become what a browser would post (text, repeated keys for lists, ``y`` for
a ticked box) and the page's form class validates them with its translated messages; the
service then re-checks the domain rules as for every path. A refused body is a 400 problem
whose ``errors`` map each field to its message (messages never repeat what was sent).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from mrc.api.problems import problem

F = TypeVar("F", bound=FlaskForm)
SCALARS = (str, int, float)
AWARENESS_PREFIX = "aw_"  # the radio group of each question (cases.forms.AwarenessFields)


class BadBody(ValueError):
    """A body that is not a JSON object of plain values; the message names where."""


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadBody("body")
    return body


def _add(formdata: MultiDict[str, str], name: str, value: Any) -> None:
    if value is None or value is False:
        return
    if value is True:
        formdata.add(name, "y")
    elif isinstance(value, SCALARS):
        formdata.add(name, str(value))
    elif isinstance(value, list) and all(isinstance(v, SCALARS) for v in value):
        for item in value:
            formdata.add(name, str(item))
    else:
        raise BadBody(name)


def formdata(values: Mapping[str, Any]) -> MultiDict[str, str]:
    """What a browser would post for ``values`` (``awareness`` as its radio groups)."""
    posted: MultiDict[str, str] = MultiDict()
    for name, value in values.items():
        if name == "awareness":
            if not isinstance(value, dict):
                raise BadBody(name)
            for key, answer in value.items():
                _add(posted, f"{AWARENESS_PREFIX}{key}", answer)
        else:
            _add(posted, name, value)
    return posted


def bound(form_class: type[F], values: Mapping[str, Any], **kwargs: Any) -> F:
    """``form_class`` filled with ``values`` as a browser would post them (no CSRF token:
    the API takes no cookie, so there is no session to forge)."""
    form: F = form_class(formdata=formdata(values), meta={"csrf": False}, **kwargs)
    return form


def refused(errors: Mapping[str, Any]) -> Response:
    """400 with each field's (first) message."""
    shown = {name: str(messages[0] if isinstance(messages, list | tuple) else messages)
             for name, messages in errors.items() if messages}
    return problem(400, detail=",".join(sorted(shown)), extra={"errors": shown})

"""Representations with ETags, and cursor pages.

A record's representation carries a strong ``ETag`` (a hash of its JSON): ``If-None-Match``
with it answers 304 without a body, and a correction sends it back as ``If-Match`` (a
record changed meanwhile answers 412, or with the fields in conflict; see
:func:`corrected`). Lists are cursor pages ordered by last change then id, so a
program syncing with ``updated_since`` and following ``next`` sees every change once even
while records are being written. Responses keep ``Cache-Control: no-store``
(:mod:`mrc.security`): a program revalidates with its own copy.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from flask import jsonify, request
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.wrappers import Response

from mrc.api.formdata import BadBody, json_body
from mrc.api.problems import problem
from mrc.audit import services as audit
from mrc.extensions import db
from mrc.transactions import keep_writes

MAX_LIMIT = 200
Audited = tuple[str, int, int | None]  # audit entity, record id, MRC id
DEFAULT_LIMIT = 50


class BadParameter(ValueError):
    """A query parameter that cannot be read; its name is the message."""


def etag_of(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def _tags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


def representation(payload: dict[str, Any], status: int = 200,
                   location: str | None = None) -> Response:
    """``payload`` as JSON with its ETag; 304 when the caller already holds it."""
    tag = etag_of(payload)
    if status == 200 and tag in _tags(request.headers.get("If-None-Match", "")):
        response = Response(status=304)
    else:
        response = jsonify(payload)
        response.status_code = status
    response.headers["ETag"] = tag
    if location:
        response.headers["Location"] = location
    return response


def matches(current: dict[str, Any]) -> bool | None:
    """Whether ``If-Match`` names ``current`` (None when the request has none)."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    return header.strip() == "*" or etag_of(current) in _tags(header)


def updated_since() -> datetime | None:
    raw = request.args.get("updated_since")
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadParameter("updated_since") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def limit() -> int:
    raw = request.args.get("limit", "")
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadParameter("limit")
    return int(raw)


def _cursor() -> tuple[datetime, int] | None:
    raw = request.args.get("cursor")
    if not raw:
        return None
    try:
        stamp, _, ident = base64.urlsafe_b64decode(raw.encode() + b"==").decode().partition("|")
        return datetime.fromisoformat(stamp), int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadParameter("cursor") from None


def _encode(stamp: datetime, ident: int) -> str:
    aware = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return base64.urlsafe_b64encode(f"{aware.isoformat()}|{ident}".encode()).decode().rstrip("=")


def page(query: Select[Any], stamp: InstrumentedAttribute[datetime],
         ident: InstrumentedAttribute[int], shown: Callable[[Any], dict[str, Any]],
         *, newest_first: bool = False) -> dict[str, Any]:
    """One cursor page of ``query``: ``{"items", "next"}`` (``next`` None on the last);
    ``newest_first``: by ``stamp`` and id descending (a log), else ascending (a sync)."""
    since, after, size = updated_since(), _cursor(), limit()
    if since is not None:
        query = query.where(stamp >= since)
    if after is not None and newest_first:
        query = query.where(or_(stamp < after[0], and_(stamp == after[0], ident < after[1])))
    elif after is not None:
        query = query.where(or_(stamp > after[0], and_(stamp == after[0], ident > after[1])))
    order = (stamp.desc(), ident.desc()) if newest_first else (stamp, ident)
    rows: Sequence[Any] = db.session.scalars(query.order_by(*order).limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if rows else None
    next_cursor = _encode(getattr(last, stamp.key), getattr(last, ident.key)) \
        if more and last is not None else None
    return {"items": [shown(row) for row in rows], "next": next_cursor}


def _conflicts(current: dict[str, Any], base: dict[str, Any], changes: dict[str, Any]
               ) -> list[dict[str, Any]]:
    """Fields the caller changes from ``base`` that the server changed to something else."""
    return [{"field": name, "yours": value, "theirs": current.get(name), "base": base[name]}
            for name, value in sorted(changes.items())
            if name in base and current.get(name) != base[name] and current.get(name) != value]


def corrected(current: dict[str, Any], fields: tuple[str, ...], record: Audited
              ) -> Response | tuple[dict[str, Any], str | None]:
    """The values a correction asks for over ``current`` (only ``fields``), or the answer
    refusing it: no ``If-Match`` 428; changed meanwhile 412, or 409 with the fields in
    conflict when the body says what it started from (``base``). A conflict is returned
    to the counsellor to resolve, and is on the record's history (``record``: the audit
    entity, the record's id and MRC)."""
    body = json_body()
    changes, base = body.get("changes"), body.get("base")
    if not isinstance(changes, dict) or set(changes) - set(fields):
        raise BadBody("changes")
    seen = matches(current)
    if seen is None:
        return problem(428)
    tag = {"ETag": etag_of(current)}
    if not seen:
        if not isinstance(base, dict):
            return problem(412, headers=tag)
        conflicts = _conflicts(current, base, changes)
        if conflicts:
            entity, record_id, mrc_id = record
            audit.record("conflict", entity, record_id, mrc_id=mrc_id,
                         detail="fields=" + ",".join(c["field"] for c in conflicts))
            keep_writes()
            return problem(409, headers=tag, extra={"conflicts": conflicts})
    reason = body.get("reason")
    return {**{k: current[k] for k in fields if k in current}, **changes}, \
        reason if isinstance(reason, str) else None

"""Idempotency keys: a retried POST never does its work twice.

Every POST of the API that makes something carries an ``Idempotency-Key`` header (8 to 64
letters, digits, ``-``, ``_``, ``.`` or ``:``; a UUID fits). The key is claimed in the
request's own transaction before the view runs, and the view's response is kept with it:

- the same key again, with the same method, address and body, gets the kept response back
  (``Idempotent-Replayed: true``), whatever happened to the first answer on the way;
- the same key with another request is refused (422), so a client bug cannot turn one
  record into another's receipt;
- two requests with one key at the same moment: the second waits on the key's unique index
  until the first commits, then replays its response (or, had the first failed, does the
  work itself);
- a request that fails (4xx/5xx) commits nothing, its key included: fixing the body and
  sending it again with the same key works.

Keys are kept for :data:`KEEP` (a day), per user. A response that shows a secret once (a
new webhook's) is kept without it (:func:`keep_instead`): its replay says the secret was
already shown.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import g, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from mrc.api.models import IdempotentRequest
from mrc.api.problems import problem
from mrc.auth.models import User
from mrc.extensions import db

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEEP = timedelta(hours=24)
KEY = re.compile(r"[A-Za-z0-9._:-]{8,64}")
PURGE_EVERY = 100  # kept keys are purged at every PURGE_EVERY-th new key
KEPT_BODY = "mrc_idempotent_kept_body"


def keep_instead(body: str) -> None:
    """Keep ``body`` for replays of this request instead of its response's body (which
    shows a secret that must be shown once and never stored)."""
    setattr(g, KEPT_BODY, body)


def fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.full_path.encode(), request.get_data()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _kept(user: User, key: str) -> IdempotentRequest | None:
    return db.session.scalar(select(IdempotentRequest).where(
        IdempotentRequest.user_id == user.id, IdempotentRequest.key == key,
        IdempotentRequest.created_at >= datetime.now(UTC) - KEEP))


def _replay(kept: IdempotentRequest, seen: str) -> Response:
    if kept.fingerprint != seen:
        return problem(422, detail=HEADER)
    if not kept.status:  # claimed by a request that committed before it answered
        return problem(409, detail=HEADER)
    response = Response(kept.body, status=kept.status, mimetype="application/json")
    if kept.location:
        response.headers["Location"] = kept.location
    response.headers[REPLAYED] = "true"
    return response


def _claim(user: User, key: str, seen: str) -> IdempotentRequest | None:
    """The key's new row, flushed under a savepoint; None when another request holds it."""
    entry = IdempotentRequest(user_id=user.id, key=key, fingerprint=seen,
                              created_at=datetime.now(UTC))
    try:
        with db.session.begin_nested():
            db.session.execute(delete(IdempotentRequest).where(
                IdempotentRequest.user_id == user.id, IdempotentRequest.key == key,
                IdempotentRequest.created_at < datetime.now(UTC) - KEEP))
            db.session.add(entry)
    except IntegrityError:
        return None
    if entry.id % PURGE_EVERY == 0:
        db.session.execute(delete(IdempotentRequest).where(
            IdempotentRequest.created_at < datetime.now(UTC) - KEEP))
    return entry


def once(user: User, view: Callable[[], Response]) -> Response:
    """Run ``view`` under the request's idempotency key (400 without a valid one)."""
    key = request.headers.get(HEADER, "").strip()
    if not KEY.fullmatch(key):
        return problem(400, detail=HEADER)
    seen = fingerprint()
    kept = _kept(user, key)
    if kept is not None:
        return _replay(kept, seen)
    entry = _claim(user, key, seen)
    if entry is None:  # a request with this key committed meanwhile
        kept = _kept(user, key)
        return _replay(kept, seen) if kept is not None else problem(409, detail=HEADER)
    response = view()
    if response.status_code < 400:
        entry.status = response.status_code
        entry.body = g.pop(KEPT_BODY, None) or response.get_data(as_text=True)
        entry.location = response.headers.get("Location")
    else:  # nothing was done: the key stays free (the request commits nothing anyway)
        db.session.delete(entry)
        db.session.flush()
    return response

"""Benchmark section: the JSON API (issue #13) -- a counsellor's session create and a
ministry system's pull of the aggregates and the impact estimates.

Through the Flask test client with API tokens (``mrc.api.tokens``) issued for the demo
counsellor of PK-ISB and the South Asia supervisor: ``POST /api/v1/clients/<id>/sessions``
(a randomly chosen client of PK-ISB each time, a fresh ``Idempotency-Key``, the body
``tests/api/test_records.py`` sends), ``GET /api/v1/aggregates`` (the default view: this
year, by MRC), the same right after a session was saved (its numbers changed: protected
afresh), and ``GET /api/v1/impact`` (a tenth as often: it estimates afresh each time).
The rate limit is off for the run (``MRC_API_RATE_LIMIT=0``): the benchmark is one caller
far above any ministry's rate.

A section of ``benchmarks.run`` (``make bench``); alone:
``python -m benchmarks.bench_api [--sizes 3000 300000] [--requests 200] [--output FILE]``
(the options of ``benchmarks.run``; the report goes to ``--output``, by default
``benchmarks/api_results.md``, for a section to paste into ``RESULTS.md``).
"""

from __future__ import annotations

import functools
import itertools
import json
import random
import sys
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from benchmarks.harness import Measurement, SectionResult, timed
from mrc.api import tokens
from mrc.auth.models import User
from mrc.cases.models import Client, CounsellingSession
from mrc.extensions import db

TITLE = "JSON API (#13): session create, aggregates and impact"
COUNSELLOR = "counsellor-pk-isb"
SUPERVISOR = "supervisor-south-asia"
SESSION_TARGET_MS = 100.0
AGGREGATES_TARGET_MS = 200.0
WARMUP = 10
IMPACT_WARMUP = 2
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "api_results.md"


def impact_requests(repeat: int) -> int:
    """Timed impact requests for ``repeat`` of the others: it takes seconds at 300,000."""
    return max(2, repeat // 10)


def session_body(today: date) -> dict[str, Any]:
    """The body tests/api/test_records.py sends for a new session."""
    return {"date": today.isoformat(), "channel": "walk_in", "language": "ur",
            "intention": "undecided", "destination": "SA", "topics": ["regular_pathways"],
            "duration_minutes": 25, "notes": "asked about fees"}


def idempotency_key() -> str:
    """A fresh key, as a retrying client would make one per new record."""
    return str(uuid.uuid4())


class Caller:
    """Requests with one user's new API token (committed, so the requests see it)."""

    def __init__(self, app: Flask, username: str) -> None:
        with app.app_context():
            user = db.session.scalars(select(User).where(User.username == username)).one()
            self.user_id, self.mrc_id = user.id, user.mrc_id
            self.secret = tokens.create_token(user, f"bench {uuid.uuid4().hex[:12]}",
                                              days=1).secret
            db.session.commit()
        self.http: FlaskClient = app.test_client()

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}", "Accept-Language": "en", **extra}

    def get(self, path: str) -> Any:
        return self.http.get(path, headers=self.headers())

    def post(self, path: str, body: Any) -> Any:
        return self.http.post(path, data=json.dumps(body), content_type="application/json",
                              headers=self.headers(**{"Idempotency-Key": idempotency_key()}))


def _cycle(values: list[Any]) -> Callable[[], Any]:
    return functools.partial(next, itertools.cycle(values))


def _clients_of(app: Flask, mrc_id: int | None, count: int, seed: int) -> list[int]:
    with app.app_context():
        ids = list(db.session.scalars(select(Client.id).where(
            Client.mrc_id == mrc_id, Client.erased_at.is_(None)).order_by(Client.id)))
    return random.Random(seed).sample(ids, min(count, len(ids)))


def run(app: Flask, size: int, options: Any) -> SectionResult:
    """Time each request ``options.requests`` times (after a short warm-up)."""
    limit = app.config["MRC_API_RATE_LIMIT"]
    app.config["MRC_API_RATE_LIMIT"] = 0
    try:
        return _run(app, size, options.requests, getattr(options, "pass_no", 0))
    finally:
        app.config["MRC_API_RATE_LIMIT"] = limit


def _run(app: Flask, size: int, repeat: int, seed: int) -> SectionResult:
    counsellor, supervisor = Caller(app, COUNSELLOR), Caller(app, SUPERVISOR)
    client_id = _cycle(_clients_of(app, counsellor.mrc_id, 2 * (repeat + WARMUP),
                                   seed=seed))
    body = session_body(date.today())
    results: list[Measurement] = []

    def log_session() -> bool:
        r = counsellor.post(f"/api/v1/clients/{client_id()}/sessions", body)
        return r.status_code == 201
    results.append(timed(Measurement(
        "log a session", how="POST /api/v1/clients/<id>/sessions",
        target_ms=SESSION_TARGET_MS), log_session, repeat, WARMUP))

    def aggregates() -> bool:
        r = supervisor.get("/api/v1/aggregates")
        return r.status_code == 200 and bool(r.get_json()["tables"])
    results.append(timed(Measurement(
        "aggregates", how="GET /api/v1/aggregates (this year, by MRC)",
        target_ms=AGGREGATES_TARGET_MS), aggregates, repeat, WARMUP))

    after_save = Measurement("aggregates right after a save",
                             how="same, a session logged (untimed) before each",
                             target_ms=AGGREGATES_TARGET_MS)
    for i in range(WARMUP + repeat):
        log_session()
        if i < WARMUP:
            aggregates()
        else:
            timed(after_save, aggregates, 1)
    results.append(after_save)

    def impact() -> bool:
        return supervisor.get("/api/v1/impact").status_code == 200
    results.append(timed(Measurement(
        "impact estimates", how="GET /api/v1/impact (default period)",
        target_ms=AGGREGATES_TARGET_MS), impact, impact_requests(repeat), IMPACT_WARMUP))

    with app.app_context():
        clients = db.session.scalar(select(func.count()).select_from(Client)
                                    .where(Client.mrc_id == counsellor.mrc_id))
        sessions = db.session.scalar(select(func.count()).select_from(CounsellingSession))
    notes = [f"{size:,} clients in all; PK-ISB has {clients:,}; {sessions:,} sessions after "
             "the section's saves",
             "impact estimates: a tenth as many timed requests as the others, after "
             f"{IMPACT_WARMUP} untimed (each estimates afresh from the records, with its "
             "bootstrap); the issue sets no target for it, the aggregates' is shown"]
    return SectionResult(TITLE, results, notes)


def main(argv: list[str] | None = None) -> None:
    from benchmarks import run as bench_run

    argv = list(sys.argv[1:] if argv is None else argv)
    if "--output" not in argv:
        argv += ["--output", str(DEFAULT_OUTPUT)]
    bench_run.main(["--sections", "benchmarks.bench_api", *argv])


if __name__ == "__main__":
    main()

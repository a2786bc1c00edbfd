"""Benchmark section: a counsellor's everyday requests at MRC Islamabad (PK-ISB).

Through the Flask test client, logged in as the demo counsellor of PK-ISB: find a client
by code, find one by phone number, save a session, open the due follow-ups worklist and
open a client page. Each request targets a different, randomly chosen client of the MRC,
so caches do not flatter the figures. When an HTTP route does not exist (yet), the same
work is measured through the service functions instead, and the table says so.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import phonenumbers
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from benchmarks.harness import Measurement, SectionResult, timed
from mrc.auth.models import User
from mrc.cases import awareness, services
from mrc.cases.models import Client, FollowUp
from mrc.demo.services import DEMO_PASSWORD
from mrc.extensions import db
from mrc.keys import keyring
from mrc.org.models import MRC
from mrc.privacy.codes import format_code
from mrc.scope import scoped

TITLE = "Counsellor requests at PK-ISB"
# Indexes the benchmark suggests for the schema (not yet in a migration). When one is
# missing, the worklist is timed again with the index created in the benchmark database.
PROPOSED_INDEXES = {
    "ix_client_followup_open": (
        "CREATE INDEX ix_client_followup_open ON client (id) "
        "WHERE followup_consent IS TRUE AND erased_at IS NULL"),
}
USERNAME = "counsellor-pk-isb"
WARMUP = 10


def _has_route(app: Flask, endpoint: str, method: str) -> bool:
    return any(rule.endpoint == endpoint and method in (rule.methods or set())
               for rule in app.url_map.iter_rules())


def session_form(today: date) -> dict[str, Any]:
    """A complete session form as a browser posts it."""
    form: dict[str, Any] = {
        "date": today.isoformat(), "channel": "walk_in", "language": "ur",
        "intention": "regular", "destination": "SA",
        "topics": ["regular_pathways", "recruitment_fees", "labour_rights"],
        "duration_minutes": "30", "notes": "",
    }
    for question in awareness.questions():
        form[f"aw_{question.key}"] = question.correct
    return form


class _Inputs:
    """Random clients of the counsellor's MRC (ids, codes as typed, phones as typed)."""

    def __init__(self, app: Flask, count: int, seed: int = 0) -> None:
        rng = random.Random(seed)
        with app.app_context():
            user = db.session.scalars(select(User).where(User.username == USERNAME)).one()
            self.user_id = user.id
            mrc = db.session.get_one(MRC, user.mrc_id)
            country = services.mrc_country_code(mrc)
            rows = db.session.execute(
                select(Client.id, Client.code, Client.phone_enc)
                .where(Client.mrc_id == mrc.id, Client.erased_at.is_(None))
                .order_by(Client.id)).all()
            picked = rng.sample(rows, min(count, len(rows)))
            self.client_ids = [r.id for r in picked]
            self.codes = [format_code(r.code).lower() if i % 2 else format_code(r.code)
                          for i, r in enumerate(picked)]
            with_phone = rng.sample([r for r in rows if r.phone_enc],
                                    min(count, sum(1 for r in rows if r.phone_enc)))
            ring = keyring()
            self.phone_client_ids = [r.id for r in with_phone]
            self.phones = [phonenumbers.format_number(
                phonenumbers.parse(ring.cipher.decrypt(r.phone_enc), country),
                phonenumbers.PhoneNumberFormat.NATIONAL) for r in with_phone]

    def cycle(self, values: list[Any]) -> Callable[[], Any]:
        position = {"i": 0}

        def next_value() -> Any:
            value = values[position["i"] % len(values)]
            position["i"] += 1
            return value

        return next_value


def _login(app: Flask) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"username": USERNAME, "password": DEMO_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"demo counsellor could not log in ({response.status_code})")
    return client


def run(app: Flask, size: int, options: Any) -> SectionResult:
    """Time each request ``options.requests`` times (after a short warm-up)."""
    repeat: int = options.requests
    inputs = _Inputs(app, repeat + WARMUP, seed=getattr(options, "pass_no", 0))
    http = _login(app)
    today = date.today()
    results: list[Measurement] = []
    notes: list[str] = []

    # Find by code: a code from a card, typed with or without capitals.
    code = inputs.cycle(inputs.codes)
    if _has_route(app, "cases.find", "POST"):
        def find_code() -> bool:
            r = http.post("/cases/find", data={"search": "code", "code": code()})
            return r.status_code == 302 and "/cases/clients/" in r.headers.get("Location", "")
        how = "POST /cases/find (code)"
    else:
        find_code = _service(app, inputs, lambda user, mrc: services.find_by_code(
            scoped(Client, user), code()) is not None)
        how = "service find_by_code"
    results.append(timed(Measurement("find client by code", how=how), find_code, repeat,
                         WARMUP))

    phone = inputs.cycle(inputs.phones)
    if _has_route(app, "cases.find", "POST"):
        def find_phone() -> bool:
            r = http.post("/cases/find", data={"search": "phone", "phone": phone()})
            return r.status_code == 302
        how = "POST /cases/find (phone)"
    else:
        find_phone = _service(app, inputs, lambda user, mrc: bool(services.find_by_phone(
            scoped(Client, user), phone(), mrc)))
        how = "service find_by_phone"
    results.append(timed(Measurement("find client by phone", how=how), find_phone, repeat,
                         WARMUP))

    session_client = inputs.cycle(inputs.client_ids)
    form = session_form(today)
    if _has_route(app, "cases.new_session", "POST"):
        def save_session() -> bool:
            r = http.post(f"/cases/clients/{session_client()}/sessions/new", data=form)
            return r.status_code == 302
        how = "POST /cases/clients/<id>/sessions/new"
    else:
        def log(user: User, mrc: MRC) -> bool:
            record = db.session.get_one(Client, session_client())
            data = {**form, "date": today, "duration_minutes": 30,
                    "awareness_answers": "".join(q.correct for q in awareness.questions())}
            services.log_session(record, data, user)
            db.session.commit()
            return True
        save_session = _service(app, inputs, log)
        how = "service log_session + commit"
    results.append(timed(Measurement("save a session", how=how), save_session, repeat, WARMUP))

    if _has_route(app, "cases.worklist", "GET"):
        def worklist() -> bool:
            return http.get("/cases/worklist").status_code == 200
        how = "GET /cases/worklist"
    else:
        worklist = _service(app, inputs, lambda user, mrc: services.due_followups(
            scoped(FollowUp, user)).total >= 0)
        how = "service due_followups"
    results.append(timed(Measurement("due follow-ups worklist", how=how), worklist, repeat,
                         WARMUP))

    page_client = inputs.cycle(inputs.client_ids)
    if _has_route(app, "cases.client", "GET"):
        def client_page() -> bool:
            return http.get(f"/cases/clients/{page_client()}").status_code == 200
        how = "GET /cases/clients/<id>"
    else:
        def timeline(user: User, mrc: MRC) -> bool:
            record = db.session.get_one(Client, page_client())
            services.decrypt_phone(record)
            return bool(services.client_timeline(record))
        client_page = _service(app, inputs, timeline)
        how = "service client_timeline"
    results.append(timed(Measurement("client page", how=how), client_page, repeat, WARMUP))

    with _proposed_indexes(app) as missing:
        if missing and _has_route(app, "cases.worklist", "GET"):
            results.append(timed(Measurement(
                "worklist, with proposed index", how="GET /cases/worklist + "
                + ", ".join(missing)), worklist, repeat, WARMUP))
            notes.extend(f"proposed index, created by the benchmark for the last row only: "
                         f"`{PROPOSED_INDEXES[name]}`" for name in missing)

    with app.app_context():
        user = db.session.get_one(User, inputs.user_id)
        due = services.due_followups(scoped(FollowUp, user))
        clients = db.session.scalar(select(db.func.count()).select_from(Client)
                                    .where(Client.mrc_id == user.mrc_id))
    notes.append(f"{size:,} clients in all; PK-ISB has {clients:,}, "
                 f"{'more than ' if due.capped else ''}{due.total:,} follow-ups due within "
                 "14 days")
    return SectionResult(TITLE, results, notes)


def _service(app: Flask, inputs: _Inputs,
             work: Callable[[User, MRC], bool]) -> Callable[[], bool]:
    """Fallback when a route is missing: the service call in an app context."""
    def action() -> bool:
        with app.app_context():
            user = db.session.get_one(User, inputs.user_id)
            mrc = db.session.get_one(MRC, user.mrc_id)
            return work(user, mrc)
    return action


@contextmanager
def _proposed_indexes(app: Flask) -> Iterator[list[str]]:
    """Create the proposed indexes the schema lacks (PostgreSQL) and drop them again
    afterwards, so every other measurement sees the schema as migrated."""
    created: list[str] = []
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            for name, ddl in PROPOSED_INDEXES.items():
                exists = db.session.scalar(
                    text("SELECT 1 FROM pg_indexes WHERE indexname = :n"), {"n": name})
                if not exists:
                    db.session.execute(text(ddl))
                    created.append(name)
            if created:
                db.session.execute(text("ANALYZE client"))
            db.session.commit()
    try:
        yield created
    finally:
        with app.app_context():
            for name in created:
                db.session.execute(text(f'DROP INDEX "{name}"'))
            if created:
                db.session.execute(text("ANALYZE client"))
            db.session.commit()

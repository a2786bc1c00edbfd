"""Webhook deliveries through a real RQ worker (``mrc worker``) on a real redis-server: the
request's commit queues the delivery, the worker sends it, a failed attempt is queued again
by ``send-due`` and delivered. Fails (does not skip) without redis-server when
MRC_REQUIRE_SERVICES=1 (the ``redis_url`` fixture)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade

from mrc import create_app
from mrc.extensions import db
from mrc.webhooks import delivery, events, services, signing
from mrc.webhooks.models import WebhookDelivery
from tests.conftest import make_config
from tests.jobs.test_jobs import _start_worker, _stop
from tests.services import extra_database
from tests.webhooks.conftest import start_receiver


@pytest.fixture(scope="module")
def hooks_env(database_url: str, redis_url: str) -> Iterator[tuple[Flask, dict[str, str]]]:
    """A committed database of its own (the worker is another process) and its environment."""
    name = "mrc_hooks_" + uuid.uuid4().hex[:8]
    with extra_database(database_url, name) as url:
        hooks_app = create_app(make_config(url, REDIS_URL=redis_url,
                                           MRC_WEBHOOK_ALLOW_HTTP_LOCAL=True,
                                           MRC_WEBHOOK_BACKOFF=(1, 1)))
        with hooks_app.app_context():
            upgrade()
        env = dict(os.environ, DATABASE_URL=url, REDIS_URL=redis_url, MRC_ENV="development",
                   MRC_WEBHOOK_ALLOW_HTTP_LOCAL="1", MRC_WEBHOOK_BACKOFF="1,1")
        yield hooks_app, env
        with hooks_app.app_context():
            db.session.remove()
            db.engine.dispose()


def _state(hooks_app: Flask, delivery_id: int) -> tuple[str, int]:
    with hooks_app.app_context():
        found = db.session.get_one(WebhookDelivery, delivery_id)
        state = (found.status, found.attempts)
        db.session.remove()
    return state


def _wait(hooks_app: Flask, delivery_id: int, wanted: Any, timeout: float = 60) -> tuple[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        state = _state(hooks_app, delivery_id)
        if wanted(state) or time.monotonic() > deadline:
            return state
        time.sleep(0.2)


def test_a_worker_delivers_and_retries_through_rq(hooks_env) -> None:
    from mrc.auth.services import create_user
    from mrc.cases import services as cases
    from mrc.org.services import ensure_reference_network

    hooks_app, env = hooks_env
    receiver, server = start_receiver()
    receiver.statuses = [500]  # the first attempt fails, the retry succeeds
    worker = _start_worker(env)
    try:
        with hooks_app.app_context():
            network = ensure_reference_network()
            counsellor = create_user("hooks_counsellor", "correct horse battery", "counsellor",
                                     mrc_id=network["PK-ISB"].id)
            made = services.create_subscription(counsellor, "case system", receiver.url,
                                                [events.SESSION_LOGGED])
            db.session.commit()
            start = date.today() - timedelta(days=3)
            client = cases.register_client(network["PK-ISB"], {
                "sex": "female", "birth_year": 1990, "migrant_status": "prospective",
                "education": "secondary", "employment": "unemployed",
                "followup_consent": False, "registered_on": start}, user=counsellor)
            cases.log_session(client, {"date": start, "channel": "walk_in", "language": "ur",
                                       "intention": "undecided"}, user=counsellor)
            db.session.commit()  # queues the delivery on Redis
            delivery_id = db.session.scalars(db.select(WebhookDelivery.id)).one()
            secret = made.secret
            db.session.remove()
        assert _wait(hooks_app, delivery_id, lambda s: s[1] >= 1) == ("pending", 1)
        time.sleep(1.1)  # the backoff of (1, 1)
        with hooks_app.app_context():
            counts = delivery.send_due()
            db.session.remove()
        assert counts["queued"] == 1
        assert _wait(hooks_app, delivery_id, lambda s: s[0] != "pending") == ("delivered", 2)
    finally:
        _stop(worker)
        server.shutdown()
        server.server_close()
    assert [r.headers["MRC-Event"] for r in receiver.requests] == ["session.logged"] * 2
    assert all(signing.verify(secret, r.body, r.headers["MRC-Signature"])
               for r in receiver.requests)

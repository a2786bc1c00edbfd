"""Webhook deliveries against a real local receiver: signed, retried with backoff after a
failure, failed after the last attempt, only within the subscriber's scope, and never
carrying anything about a person."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from mrc.extensions import db
from mrc.jobs import services as jobs
from mrc.keys import keyring
from mrc.validation import ValidationError
from mrc.webhooks import delivery, events, services, signing
from mrc.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.usefixtures("local_hooks")


def subscribe(user: Any, receiver: Any, *types: str) -> services.NewSubscription:
    made = services.create_subscription(user, "ministry system", receiver.url,
                                        list(types or [events.SESSION_LOGGED]))
    db.session.commit()
    return made


def deliveries_of(made: services.NewSubscription) -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.subscription_id == made.record.id).order_by(WebhookDelivery.id)))


def test_a_logged_session_is_delivered_signed(make_user, make_client, receiver) -> None:
    made = subscribe(make_user("counsellor", "PK-ISB"), receiver)
    client = make_client("PK-ISB", sessions=1)
    db.session.commit()
    [pending] = deliveries_of(made)
    assert (pending.status, pending.attempts, pending.event_type) == ("pending", 0,
                                                                     "session.logged")
    assert receiver.requests == []  # nothing is sent in the transaction that logged it
    counts = delivery.send_due()
    assert counts["delivered"] == 1
    [request] = receiver.requests
    assert request.path == "/hooks/mrc"
    assert request.headers["MRC-Event"] == "session.logged"
    assert request.headers["MRC-Delivery"] == str(pending.id)
    assert signing.verify(made.secret, request.body, request.headers["MRC-Signature"])
    assert not signing.verify(made.secret, request.body + b" ", request.headers["MRC-Signature"])
    document = json.loads(request.body)
    session = client.sessions[0]
    assert document["type"] == "session.logged" and document["id"] == f"session:{session.id}"
    assert document["data"] == {"session_id": session.id, "client_id": client.id,
                                "mrc": "PK-ISB", "date": session.date.isoformat(),
                                "kind": "baseline"}
    [done] = deliveries_of(made)
    assert (done.status, done.attempts, done.last_status_code) == ("delivered", 1, 200)
    assert delivery.send_due()["due"] == 0  # delivered once


def test_a_500_is_retried_on_the_backoff_schedule_then_delivered(make_user, make_client,
                                                                 receiver) -> None:
    made = subscribe(make_user("counsellor", "PK-ISB"), receiver)
    make_client("PK-ISB", sessions=1)
    db.session.commit()
    receiver.statuses = [500, 503]
    start = datetime.now(UTC)
    delivery.send_due(start)
    [first] = deliveries_of(made)
    assert (first.status, first.attempts, first.last_status_code, first.last_error) == (
        "pending", 1, 500, "HTTP 500")
    assert abs(_aware(first.next_attempt_at) - (start + timedelta(seconds=10))) \
        < timedelta(seconds=1)
    assert delivery.send_due(start + timedelta(seconds=9))["due"] == 0  # not yet
    delivery.send_due(start + timedelta(seconds=10))
    [second] = deliveries_of(made)
    assert (second.status, second.attempts, second.last_error) == ("pending", 2, "HTTP 503")
    assert abs(_aware(second.next_attempt_at) - (start + timedelta(seconds=70))) \
        < timedelta(seconds=1)
    delivery.send_due(start + timedelta(seconds=70))
    [third] = deliveries_of(made)
    assert (third.status, third.attempts, third.last_status_code, third.last_error) == (
        "delivered", 3, 200, "")
    assert len(receiver.requests) == 3
    # The same body every time, each attempt signed afresh.
    assert len({r.body for r in receiver.requests}) == 1
    assert all(signing.verify(made.secret, r.body, r.headers["MRC-Signature"])
               for r in receiver.requests)


def test_the_last_failed_attempt_fails_the_delivery(make_user, make_client, receiver) -> None:
    made = subscribe(make_user("counsellor", "PK-ISB"), receiver)
    make_client("PK-ISB", sessions=1)
    db.session.commit()
    receiver.always = 500
    start = datetime.now(UTC)
    for seconds in (0, 10, 70):  # the first attempt and the two retries of (10, 60)
        delivery.send_due(start + timedelta(seconds=seconds))
    [failed] = deliveries_of(made)
    assert (failed.status, failed.attempts, failed.next_attempt_at) == ("failed", 3, None)
    assert delivery.send_due(start + timedelta(days=1))["due"] == 0
    assert len(receiver.requests) == 3


def test_an_unreachable_receiver_is_a_short_error(make_user, make_client, receiver) -> None:
    made = subscribe(make_user("counsellor", "PK-ISB"), receiver)
    made.record.url = "http://127.0.0.1:9/nothing-listens-here"
    make_client("PK-ISB", sessions=1)
    db.session.commit()
    delivery.send_due()
    [pending] = deliveries_of(made)
    assert (pending.status, pending.last_status_code, pending.last_error) == (
        "pending", None, "connection refused")


def test_a_counsellor_never_hears_of_another_mrc(make_user, make_client, receiver) -> None:
    home = subscribe(make_user("counsellor", "PK-ISB"), receiver)
    other = subscribe(make_user("counsellor", "PK-LHE"), receiver)
    mine, theirs = make_client("PK-ISB", sessions=2), make_client("PK-LHE", sessions=1)
    db.session.commit()
    assert [d.payload["client_id"] for d in deliveries_of(home)] == [mine.id, mine.id]
    assert [d.payload["client_id"] for d in deliveries_of(other)] == [theirs.id]
    delivery.send_due()
    sent = [json.loads(r.body)["data"]["mrc"] for r in receiver.requests]
    assert sorted(sent) == ["PK-ISB", "PK-ISB", "PK-LHE"]


def test_a_role_subscribes_only_to_what_it_may_see(make_user, receiver) -> None:
    supervisor = make_user("supervisor", mrc=None, country="PK")
    with pytest.raises(ValidationError) as info:
        services.create_subscription(supervisor, "x", receiver.url, [events.SESSION_LOGGED])
    assert set(info.value.errors) == {"events"}
    with pytest.raises(ValidationError):
        services.create_subscription(make_user("counsellor"), "x", receiver.url,
                                     [events.REPORT_READY])
    with pytest.raises(ValidationError):
        services.create_subscription(make_user("evaluator", mrc=None), "x", receiver.url,
                                     [events.SIGNAL_RAISED])
    assert services.create_subscription(supervisor, "x", receiver.url,
                                        [events.SIGNAL_RAISED]).record.id


def test_payloads_carry_nothing_about_a_person(make_user, make_client, receiver) -> None:
    counsellor = make_user("counsellor", "PK-ISB")
    subscribe(counsellor, receiver, events.SESSION_LOGGED, events.FOLLOWUP_DUE)
    baseline = date.today() - timedelta(days=90)  # the first wave falls due today
    client = make_client("PK-ISB", sessions=1, phone="0300 1234567", baseline=baseline)
    session = client.sessions[0]
    session.notes_enc = keyring().cipher.encrypt("private words about her journey")
    db.session.commit()
    services.emit_due_followups(date.today())
    db.session.commit()
    delivery.send_due()
    assert {json.loads(r.body)["type"] for r in receiver.requests} == {
        "session.logged", "followup.due"}
    secrets = [str(client.code), "1234567", "private words", counsellor.username, "female",
               "1995"]
    for request in receiver.requests:
        text = request.body.decode()
        assert not [s for s in secrets if s in text], text
        data = json.loads(text)["data"]
        assert set(data) <= {"session_id", "client_id", "mrc", "date", "kind", "followup_id",
                             "wave", "due_date"}


def test_a_due_follow_up_is_announced_once(make_user, make_client, receiver) -> None:
    made = subscribe(make_user("manager", "PK-ISB"), receiver, events.FOLLOWUP_DUE)
    client = make_client("PK-ISB", sessions=1, baseline=date.today() - timedelta(days=90))
    make_client("PK-ISB", sessions=1, baseline=date.today() - timedelta(days=80))  # not yet
    make_client("PK-ISB", sessions=1, consent=False, baseline=date.today() - timedelta(days=90))
    db.session.commit()
    for _run in range(2):
        services.emit_due_followups(date.today())
        db.session.commit()
    [due] = deliveries_of(made)
    wave = client.followups[0]
    assert due.payload == {"followup_id": wave.id, "client_id": client.id, "mrc": "PK-ISB",
                           "wave": 1, "due_date": date.today().isoformat()}


def test_a_finished_report_is_announced_to_its_owner_only(make_user, receiver, monkeypatch,
                                                          tmp_path, app) -> None:
    app.config["MRC_OUTPUT_DIR"] = str(tmp_path)
    owner = make_user("supervisor", mrc=None, country="PK")
    mine = subscribe(owner, receiver, events.REPORT_READY)
    theirs = subscribe(make_user("supervisor", mrc=None, country="PK"), receiver,
                       events.REPORT_READY)
    jobs.registered_kinds()  # the real kinds first, then the quick stand-in over the report's
    monkeypatch.setitem(jobs._KINDS, "quarterly_report", lambda job, progress: None)
    job = jobs.create_job("quarterly_report", {}, user_id=owner.id)
    db.session.commit()
    jobs.run_job(job.id)
    [ready] = deliveries_of(mine)
    assert ready.payload["job_id"] == job.id and ready.payload["job"] == f"/api/v1/jobs/{job.id}"
    assert deliveries_of(theirs) == []


def test_a_raised_signal_reaches_subscribers_of_its_scope(make_user, receiver,
                                                          monkeypatch) -> None:
    from mrc import signals
    from mrc.trends import services as trends
    from mrc.trends.weekly import SeriesKey

    week = date(2026, 11, 30)
    seen: list[list[int]] = []

    def publish(evaluation: Any) -> list[trends.Signal]:
        return [trends.Signal(SeriesKey("mrc", "PK-ISB", "route", "sea"), week, 0.4, 0.1, 4.0,
                              5.0, 2, (0.1, 0.4))]

    def evaluate(scope: Any, when: date) -> None:
        seen.append(scope.ids)

    monkeypatch.setattr(trends, "publish", publish)
    monkeypatch.setattr(trends, "evaluate", evaluate)
    supervisor = subscribe(make_user("supervisor", mrc=None, country="PK"), receiver,
                           events.SIGNAL_RAISED)
    counsellor = subscribe(make_user("counsellor"), receiver, events.SESSION_LOGGED)
    signals.trends_scored.send(week)
    signals.trends_scored.send(week)  # a second run: nothing twice
    db.session.commit()
    [raised] = deliveries_of(supervisor)
    assert raised.event_id == "signal:2026-11-30:mrc:PK-ISB:route:sea"
    assert raised.payload["share"] == 0.4 and "count" not in json.dumps(raised.payload)
    assert deliveries_of(counsellor) == []
    assert len(seen) == 2 and len(seen[0]) > 1  # the supervisor's scope: the country


def test_a_deleted_webhook_sends_nothing_more(make_user, make_client, receiver) -> None:
    made = subscribe(make_user("counsellor"), receiver)
    make_client("PK-ISB", sessions=1)
    db.session.commit()
    services.delete_subscription(made.record)
    db.session.commit()
    assert delivery.send_due()["due"] == 0
    [failed] = deliveries_of(made)
    assert (failed.status, failed.last_error) == ("failed", "subscription deleted")
    assert made.record.secret_enc == "" and receiver.requests == []


def test_the_secret_is_stored_encrypted_and_rotates(make_user, receiver) -> None:
    made = subscribe(make_user("counsellor"), receiver)
    assert made.secret not in made.record.secret_enc
    assert keyring().cipher.decrypt(made.record.secret_enc) == made.secret
    from mrc.webhooks.rotation import rotate_secrets

    assert rotate_secrets(10)
    assert keyring().cipher.decrypt(made.record.secret_enc) == made.secret


def _aware(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_a_session_rolled_back_announces_nothing(make_user, make_client, receiver) -> None:
    from mrc.cases import services as cases

    made = subscribe(make_user("counsellor"), receiver)
    client = make_client("PK-ISB", sessions=0)
    db.session.commit()
    nested = db.session.begin_nested()
    cases.log_session(client, {"date": date.today(), "channel": "walk_in", "language": "ur",
                               "intention": "undecided"}, user=None)
    nested.rollback()
    db.session.commit()
    assert deliveries_of(made) == []
    db.session.rollback()  # a whole transaction rolled back leaves nothing pending either
    assert events.PENDING_KEY not in db.session.info

"""Signal alerts (#12): a subscription gets one notification per week with signals, and an
e-mail through a real SMTP server (aiosmtpd, started here) holding shares only."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from mrc.extensions import db
from mrc.trends import alerts
from mrc.trends.models import SignalNotification
from mrc.validation import ValidationError
from tests.trends.test_services import WEEK, rising_route  # noqa: F401  (fixture)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def inbox(app) -> Iterator[Inbox]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config["MRC_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        yield handler
    finally:
        app.config["MRC_SMTP_URL"] = ""
        controller.stop()


@pytest.mark.usefixtures("suppression_method")
def test_an_alert_is_delivered_once_in_the_app_and_by_mail(make_user, inbox,
                                                           rising_route) -> None:  # noqa: F811
    user = make_user("supervisor", country="PK")
    alerts.subscribe(user, "", "analyst@ministry.example")
    quiet = make_user("supervisor", country="BD")
    alerts.subscribe(quiet, "", "other@ministry.example")
    done = alerts.deliver(WEEK)
    assert (done.notifications, done.emails, done.failed_emails) == (1, 1, 0)
    notes = db.session.scalars(select(SignalNotification)).all()
    assert [n.user_id for n in notes] == [user.id] and notes[0].emailed_at is not None
    mail = message_from_bytes(inbox.messages[0], policy=policy.default)
    assert mail["To"] == "analyst@ministry.example"
    body = mail.get_body().get_content()
    assert "Route considered: By air, via a Gulf country" in body
    assert "4.9× its usual share, 1 week in a row" in body and "50%" in body
    assert "15" not in body  # no count
    again = alerts.deliver(WEEK)
    assert (again.notifications, again.emails) == (0, 0) and len(inbox.messages) == 1


def test_a_failed_mail_is_sent_by_the_next_run(app, make_user, rising_route) -> None:  # noqa: F811
    user = make_user("supervisor", country="PK")
    alerts.subscribe(user, "PK-ISB", "analyst@ministry.example")
    app.config["MRC_SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # nobody listens
    try:
        first = alerts.deliver(WEEK)
    finally:
        app.config["MRC_SMTP_URL"] = ""
    assert (first.notifications, first.emails, first.failed_emails) == (1, 0, 1)
    note = db.session.scalars(select(SignalNotification)).one()
    assert note.emailed_at is None


def test_cancelled_and_bad_subscriptions(make_user, rising_route) -> None:  # noqa: F811
    user = make_user("supervisor", country="PK")
    record = alerts.subscribe(user, "", None)
    assert alerts.cancel(user, record.id) and not alerts.cancel(user, record.id)
    assert alerts.deliver(WEEK).notifications == 0
    with pytest.raises(ValidationError) as caught:
        alerts.subscribe(user, "", "not an address")
    assert set(caught.value.errors) == {"email"}


def test_the_alerts_page_subscribes_lists_and_cancels(make_user, login,
                                                      rising_route) -> None:  # noqa: F811
    user = make_user("supervisor", country="PK")
    browser = login(user)
    bad = browser.post("/signals/alerts", data={"area": "", "email": "nope"})
    assert bad.status_code == 400 and "Enter an e-mail address" in bad.get_data(as_text=True)
    ok = browser.post("/signals/alerts", data={"area": "PK-ISB", "email": ""})
    assert ok.status_code == 302
    alerts.deliver(WEEK)
    db.session.commit()
    assert "Signal alerts: 1 new" in browser.get("/signals/").get_data(as_text=True)
    page = browser.get("/signals/alerts").get_data(as_text=True)
    assert "By air, via a Gulf country" in page and "New" in page
    assert "Signal alerts: 1 new" not in browser.get("/signals/").get_data(as_text=True)
    subscription = alerts.subscriptions(user)[0]
    assert browser.post(f"/signals/alerts/{subscription.id}/cancel").status_code == 302
    assert alerts.subscriptions(user) == []


def test_the_weekly_command_delivers(app, make_user, rising_route) -> None:  # noqa: F811
    alerts.subscribe(make_user("supervisor", country="PK"), "", None)
    db.session.commit()
    args = ["mrc", "signals", "run", "--week", WEEK.isoformat(), "--deliver"]
    first = app.test_cli_runner().invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "alerts: 1 notifications, 0 e-mails sent" in first.stderr
    assert "alerts: 0 notifications" in app.test_cli_runner().invoke(args=args).stderr

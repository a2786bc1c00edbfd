"""API tokens (issue #13): shown once, stored as a hash, named, expiring, revocable,
audited; a token acts for an active user only."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mrc.api import tokens
from mrc.api.models import ApiToken
from mrc.audit.models import AuditEvent
from mrc.extensions import db


def test_a_token_authenticates_its_user_and_only_its_hash_is_stored(make_user) -> None:
    user = make_user("supervisor", country="PK")
    made = tokens.create_token(user, "ministry sync")
    assert tokens.TOKEN.match(made.secret)
    stored = db.session.get(ApiToken, made.record.id)
    assert stored.token_hash == hashlib.sha256(made.secret.encode()).hexdigest()
    assert made.secret not in {stored.prefix, stored.token_hash, stored.name}
    found = tokens.authenticate(made.secret)
    assert found is not None and found.user is user and found.last_used_at is not None
    assert tokens.authenticate(made.secret[:-1] + ("A" if made.secret[-1] != "A" else "B")) \
        is None  # one character off
    assert tokens.authenticate(None) is None and tokens.authenticate("Bearer x") is None


def test_a_token_expires_and_a_revoked_one_stops_at_once(make_user) -> None:
    user = make_user()
    made = tokens.create_token(user, "desk tablet", days=1)
    assert (made.record.expires_at - made.record.created_at) == timedelta(days=1)
    made.record.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert tokens.authenticate(made.secret) is None
    assert tokens.active_tokens(user) == []
    other = tokens.create_token(user, "desk tablet")  # the name is free again
    assert tokens.authenticate(other.secret) is not None
    assert tokens.revoke_token(other.record) is True
    assert tokens.revoke_token(other.record) is False
    assert tokens.authenticate(other.secret) is None


def test_an_inactive_user_s_token_does_not_work(make_user) -> None:
    user = make_user("evaluator")
    made = tokens.create_token(user, "panels")
    user.active = False
    assert tokens.authenticate(made.secret) is None
    with pytest.raises(tokens.TokenError):
        tokens.create_token(user, "another")


@pytest.mark.parametrize(("name", "days"), [("", 90), ("x" * 65, 90), ("ok", 0), ("ok", 367)])
def test_a_token_needs_a_name_and_a_bounded_life(make_user, name, days) -> None:
    with pytest.raises(tokens.TokenError):
        tokens.create_token(make_user(), name, days)


def test_two_active_tokens_of_a_user_cannot_share_a_name(make_user) -> None:
    user = make_user()
    tokens.create_token(user, "sync")
    with pytest.raises(tokens.TokenError, match="already"):
        tokens.create_token(user, " sync ")


def test_creating_and_revoking_are_audited_without_the_secret(make_user) -> None:
    user = make_user("manager")
    made = tokens.create_token(user, "reports")
    tokens.revoke_token(made.record)
    db.session.flush()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "api_token")
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.entity_id, e.user_id) for e in events] == [
        ("create", made.record.id, user.id), ("revoke", made.record.id, user.id)]
    assert all(made.secret not in e.detail and made.record.prefix not in e.detail
               for e in events)


def test_last_use_is_written_only_every_few_minutes(make_user) -> None:
    made = tokens.create_token(make_user(), "sync")
    tokens.authenticate(made.secret)
    first = made.record.last_used_at
    tokens.authenticate(made.secret)
    assert made.record.last_used_at == first
    made.record.last_used_at = first - tokens.USED_EVERY
    tokens.authenticate(made.secret)
    assert made.record.last_used_at > first - tokens.USED_EVERY


def test_the_commands_create_list_and_revoke(app, make_user) -> None:
    user = make_user("supervisor", country="PK")
    db.session.commit()
    runner = app.test_cli_runner()
    made = runner.invoke(args=["mrc", "api-token", "create", "--username", user.username,
                               "--name", "dhis2", "--days", "30"])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert tokens.TOKEN.match(secret) and "not shown again" in made.stderr
    listed = runner.invoke(args=["mrc", "api-token", "list", "--username", user.username])
    assert secret not in listed.output and listed.stdout.rstrip().endswith("active")
    token_id = listed.stdout.split("\t")[0]
    revoked = runner.invoke(args=["mrc", "api-token", "revoke", token_id])
    assert revoked.exit_code == 0 and "revoked" in revoked.stderr
    assert tokens.authenticate(secret) is None
    refused = runner.invoke(args=["mrc", "api-token", "create", "--username", "nobody",
                                  "--name", "x"])
    assert refused.exit_code != 0 and "no user" in refused.output

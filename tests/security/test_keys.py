"""``mrc new-key`` and ``mrc rotate-keys``: keys come from configuration and can be rotated
without losing look-ups by phone."""

from __future__ import annotations

import base64
import sys

import pytest
from click.testing import Result
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from sqlalchemy import select

from mrc.audit.models import AuditEvent
from mrc.cases import services
from mrc.cases.models import Client, CounsellingSession
from mrc.extensions import db
from mrc.keys import KeyRing
from mrc.org.models import MRC
from mrc.privacy.encryption import new_key, parse_keys

PHONE = "0300 1234567"
E164 = "+923001234567"


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["mrc", *args])


def use_keys(app: Flask, monkeypatch: pytest.MonkeyPatch, raw: str) -> KeyRing:
    """Configure ``raw`` (as MRC_ENCRYPTION_KEY would) for the rest of the test."""
    ring = KeyRing(raw)
    monkeypatch.setitem(app.extensions, "mrc_keys", ring)
    return ring


def test_new_key_prints_a_key_the_configuration_accepts(app) -> None:
    result = run(app, "new-key")
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert parse_keys(f"{key},{new_key()}")[0] == key.encode()
    KeyRing(key).cipher.encrypt("x")  # usable as the primary key
    assert run(app, "new-key").stdout.strip() != key  # random every time


def test_new_key_needs_no_configuration(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    # The README runs `export MRC_ENCRYPTION_KEY=$(mrc new-key)` with MRC_ENV=production
    # already set: the command must not build the (still unsafe) application first.
    from mrc import cli

    monkeypatch.setenv("MRC_ENV", "production")
    monkeypatch.delenv("MRC_ENCRYPTION_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(sys, "argv", ["mrc", "new-key"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 0
    assert len(base64.urlsafe_b64decode(capsys.readouterr().out.strip())) == 32


def test_rotate_keys_reencrypts_and_phone_search_keeps_working(
        app, monkeypatch: pytest.MonkeyPatch, make_client) -> None:
    key_a, key_b = new_key(), new_key()
    ring_a = use_keys(app, monkeypatch, key_a)
    first = make_client("PK-ISB", phone=PHONE, sessions=2)
    second = make_client("AF-KBL", phone="0701234567", sessions=1)
    make_client("PK-ISB", phone=None, sessions=1)
    db.session.commit()
    sessions = list(db.session.scalars(select(CounsellingSession).where(
        CounsellingSession.client_id.in_([first.id, second.id]))))
    before = {"phones": {c.id: c.phone_enc for c in (first, second)},
              "indexes": {c.id: c.phone_index for c in (first, second)},
              "notes": {s.id: s.notes_enc for s in sessions}}
    assert first.phone_index == ring_a.phone_index(E164)

    use_keys(app, monkeypatch, f"{key_b},{key_a}")
    # Before rotation the blind index is searched under every key: look-ups still work.
    mrc_isb = db.session.get_one(MRC, first.mrc_id)
    assert [c.id for c in services.find_by_phone(select(Client), PHONE, mrc_isb)] == [first.id]

    result = run(app, "rotate-keys")
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 2 phone numbers and 4 session notes." in result.stdout
    db.session.expire_all()

    only_b = use_keys(app, monkeypatch, key_b)
    for c in (db.session.get_one(Client, first.id), db.session.get_one(Client, second.id)):
        assert c.phone_enc != before["phones"][c.id]
        assert c.phone_index != before["indexes"][c.id]
        assert services.decrypt_phone(c) in (E164, "+93701234567")
        with pytest.raises(InvalidToken):
            Fernet(key_a.encode()).decrypt(str(c.phone_enc).encode())
    for s in sessions:
        fresh = db.session.get_one(CounsellingSession, s.id)
        assert fresh.notes_enc != before["notes"][s.id]
        assert only_b.cipher.decrypt(str(fresh.notes_enc)) == "note"
    # The old key is gone from the configuration: look-up by phone still finds the client.
    assert [c.id for c in services.find_by_phone(select(Client), "+92 300 1234567", mrc_isb)] \
        == [first.id]

    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "rotate_keys")))
    assert len(events) == 1
    assert events[0].detail == "phones=2,notes=4"
    for text in (events[0].detail, events[0].entity, result.output):
        assert "1234567" not in text and "0701234567"[1:] not in text


def test_rotate_keys_twice_is_harmless(app, monkeypatch: pytest.MonkeyPatch, make_client) -> None:
    key = new_key()
    use_keys(app, monkeypatch, key)
    record = make_client("PK-ISB", phone=PHONE)
    db.session.commit()
    assert run(app, "rotate-keys").exit_code == 0
    assert run(app, "rotate-keys").exit_code == 0
    db.session.expire_all()
    assert services.decrypt_phone(db.session.get_one(Client, record.id)) == E164


def test_rotate_keys_without_the_old_key_changes_nothing(
        app, monkeypatch: pytest.MonkeyPatch, make_client) -> None:
    use_keys(app, monkeypatch, new_key())
    record = make_client("PK-ISB", phone=PHONE)
    db.session.commit()
    stored = record.phone_enc
    use_keys(app, monkeypatch, new_key())  # the old key was dropped too early
    result = run(app, "rotate-keys")
    assert result.exit_code == 1
    assert "none of the configured keys" in result.output
    assert "1234567" not in result.output
    db.session.expire_all()
    assert db.session.get_one(Client, record.id).phone_enc == stored
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "rotate_keys")).first() is None


def test_rotate_keys_reencrypts_panel_study_keys(app, monkeypatch: pytest.MonkeyPatch,
                                                 network, make_user) -> None:
    """A study's secret key survives rotation: after it, the study opens under the new key
    alone, so a re-export keeps giving the same person ids."""
    from datetime import UTC, date, datetime

    from mrc.panels import services as panels
    from mrc.panels.models import PanelStudy

    key_a, key_b = new_key(), new_key()
    ring_a = use_keys(app, monkeypatch, key_a)
    secret = bytes(range(32))
    study = PanelStudy(
        name="rotation", owner_id=make_user("evaluator", mrc=None).id,
        mrc_ids=[network["PK-ISB"].id], period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30), waves=[1],
        variables=["sex"], shape="long", formats=["csv"], date_mode="days", k=5,
        key_enc=ring_a.cipher.encrypt(secret.hex()), created_at=datetime.now(UTC))
    db.session.add(study)
    db.session.commit()
    before = study.key_enc

    use_keys(app, monkeypatch, f"{key_b},{key_a}")
    result = run(app, "rotate-keys")
    assert result.exit_code == 0, result.output
    assert "Re-encrypted the key of 1 panel study." in result.stdout
    db.session.expire_all()

    use_keys(app, monkeypatch, key_b)
    fresh = db.session.get_one(PanelStudy, study.id)
    assert fresh.key_enc != before
    assert panels.study_key(fresh) == secret

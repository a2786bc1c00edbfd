"""The encrypted parts of case records: phone numbers (with their blind index) and notes.

Reading them back, and re-encrypting them all under the primary key after a key rotation.
"""

from __future__ import annotations

from sqlalchemy import select

from mrc.audit import services as audit
from mrc.cases.models import Client, CounsellingSession
from mrc.extensions import db
from mrc.keys import keyring


def decrypt_phone(client: Client) -> str | None:
    """The client's phone number (E.164), None if none was given or it was erased."""
    return keyring().cipher.decrypt(client.phone_enc) if client.phone_enc else None


def decrypt_notes(session: CounsellingSession) -> str | None:
    """The session's notes, None if none were written or they were erased."""
    return keyring().cipher.decrypt(session.notes_enc) if session.notes_enc else None


def _rotate_phones(batch_size: int) -> int:
    ring = keyring()
    count = last_id = 0
    while True:
        clients = list(db.session.scalars(
            select(Client).where(Client.phone_enc.is_not(None), Client.id > last_id)
            .order_by(Client.id).limit(batch_size)))
        if not clients:
            return count
        for c in clients:
            e164 = ring.cipher.decrypt(str(c.phone_enc))
            c.phone_enc = ring.cipher.encrypt(e164)
            c.phone_index = ring.phone_index(e164)
            count += 1
        last_id = clients[-1].id
        db.session.flush()


def _rotate_notes(batch_size: int) -> int:
    ring = keyring()
    count = last_id = 0
    while True:
        sessions = list(db.session.scalars(
            select(CounsellingSession).where(CounsellingSession.notes_enc.is_not(None),
                                             CounsellingSession.id > last_id)
            .order_by(CounsellingSession.id).limit(batch_size)))
        if not sessions:
            return count
        for s in sessions:
            s.notes_enc = ring.cipher.rotate(str(s.notes_enc))
            count += 1
        last_id = sessions[-1].id
        db.session.flush()


def rotate_keys(batch_size: int = 1000) -> dict[str, int]:
    """Re-encrypt phone numbers and notes under the primary key and recompute blind
    indexes. Safe to run twice; the caller commits."""
    # In batches by id, flushing each: memory stays flat however many records there are.
    counts = {"phones": _rotate_phones(batch_size), "notes": _rotate_notes(batch_size)}
    audit.record("rotate_keys", "keys", None,
                 detail=f"phones={counts['phones']},notes={counts['notes']}")
    return counts

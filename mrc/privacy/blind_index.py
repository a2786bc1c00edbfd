"""Keyed blind index: find a client by phone number without storing the number readably.

The index is HMAC-SHA256 of the normalised (E.164) number under a key derived with HKDF
from an encryption key. Without the key the index reveals nothing a guessing attack on the
database alone could use; with key rotation, ``candidates`` gives the index under every
configured key so look-ups keep working before and after ``mrc rotate-keys``.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"mrc blind index v1"


def derive_index_key(encryption_key: bytes) -> bytes:
    """A key for the blind index, independent of the encryption key's use."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(encryption_key)


def blind_index(index_key: bytes, normalised_value: str) -> str:
    """Hex HMAC of the value (128 bits kept: enough to avoid collisions, short to index)."""
    mac = hmac.new(index_key, normalised_value.encode("utf-8"), hashlib.sha256)
    return mac.hexdigest()[:32]


def candidates(index_keys: list[bytes], normalised_value: str) -> list[str]:
    """The value's index under every key, primary first, for look-ups during rotation."""
    return [blind_index(k, normalised_value) for k in index_keys]

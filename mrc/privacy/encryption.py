"""Encryption at rest for contact data and notes, with rotatable keys.

Keys come from configuration as a comma-separated list of Fernet keys (url-safe base64 of
32 bytes). The first key encrypts; every key can decrypt, so a new key can be put first and
``mrc rotate-keys`` re-encrypts old data at leisure. Fernet is AES-128-CBC with an
HMAC-SHA256 tag: ciphertexts are authenticated, so tampering is detected, not decrypted.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class KeyConfigError(ValueError):
    """The configured key list is empty or holds a malformed key."""


def parse_keys(raw: str) -> list[bytes]:
    """Split and validate a comma-separated key list; the first is the primary key."""
    keys = [part.strip().encode() for part in raw.split(",") if part.strip()]
    if not keys:
        raise KeyConfigError("no encryption key configured")
    for key in keys:
        try:
            if len(base64.urlsafe_b64decode(key)) != 32:
                raise KeyConfigError("an encryption key is not 32 bytes")
        except (ValueError, TypeError) as exc:
            raise KeyConfigError("an encryption key is not url-safe base64") from exc
    return keys


def new_key() -> str:
    """A fresh random key in the configuration format."""
    return Fernet.generate_key().decode()


class Cipher:
    """Encrypts with the primary key, decrypts with any configured key."""

    def __init__(self, keys: list[bytes]):
        self._keys = keys
        self._multi = MultiFernet([Fernet(k) for k in keys])

    @property
    def primary_key(self) -> bytes:
        return self._keys[0]

    @property
    def keys(self) -> list[bytes]:
        return list(self._keys)

    def encrypt(self, plaintext: str) -> str:
        return self._multi.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Plaintext of ``token``; raises InvalidToken if no configured key opens it."""
        return self._multi.decrypt(token.encode("ascii")).decode("utf-8")

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` under the primary key (same plaintext)."""
        return self._multi.rotate(token.encode("ascii")).decode("ascii")


__all__ = ["Cipher", "InvalidToken", "KeyConfigError", "new_key", "parse_keys"]

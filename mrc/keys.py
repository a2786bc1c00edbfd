"""The application's cipher and blind-index keys, built once per app from configuration."""

from __future__ import annotations

from flask import Flask, current_app

from mrc.privacy.blind_index import candidates, derive_index_key
from mrc.privacy.encryption import Cipher, parse_keys


class KeyRing:
    def __init__(self, raw_keys: str):
        keys = parse_keys(raw_keys)
        self.cipher = Cipher(keys)
        self.index_keys = [derive_index_key(k) for k in keys]

    def phone_index(self, e164: str) -> str:
        """Blind index under the primary key (what is stored)."""
        return candidates(self.index_keys[:1], e164)[0]

    def phone_index_candidates(self, e164: str) -> list[str]:
        """Blind index under every configured key (what a look-up searches)."""
        return candidates(self.index_keys, e164)


def init_app(app: Flask) -> None:
    app.extensions["mrc_keys"] = KeyRing(app.config["MRC_ENCRYPTION_KEYS"])


def keyring() -> KeyRing:
    ring: KeyRing = current_app.extensions["mrc_keys"]
    return ring

"""Keyed pseudonyms for evaluator panels: one fresh identifier space per study.

A panel's person id is HMAC-SHA256 of the client's internal id under a secret key that
belongs to one study, cut to 64 bits and written as 16 lowercase hex characters.

Guarantees:

- *stable*: the same key and id always give the same pseudonym, so a re-export of a study
  (with its stored key) gives the same panel ids;
- *unlinkable*: without the key a pseudonym says nothing about the id, and pseudonyms of
  the same client under two studies' keys are unrelated (HMAC is a pseudo-random function),
  so two studies' panels cannot be joined on their ids;
- *collision-free in practice*: 64 bits give a birthday-collision chance of about 3e-8 for
  a million persons.

The key never leaves the system with the panel; losing it only means a later re-export of
the study gets new ids.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import overload

import numpy as np
import numpy.typing as npt

KEY_BYTES = 32
MIN_KEY_BYTES = 16
PSEUDONYM_LENGTH = 16  # hex characters: 64 bits
# Domain separation: the same key used elsewhere (it should not be) gives other values.
_CONTEXT = b"mrc panel pseudonym v1\x00"
_BLOCK = 64  # SHA-256 block size, for the HMAC pads
_MAX_ID = 2**63 - 1


def new_study_key() -> bytes:
    """A fresh random per-study key (32 bytes) to store with the study, never exported."""
    return secrets.token_bytes(KEY_BYTES)


def _check_key(study_key: bytes) -> None:
    if not isinstance(study_key, bytes | bytearray) or len(study_key) < MIN_KEY_BYTES:
        raise ValueError(f"a study key must be at least {MIN_KEY_BYTES} random bytes")


def _message(client_id: int) -> bytes:
    return _CONTEXT + client_id.to_bytes(8, "big")


def pseudonym(study_key: bytes, client_id: int) -> str:
    """The pseudonym of one client id (a non-negative integer) under a study key.

    This is the reference definition; :func:`pseudonyms` computes the same values in bulk.
    """
    _check_key(study_key)
    if isinstance(client_id, bool) or not isinstance(client_id, int | np.integer):
        raise TypeError("a client id must be an integer")
    value = int(client_id)
    if not 0 <= value <= _MAX_ID:
        raise ValueError("a client id must be a non-negative 63-bit integer")
    mac = hmac.new(bytes(study_key), _message(value), hashlib.sha256)
    return mac.hexdigest()[:PSEUDONYM_LENGTH]


def _as_id_array(ids: Sequence[int] | npt.NDArray[np.integer]) -> npt.NDArray[np.int64]:
    array = np.asarray(ids)
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.ndim != 1:
        raise ValueError("client ids must be a one-dimensional sequence")
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise TypeError("client ids must be integers")
    if array.dtype == np.uint64 and int(array.max()) > _MAX_ID:
        raise ValueError("a client id must be a non-negative 63-bit integer")
    result = array.astype(np.int64, copy=False)
    if int(result.min()) < 0:
        raise ValueError("a client id must be a non-negative 63-bit integer")
    return result


def _macs(study_key: bytes, unique_ids: npt.NDArray[np.int64]) -> bytes:
    """Concatenated truncated HMAC-SHA256 of every id (8 bytes each).

    HMAC is computed by hand from SHA-256 states that have already absorbed the padded
    key (RFC 2104): copying a hashed state is several times faster than ``hmac.new`` per
    id, and ``pseudonym`` (plain ``hmac``) pins the result in the tests.
    """
    key = bytes(study_key)
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\x00")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + _CONTEXT)
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    packed = unique_ids.astype(">u8").tobytes()
    inner_copy, outer_copy = inner.copy, outer.copy
    parts: list[bytes] = []
    append = parts.append
    # One C-level hash per id is unavoidable without a vectorised SHA-256; this loop runs
    # once per distinct id (a panel's rows share their person's id).
    for start in range(0, len(packed), 8):
        h = inner_copy()
        h.update(packed[start:start + 8])
        o = outer_copy()
        o.update(h.digest())
        append(o.digest()[:8])
    return b"".join(parts)


@overload
def pseudonyms(study_key: bytes, ids: npt.NDArray[np.integer]) -> npt.NDArray[np.object_]: ...


@overload
def pseudonyms(study_key: bytes, ids: Sequence[int]) -> list[str]: ...


def pseudonyms(
    study_key: bytes, ids: Sequence[int] | npt.NDArray[np.integer]
) -> list[str] | npt.NDArray[np.object_]:
    """Pseudonyms of many client ids, equal element by element to :func:`pseudonym`.

    A NumPy array gives an object array of ``str`` (ready for a pandas column); any other
    sequence gives a list. Each distinct id is hashed once, so a long-format panel
    (one row per person and wave) costs one HMAC per person.
    """
    _check_key(study_key)
    array = _as_id_array(ids)
    unique_ids, inverse = np.unique(array, return_inverse=True)
    hex_text = _macs(study_key, unique_ids).hex().encode("ascii")
    unique_codes = np.frombuffer(hex_text, dtype=f"S{PSEUDONYM_LENGTH}")
    codes: npt.NDArray[np.object_] = (
        unique_codes.astype(f"U{PSEUDONYM_LENGTH}").astype(object)[inverse.reshape(-1)]
    )
    if isinstance(ids, np.ndarray):
        return codes
    return list(codes)

"""Keyed study pseudonyms: stable per key, unlinkable across keys, collision-free."""

from __future__ import annotations

import hashlib
import hmac
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mrc.privacy.pseudonyms import (
    KEY_BYTES,
    PSEUDONYM_LENGTH,
    new_study_key,
    pseudonym,
    pseudonyms,
)

KEY = bytes(range(32))
HEX16 = re.compile(r"^[0-9a-f]{16}$")
keys = st.binary(min_size=16, max_size=100)  # > 64 bytes exercises HMAC's key hashing
client_ids = st.integers(min_value=0, max_value=2**63 - 1)


def reference(key: bytes, client_id: int) -> str:
    """HMAC-SHA256 straight from the standard library, as the module documents it."""
    message = b"mrc panel pseudonym v1\x00" + client_id.to_bytes(8, "big")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def test_new_study_key_is_random_and_long_enough() -> None:
    first, second = new_study_key(), new_study_key()
    assert len(first) == KEY_BYTES == 32
    assert first != second


def test_pseudonym_is_short_lowercase_hex_and_matches_hmac() -> None:
    value = pseudonym(KEY, 42)
    assert HEX16.match(value)
    assert len(value) == PSEUDONYM_LENGTH
    assert value == reference(KEY, 42)
    assert value != pseudonym(KEY, 43)


@given(key=keys, client_id=client_ids)
def test_pseudonym_is_deterministic_per_key(key: bytes, client_id: int) -> None:
    assert pseudonym(key, client_id) == pseudonym(bytes(key), client_id)
    assert pseudonym(key, client_id) == reference(key, client_id)


@given(key=keys, ids=st.lists(client_ids, max_size=50))
def test_vectorised_equals_scalar(key: bytes, ids: list[int]) -> None:
    expected = [pseudonym(key, i) for i in ids]
    assert pseudonyms(key, ids) == expected
    array = np.array(ids, dtype=np.int64)
    result = pseudonyms(key, array)
    assert isinstance(result, np.ndarray)
    assert result.tolist() == expected


def test_array_in_gives_object_array_out_list_in_gives_list_out() -> None:
    out = pseudonyms(KEY, np.array([3, 1, 3], dtype=np.int32))
    assert isinstance(out, np.ndarray) and out.dtype == object
    assert isinstance(out[0], str)
    assert out[0] == out[2] != out[1]
    listed = pseudonyms(KEY, [3, 1, 3])
    assert isinstance(listed, list) and listed == out.tolist()
    assert pseudonyms(KEY, []) == []
    assert pseudonyms(KEY, np.array([], dtype=np.int64)).shape == (0,)


def test_re_export_gives_the_same_ids_in_any_order() -> None:
    ids = np.arange(1000, 2000)
    shuffled = np.random.default_rng(3).permutation(ids)
    first = dict(zip(ids.tolist(), pseudonyms(KEY, ids), strict=True))
    again = dict(zip(shuffled.tolist(), pseudonyms(KEY, shuffled), strict=True))
    assert first == again


def test_two_studies_cannot_be_linked() -> None:
    ids = np.arange(20_000)
    study_a = pseudonyms(new_study_key(), ids)
    study_b = pseudonyms(new_study_key(), ids)
    assert not np.any(study_a == study_b)
    # Not only per client: no pseudonym of one study appears anywhere in the other.
    assert not set(study_a) & set(study_b)


@given(first=keys, second=keys, client_id=client_ids)
@settings(max_examples=50)
def test_different_keys_give_different_pseudonyms(first: bytes, second: bytes,
                                                  client_id: int) -> None:
    if first != second:
        assert pseudonym(first, client_id) != pseudonym(second, client_id)


def test_no_collisions_in_a_million_ids() -> None:
    ids = np.arange(1_000_000, dtype=np.int64) * 7 + 123_456
    values = pseudonyms(new_study_key(), ids)
    assert len(values) == 1_000_000
    assert len(set(values)) == 1_000_000
    assert all(HEX16.match(v) for v in values[:1000])


@pytest.mark.parametrize("key", [b"", b"short", b"x" * 15, "a string key of 32 characters!!"])
def test_short_or_non_bytes_keys_are_refused(key: object) -> None:
    with pytest.raises(ValueError):
        pseudonym(key, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        pseudonyms(key, [1])  # type: ignore[call-overload]


def test_ids_must_be_non_negative_integers() -> None:
    with pytest.raises(ValueError):
        pseudonym(KEY, -1)
    with pytest.raises(ValueError):
        pseudonym(KEY, 2**63)
    with pytest.raises(TypeError):
        pseudonym(KEY, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pseudonym(KEY, True)
    with pytest.raises(ValueError):
        pseudonyms(KEY, [1, -2])
    with pytest.raises(TypeError):
        pseudonyms(KEY, np.array([1.5, 2.0]))
    with pytest.raises(TypeError):
        pseudonyms(KEY, np.array([True, False]))
    with pytest.raises(ValueError):
        pseudonyms(KEY, np.array([2**64 - 1], dtype=np.uint64))

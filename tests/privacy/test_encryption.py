"""Encryption at rest and the blind index (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mrc.privacy.blind_index import blind_index, candidates, derive_index_key
from mrc.privacy.encryption import Cipher, InvalidToken, KeyConfigError, new_key, parse_keys

KEY_A, KEY_B = new_key(), new_key()
A = Cipher(parse_keys(KEY_A))
B_THEN_A = Cipher(parse_keys(f"{KEY_B},{KEY_A}"))
B = Cipher(parse_keys(KEY_B))


@settings(max_examples=50)
@given(st.text())
def test_round_trip_and_plaintext_hidden(text: str) -> None:
    token = A.encrypt(text)
    assert A.decrypt(token) == text
    assert token.isascii()
    if len(text) >= 4:
        assert text not in token
    assert A.encrypt(text) != token  # random IV: equal values do not look equal


@settings(max_examples=25)
@given(st.text())
def test_other_keys_cannot_decrypt(text: str) -> None:
    with pytest.raises(InvalidToken):
        B.decrypt(A.encrypt(text))


@settings(max_examples=25)
@given(st.text(min_size=1), st.integers(min_value=0), st.sampled_from("ABCDEFGHabcdefgh"))
def test_tampering_is_detected(text: str, where: int, replacement: str) -> None:
    token = A.encrypt(text)
    position = 10 + where % (len(token) - 20)  # inside the signed body, not the padding
    tampered = token[:position] + replacement + token[position + 1:]
    if tampered != token:
        with pytest.raises(InvalidToken):
            A.decrypt(tampered)


@settings(max_examples=25)
@given(st.text())
def test_rotation_moves_data_to_the_new_key(text: str) -> None:
    old = A.encrypt(text)
    assert B_THEN_A.decrypt(old) == text  # both keys configured: old data still opens
    rotated = B_THEN_A.rotate(old)
    assert B.decrypt(rotated) == text  # after rotation the old key can go
    with pytest.raises(InvalidToken):
        A.decrypt(rotated)


@pytest.mark.parametrize("raw", ["", " , ", "short", "not base64!!", KEY_A[:-4]])
def test_malformed_key_lists_are_refused(raw: str) -> None:
    with pytest.raises(KeyConfigError):
        parse_keys(raw)


def test_key_list_order_and_spaces() -> None:
    assert parse_keys(f" {KEY_B} , {KEY_A} ") == [KEY_B.encode(), KEY_A.encode()]


INDEX_A = derive_index_key(KEY_A.encode())
INDEX_B = derive_index_key(KEY_B.encode())
E164 = st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True)


@given(E164)
def test_blind_index_is_deterministic_and_key_dependent(number: str) -> None:
    value = blind_index(INDEX_A, number)
    assert value == blind_index(INDEX_A, number)
    assert len(value) == 32 and int(value, 16) >= 0
    assert value != blind_index(INDEX_B, number)
    assert number[1:] not in value
    assert candidates([INDEX_B, INDEX_A], number) == [blind_index(INDEX_B, number), value]


@given(E164, E164)
def test_different_numbers_have_different_indexes(first: str, second: str) -> None:
    if first != second:
        assert blind_index(INDEX_A, first) != blind_index(INDEX_A, second)


def test_index_key_is_not_the_encryption_key() -> None:
    assert KEY_A.encode() != INDEX_A and len(INDEX_A) == 32
    assert derive_index_key(KEY_A.encode()) == INDEX_A

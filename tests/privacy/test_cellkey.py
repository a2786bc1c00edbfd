"""The cell key method's perturbation table: unbiased, bounded, never a small value, and
the same cell always gets the same value."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from mrc.privacy import cellkey
from mrc.privacy.cellkey import KEY_MODULUS, PerturbationTable, cell_key, perturbation_table

SETTINGS = [(3, 1), (5, 1), (5, 2), (5, 3), (10, 3), (5, 12)]


@pytest.mark.parametrize(("threshold", "max_noise"), SETTINGS)
def test_every_row_is_an_unbiased_distribution_that_never_publishes_a_small_value(
        threshold: int, max_noise: int) -> None:
    table = PerturbationTable(threshold, max_noise)
    for n in range(3 * threshold + 2 * max_noise):
        row = table.row(n)
        values = [v for v, _ in row]
        assert sum(p for _, p in row) == 1, n
        assert sum(v * p for v, p in row) == n, n
        assert all(p > 0 for _, p in row) and values == sorted(set(values)), n
        assert not [v for v in values if 0 < v < threshold], n
        if n == 0:
            assert row == ((0, Fraction(1)),)
        elif n < threshold:
            assert values == [0, threshold]
        else:
            moved = [v for v in values if v and abs(v - n) > max_noise]
            assert not moved, n
            # a rare 0 below threshold + max_noise, so a published 0 says little
            assert (0 in values) == (n < threshold + max_noise), n


@pytest.mark.parametrize(("threshold", "max_noise"), SETTINGS)
def test_no_published_value_narrows_a_small_count_below_the_threshold(
        threshold: int, max_noise: int) -> None:
    table = PerturbationTable(threshold, max_noise)
    from_small = {v for n in range(1, threshold) for v, _ in table.row(n)}
    assert from_small == {0, threshold}
    for value in from_small:
        preimage = table.preimage(value)
        assert preimage is not None
        low, high = preimage
        assert high - low >= threshold, (value, preimage)
    assert table.preimage(0) == (0, threshold + max_noise - 1)
    assert all(table.preimage(v) is None for v in range(1, threshold))


def test_rows_above_the_threshold_are_the_same_noise_shifted() -> None:
    table = perturbation_table(5, 2, Fraction(1, 2))
    for n in range(5, 60):
        assert table.row(n) == cellkey._row(n, 5, 2, Fraction(1, 2)), n
    noise = [(v - 40, p) for v, p in table.row(40)]
    assert noise == [(-2, Fraction(1, 10)), (-1, Fraction(1, 5)), (0, Fraction(2, 5)),
                     (1, Fraction(1, 5)), (2, Fraction(1, 10))]


def test_the_default_noise_is_small_and_its_bound_almost_never_reached() -> None:
    row = perturbation_table().row(100)
    variance = sum(p * (v - 100) ** 2 for v, p in row)
    assert 1.4 < variance < 1.6  # standard deviation about 1.2
    far = sum(p for v, p in row if abs(v - 100) >= 9)
    assert far < Fraction(1, 10_000)
    assert {v - 100 for v, _ in row} == set(range(-12, 13))


def test_the_cell_key_picks_the_value_by_the_cumulative_distribution() -> None:
    table = perturbation_table(5, 2)
    # Row 2 is 0 with probability 3/5, then 5: keys below 3/5 of the modulus publish 0.
    boundary = KEY_MODULUS * 3 // 5
    assert table.publish(2, boundary - 1) == 0
    assert table.publish(2, boundary + 1) == 5
    assert table.publish(2, boundary + 1 + 7 * KEY_MODULUS) == 5  # only the sum mod counts
    assert table.publish(0, 123_456) == 0
    assert cell_key(KEY_MODULUS + 1) == Fraction(1, KEY_MODULUS)


def test_the_same_records_always_give_the_same_value_and_keys_add_up() -> None:
    table = perturbation_table()
    rng = random.Random(11)
    keys = [rng.randrange(KEY_MODULUS) for _ in range(37)]
    first = table.publish(len(keys), sum(keys))
    assert all(table.publish(len(keys), sum(rng.sample(keys, len(keys)))) == first
               for _ in range(20))
    # A cell made of two summary rows: the sum of their key sums is the cell's key sum.
    left, right = keys[:20], keys[20:]
    assert table.publish(37, sum(left) + sum(right)) == first


def test_with_random_record_keys_values_follow_the_row_probabilities() -> None:
    table = perturbation_table()
    rng = random.Random(5)
    draws = 20_000
    for n in (1, 4, 5, 6, 30):
        seen: dict[int, int] = {}
        for _ in range(draws):
            key_sum = sum(rng.randrange(KEY_MODULUS) for _ in range(n))
            value = table.publish(n, key_sum)
            seen[value] = seen.get(value, 0) + 1
        row = dict(table.row(n))
        assert set(seen) <= set(row), n
        for value, probability in row.items():
            assert abs(seen.get(value, 0) / draws - float(probability)) < 0.015, (n, value)
        assert abs(sum(v * c for v, c in seen.items()) / draws - n) < 0.1, n


def test_record_keys_are_in_range_and_bad_settings_or_counts_are_refused() -> None:
    assert all(0 <= cellkey.new_record_key() < KEY_MODULUS for _ in range(100))
    with pytest.raises(ValueError, match="threshold"):
        PerturbationTable(1, 2)
    with pytest.raises(ValueError, match="max_noise"):
        PerturbationTable(5, 0)
    with pytest.raises(ValueError, match="decay"):
        PerturbationTable(5, 2, Fraction(1))
    with pytest.raises(ValueError, match="negative"):
        perturbation_table().row(-1)


def _reference(table: PerturbationTable, count: int, key_sum: int) -> int:
    """Publishing by the definition, in exact fractions."""
    cumulative = Fraction(0)
    for value, probability in table.row(count):
        cumulative += probability
        if cell_key(key_sum) < cumulative:
            return value
    raise AssertionError("probabilities do not add up to 1")


def test_the_integer_search_publishes_what_the_definition_says() -> None:
    table = perturbation_table()
    rng = random.Random(3)
    for count in range(1, 40):
        keys = [rng.randrange(KEY_MODULUS * 50) for _ in range(200)]
        cumulative = Fraction(0)
        for _, probability in table.row(count):  # both sides of every boundary
            cumulative += probability
            edge = int(cumulative * KEY_MODULUS)
            keys += [edge - 1, edge, edge + 1]
        for key in keys:
            if key >= 0:
                assert table.publish(count, key) == _reference(table, count, key), (count, key)


def test_a_secret_scrambles_the_cell_key_uniformly_and_consistently() -> None:
    rng = random.Random(7)  # noqa: S311 -- test data
    sums = [rng.randrange(10**12) for _ in range(20_000)]
    keys = [cellkey.scrambled(s, b"one secret") for s in sums]
    assert keys == [cellkey.scrambled(s, b"one secret") for s in sums]  # the same cells
    assert all(0 <= k < KEY_MODULUS for k in keys)
    assert cellkey.scrambled(5, b"one secret") == cellkey.scrambled(5 + KEY_MODULUS, b"one secret")
    # Uniform: every tenth of the range holds about a tenth of the cells.
    tenths = [0] * 10
    for k in keys:
        tenths[k * 10 // KEY_MODULUS] += 1
    assert all(1800 < n < 2200 for n in tenths), tenths
    other = [cellkey.scrambled(s, b"another secret") for s in sums]
    assert sum(a == b for a, b in zip(keys, other, strict=True)) < 5
    # Published values follow the scrambled keys: without the secret, the record keys alone
    # do not tell which value a cell gets.
    counts = [7] * len(sums)
    with_secret = cellkey.perturb(counts, sums, 5, b"one secret")
    table = perturbation_table(5)
    assert with_secret == [table.publish(7, k) for k in keys]
    assert with_secret != cellkey.perturb(counts, sums, 5)

"""A table's previous pattern, offered again for its next version (``suppress(previous=)``):
kept when the sensitive cells are the same and it is still safe, repaired when the new
numbers make it unsafe, never reused when the sensitive cells differ."""

from __future__ import annotations

import pytest

from mrc.privacy import suppression
from mrc.privacy.suppression import Pattern, Table, suppress
from mrc.privacy.suppression_audit import assert_safe, unsafe_cells

OLD = [[1, 8, 9], [7, 6, 12], [10, 3, 20]]


def changed(**cells: int) -> list[list[int]]:
    rows = [list(r) for r in OLD]
    for name, value in cells.items():
        r, c = int(name[1]), int(name[2])
        rows[r][c] = value
    return rows


def no_mip(*_args: object) -> None:
    raise AssertionError("the MIP ran although the previous pattern fits")


def test_previous_pattern_is_kept_for_new_numbers_with_the_same_small_cells(monkeypatch) -> None:
    first = suppress(Table.from_2d(OLD))
    assert first.method == "mip-optimal"
    table = Table.from_2d(changed(c12=13, c00=2))  # one more session in two cells
    monkeypatch.setattr(suppression, "mip_pattern", no_mip)
    again = suppress(table, previous=Pattern.of(first))
    assert again.method == "previous pattern"
    assert again.suppressed == first.suppressed
    assert_safe(table, again.suppressed, 5)


def test_previous_pattern_made_unsafe_by_the_new_numbers_is_repaired() -> None:
    first = suppress(Table.from_2d(OLD))
    # The complementary 8 was corrected to 0: a hidden zero cannot move down, so the
    # rectangle no longer hides the 1 (its interval shrinks to [0, 1]).
    table = Table.from_2d(changed(c01=0))
    assert unsafe_cells(table, first.suppressed, 5)
    again = suppress(table, previous=Pattern.of(first))
    assert again.method == "previous pattern + repair"
    assert all(a or not b for a, b in zip(again.suppressed, first.suppressed, strict=True))
    assert_safe(table, again.suppressed, 5)


@pytest.mark.parametrize("rows", [changed(c00=5), changed(c11=4)])
def test_previous_pattern_is_not_reused_when_the_small_cells_differ(rows) -> None:
    first = suppress(Table.from_2d(OLD))
    table = Table.from_2d(rows)
    again = suppress(table, previous=Pattern.of(first))
    assert not again.method.startswith("previous")
    assert again == suppress(table)  # exactly what a fresh search gives
    assert_safe(table, again.suppressed, 5)


def test_a_pattern_of_another_shape_is_ignored() -> None:
    first = suppress(Table.from_2d(OLD))
    table = Table.from_1d([1, 8, 9])
    assert suppress(table, previous=Pattern.of(first)) == suppress(table)

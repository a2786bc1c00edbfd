"""A table's cells as HTML (mrc/aggregates/cells.py): the markup the dashboard macro had."""

from __future__ import annotations

from mrc.aggregates.cells import row_cells
from mrc.aggregates.numbers import formatter
from mrc.aggregates.tables import PublishedTable, Row


def table(highlight: list[list[bool]]) -> PublishedTable:
    return PublishedTable("t", "T", "count", [Row("", "All", 0), Row("PK", "Pakistan", 2)],
                          [("a", "A"), ("", "Total")], [[1234, None], [None, 7]],
                          [[False, False], [True, False]], highlight=highlight)


def test_cells_are_numbers_in_the_readers_digits_x_for_hidden_and_a_dash_for_undefined():
    rows = row_cells(table([]), formatter("ar", "arab"))
    assert rows == ["<td><bdi>١٬٢٣٤</bdi></td><td><bdi>–</bdi></td>",
                    '<td class="suppressed"><bdi>x</bdi></td><td><bdi>٧</bdi></td>']


def test_a_highlighted_cell_is_marked_and_text_is_escaped():
    rows = row_cells(table([[True, False], [False, True]]), lambda v: f"<{v}>")
    assert rows[0].startswith('<td class="highlight"><bdi>&lt;1234&gt;</bdi></td>')
    assert rows[1].endswith('<td class="highlight"><bdi>&lt;7&gt;</bdi></td>')


def test_the_shared_cache_keeps_languages_digits_and_signs_apart():
    latin, arab = formatter("ar", "latn"), formatter("ar", "arab")
    assert (latin(1234), arab(1234), latin(1234)) == ("1,234", "١٬٢٣٤", "1,234")
    assert formatter("en", "latn", signed=True)(4.5) == "+4.5"

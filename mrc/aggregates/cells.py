"""A published table's cells as HTML, one string per row, built in one pass (issue #16).

The dashboard has thousands of cells; a Jinja macro per cell cost more than everything
else in its template. The markup is the macro's, unchanged: one ``<td>`` per cell, its
``<bdi>`` keeping a signed number whole in right-to-left text, ``x`` for a suppressed cell
(the table points at the legend), ``–`` for a rate over zero."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

from mrc.aggregates.tables import PublishedTable

SUPPRESSED = '<td class="suppressed"><bdi>x</bdi></td>'
UNDEFINED = "<td><bdi>–</bdi></td>"


def row_cells(table: PublishedTable, number: Callable[[float | int | None], str]) -> list[Markup]:
    """Each row's ``<td>`` cells, in the reader's digits (``number``)."""
    out = []
    for r, values in enumerate(table.cells):
        hidden = table.suppressed[r]
        marked = table.highlight[r] if table.highlight else None
        parts = []
        for c, value in enumerate(values):
            if hidden[c]:
                parts.append(SUPPRESSED)
            elif value is None:
                parts.append(UNDEFINED)
            else:
                css = ' class="highlight"' if marked and marked[c] else ""
                parts.append(f"<td{css}><bdi>{escape(number(value))}</bdi></td>")
        out.append(Markup("".join(parts)))  # noqa: S704 -- fixed markup, values escaped
    return out

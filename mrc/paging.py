"""Counting rows for a pager, only as far as the pager needs.

A list that can grow with the database (an MRC's clients, its due follow-ups) counts its
rows up to a cap: ``SELECT count(*) FROM (… LIMIT cap + 1)`` stops reading once it has seen
more than the cap, so the count costs the same at 3,000 and at 300,000 clients. The page
then says "more than N" and offers the pages up to the cap.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import QueryableAttribute

from mrc.extensions import db


def capped_count(query: Select[Any], column: QueryableAttribute[Any], cap: int) -> tuple[int, bool]:
    """(rows of ``query``, at most ``cap``; whether there are more than ``cap``)."""
    limited = query.with_only_columns(column).limit(cap + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(limited)) or 0
    return min(total, cap), total > cap


def page_count(total: int, per_page: int) -> int:
    """Pages of ``per_page`` rows that ``total`` rows fill (one, when there are none)."""
    return max(ceil(total / per_page), 1)

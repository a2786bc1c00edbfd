"""Every scope a supervisor can hold, and which MRCs each row of its tables covers: for the
attacks on everything published (tests) and the utility benchmark."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from mrc.aggregates.hierarchy import org
from mrc.extensions import db
from mrc.org.models import MRC, Country, Region

LEVELS = ("MRC", "country", "region", "network")


def scopes_by_level() -> Iterator[tuple[str, list[int]]]:
    """Each MRC, each country, each region and the whole network (as MRC ids), with its
    level (a country of one MRC is that MRC, and so on up: the finest level first)."""
    rows = db.session.execute(select(MRC.id, Country.id, Region.id)
                              .join(Country, Country.id == MRC.country_id)
                              .join(Region, Region.id == Country.region_id)).all()
    seen: set[tuple[int, ...]] = set()
    for level, name in enumerate(LEVELS):
        groups: dict[int, list[int]] = {}
        for row in rows:
            groups.setdefault(row[level] if level < 3 else 0, []).append(row[0])
        for ids in (sorted(g) for g in groups.values()):
            if tuple(ids) not in seen:
                seen.add(tuple(ids))
                yield name, ids


def scopes() -> Iterator[list[int]]:
    """Every distinct scope, from single MRCs up to the whole network."""
    return (ids for _level, ids in scopes_by_level())


def row_mrcs(mrc_ids: list[int]) -> dict[str, list[int]]:
    """The MRCs under each row key of a table of this scope."""
    out: dict[str, list[int]] = {"": list(mrc_ids)}
    for mrc_id, code, _n, c_code, _cn, r_code, _rn in org(mrc_ids).mrcs:
        for key in (code, c_code, r_code):
            out.setdefault(key, []).append(mrc_id)
    return out

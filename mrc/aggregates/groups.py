"""The dashboard's declared groups (:mod:`mrc.aggregates.indicators`) counted for one request.

A :class:`Group` is one set of arithmetically linked blocks with raw counts by (MRC,
value), read from the summary tables; :mod:`mrc.aggregates.services` protects and publishes
it. With the cell key method (``MRC_DISCLOSURE_METHOD=cellkey``, docs/disclosure.md) each
block also carries the key sums of the same cells, derived with the same arithmetic (key
sums add up like the counts, so a block ``total - parts`` has the key sum of exactly its
records).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _

from mrc.aggregates.breakdowns import BREAKDOWNS, OUTREACH_DIMS
from mrc.aggregates.hierarchy import Counts, Layout
from mrc.aggregates.indicators import (
    BY_MRC,
    Axis,
    Clients,
    GroupSpec,
    Measure,
    Rest,
    Source,
    Sum,
)
from mrc.aggregates.models import OutreachMonth
from mrc.aggregates.reader import Reader
from mrc.aggregates.sources import MEASURES
from mrc.aggregates.tables import Row


@dataclass
class Block:
    key: str
    title: str
    counts: Counts
    published: bool = True
    keys: Counts | None = None  # key sums of the same cells (cell key method), if any


@dataclass
class Group:
    """Blocks with the same layout; ``links`` say block = sum of blocks, cell by cell."""

    blocks: list[Block]
    links: list[tuple[str, list[str]]] = field(default_factory=list)
    rates: list[tuple[str, str, str, str]] = field(default_factory=list)  # key, title, num, den
    means: list[tuple[str, str, str, Counts]] = field(default_factory=list)  # key, title, den, sums
    note: str = ""

    @property
    def keyed(self) -> bool:
        """Every block has key sums: the group can be published with the cell key method."""
        return all(b.keys is not None for b in self.blocks)


def _derive(spec: GroupSpec, read: Callable[[Source], Counts | None]) -> dict[str, Counts | None]:
    """Every block's cells: read, then the sums and rests in declaration order (``None``
    in, ``None`` out: a block without key sums makes its derived blocks keyless too)."""
    found: dict[str, Counts | None] = {}
    for b in spec.blocks:
        if not isinstance(b.source, Sum | Rest):
            found[b.key] = read(b.source)
    for b in spec.blocks:
        if isinstance(b.source, Sum):
            parts = [found[p] for p in b.source.parts]
            found[b.key] = (None if any(p is None for p in parts) else
                            {k: sum(p.get(k, 0) for p in parts if p is not None)
                             for k in set().union(*[p for p in parts if p is not None])})
        elif isinstance(b.source, Rest):
            total, rest = found[b.source.total], [found[p] for p in b.source.parts]
            found[b.key] = (None if total is None or any(p is None for p in rest) else
                            {k: total[k] - sum(p.get(k, 0) for p in rest if p is not None)
                             for k in total})
    return found


@dataclass
class Request:
    """One ``indicator_tables`` call: turns the declared groups into counted groups."""

    read: Reader
    breakdown: str
    rows: list[Row]
    leaves: list[list[int]]
    depth: int
    keyed: bool = False  # also read the key sums (cell key method)
    layouts: dict[Axis, Layout] = field(default_factory=dict)

    def _by(self, axis: Axis) -> bool:
        return self.breakdown in axis.dims

    def layout(self, axis: Axis) -> Layout:
        axis = axis if self._by(axis) else BY_MRC
        if axis not in self.layouts:
            cols, other = axis.columns(self.breakdown, self.read) if axis.dims else ([], [])
            self.layouts[axis] = Layout(self.rows, self.leaves, cols, self.depth,
                                        self.read.scope, other)
        return self.layouts[axis]

    def note(self, axis: Axis) -> str:
        if self._by(axis) or self.breakdown in ("mrc", "country"):
            return ""
        label = str(BREAKDOWNS[self.breakdown])
        return _("Not available by %(dim)s: shown by MRC.", dim=label.lower())

    def read_source(self, source: Source, dim: str) -> Counts:
        if isinstance(source, Clients):
            return self.read.clients(dim)[1 if source.returning else 0]
        if not isinstance(source, Measure):
            raise TypeError(f"{source!r} is derived from other blocks, not read")
        if source.model is OutreachMonth:
            # Every outreach group reads from one query, by MRC and by the breakdown at once.
            dims = ("all", self.breakdown) if self.breakdown in OUTREACH_DIMS else ("all",)
            return self.read.measures(OutreachMonth, dims)[(dim, source.name)]
        return self.read.counts(source.model, dim, source.name)

    def read_keys(self, source: Source, dim: str) -> Counts | None:
        """The key sums of a read block's cells, or ``None`` for counts that have none
        (outreach, leaflets: events and materials, not people on record)."""
        if isinstance(source, Clients):
            return self.read.clients(dim, keys=True)[1 if source.returning else 0]
        if isinstance(source, Measure) and f"{source.name}_key" in MEASURES[source.model]:
            return self.read.counts(source.model, dim, f"{source.name}_key")
        return None

    def group(self, spec: GroupSpec) -> Group:
        dim = self.breakdown if self._by(spec.axis) else "all"
        counts = _derive(spec, lambda source: self.read_source(source, dim))
        keys = (_derive(spec, lambda source: self.read_keys(source, dim)) if self.keyed
                else dict.fromkeys(counts))
        return Group([Block(b.key, str(b.title), counts[b.key] or {}, b.published, keys[b.key])
                      for b in spec.blocks],
                     links=spec.links(),
                     rates=[(k, str(title), num, den) for k, title, num, den in spec.rates],
                     means=[(k, str(title), den, self.read_source(sums, dim))
                            for k, title, den, sums in spec.means],
                     note=self.note(spec.axis))

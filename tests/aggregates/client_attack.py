"""What the attacks on the client-level tables share (distinct clients; follow-ups and
baselines): every table a supervisor can request by client breakdown, and the attack on
what was collected from them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from mrc.aggregates import periods, services
from mrc.aggregates.breakdowns import CLIENT_DIMS
from mrc.aggregates.tables import PublishedTable
from mrc.privacy.attacker import releases
from mrc.privacy.cellkey import perturbation_table
from tests.aggregates.scopes import row_mrcs, scopes
from tests.aggregates.test_release_attack_dashboard import THRESHOLD, requests, small


def client_tables() -> Iterator[tuple[dict[str, list[int]], periods.Period, str,
                                      PublishedTable]]:
    """Every scope × every period × by MRC and every client breakdown: the MRCs under each
    row key, the period, the dimension the columns split ("all" by MRC) and the table."""
    for mrc_ids in scopes():
        mrcs = row_mrcs(mrc_ids)
        for period in requests():
            for breakdown in ("mrc", *CLIENT_DIMS):
                dim = breakdown if breakdown in CLIENT_DIMS else "all"
                for table in services.indicator_tables(mrc_ids, period, breakdown,
                                                       threshold=THRESHOLD):
                    yield mrcs, period, dim, table


def assert_none_narrowed(cells: list[releases.PublishedCell], truth: list[int], n_atoms: int,
                         links: Sequence[releases.Link], at_least: tuple[int, int]) -> None:
    """The attacker's model holds the truth, there are at least ``at_least`` (cells, small
    cells) and no small true count is narrowed below the threshold."""
    pertable = perturbation_table(THRESHOLD)
    for cell, n in zip(cells, truth, strict=True):
        low, high = pertable.preimage(cell.value or 0) or (1, 0)
        assert low <= n <= high, (cell, n)
    targets = small(truth)
    assert len(cells) >= at_least[0] and len(targets) > at_least[1], (len(cells), len(targets))
    found = releases.attack(cells, n_atoms, pertable, targets, THRESHOLD, links)
    assert len(found) == len(targets)
    assert min(f.width for f in found) >= THRESHOLD - releases.TOLERANCE

"""The attack on everything published with the cell key method (issue #11): every table of
every scope and period of a synthetic network, attacked by linear programming over all of
it at once. No small true count may be bounded to an interval narrower than the threshold;
a weaker perturbation table is caught by the same attack."""

from __future__ import annotations

import pytest

from mrc.privacy.attacker import releases, synthetic
from mrc.privacy.attacker.releases import Link, PublishedCell
from mrc.privacy.cellkey import PerturbationTable, perturbation_table

THRESHOLD = 5


def attacked(network: synthetic.Network, n_records: int, table: PerturbationTable,
             seed: int) -> tuple[synthetic.Release, list[releases.Finding]]:
    release = synthetic.release(network, n_records, table, seed)
    targets = release.small(THRESHOLD)
    assert len(targets) > 100  # the network has many small cells to attack
    return release, releases.attack(release.cells, release.n_atoms, table, targets,
                                    THRESHOLD, release.links)


def test_the_programme_is_exact_on_a_hand_made_release() -> None:
    table = perturbation_table(THRESHOLD)  # a published 0 is 0 .. 16, a published 5 is 1 .. 17
    # Atoms a, b, c: a + b published 0, b published 5, a published 0, c + b published 5,
    # and a link a + c == b (two breakdowns of the same records).
    cells = [PublishedCell((0, 1), 0), PublishedCell((1,), 5), PublishedCell((0,), 0),
             PublishedCell((1, 2), 5)]
    found = releases.attack(cells, 3, table, [2, 1], need=100)
    assert [(f.target, f.lower, f.upper, f.exact) for f in found] == [
        (2, 0.0, 15.0, True),  # a = (a + b) - b <= 16 - 1
        (1, 1.0, 16.0, True)]  # b <= a + b <= 16
    linked = releases.attack(cells, 3, table, [2], need=100, links=[Link((0, 2), (1,))])
    assert (linked[0].lower, linked[0].upper) == (0.0, 8.0)  # 2a + c = a + b <= 16


def test_a_count_known_to_be_among_another_is_bounded_by_it() -> None:
    # Follow-ups due published as 3, those reached hidden: reached <= due bounds them.
    cells = [PublishedCell((0,), 3), PublishedCell((1,), None)]
    found, = releases.attack(cells, 2, releases.AsPublished(), [1], need=100,
                             links=[Link((1,), (0,), at_most=True)])
    assert (found.lower, found.upper, found.exact) == (0.0, 3.0, True)


def test_a_value_no_count_can_have_is_refused() -> None:
    with pytest.raises(ValueError, match="no count can be published as 2"):
        releases.attack([PublishedCell((0,), 2)], 1, perturbation_table(THRESHOLD), [0], 5)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_default_table_holds_against_every_table_of_a_network(seed: int) -> None:
    release, found = attacked(synthetic.Network(), 3000, perturbation_table(THRESHOLD), seed)
    assert len(release.cells) > 2000
    narrow = [(release.true[f.target], f.lower, f.upper) for f in found
              if f.width < THRESHOLD - releases.TOLERANCE]
    assert not narrow


def test_a_table_with_moves_bounded_by_two_is_broken_by_the_same_attack() -> None:
    weak = PerturbationTable(THRESHOLD, 2)
    release, found = attacked(synthetic.Network(months=6), 1500, weak, 1)
    narrow = [f for f in found if f.width < THRESHOLD - releases.TOLERANCE]
    assert len(narrow) > 10
    for f in narrow:  # the narrow intervals are the programme's own, and hold the truth
        assert f.exact
        assert f.lower - 1e-6 <= release.true[f.target] <= f.upper + 1e-6


@pytest.mark.once
def test_over_ten_thousand_published_cells_no_small_count_is_narrowed() -> None:
    network = synthetic.Network(dims=(2, 4, 5, 3), every_range=True)
    release, found = attacked(network, 6000, perturbation_table(THRESHOLD), 1)
    assert len(release.cells) >= 10_000
    assert len(found) > 1000
    assert min(f.width for f in found) >= THRESHOLD - releases.TOLERANCE

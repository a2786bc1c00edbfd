"""Fixtures for the demo tests: a generator spec for the reference network without a
database, and the demo loaded into the test database."""

from __future__ import annotations

from datetime import date

import pytest

from mrc.demo.generator import DemoMrc, DemoSpec
from mrc.org.services import REFERENCE_NETWORK, provinces

TODAY = date(2026, 6, 15)
WAVES = (90, 180)


def reference_mrcs() -> tuple[DemoMrc, ...]:
    """The reference network with made-up ids (counsellor ids 100+, manager at PK-ISB)."""
    mrcs: list[DemoMrc] = []
    for _, countries in REFERENCE_NETWORK.values():
        for country, centres in countries.items():
            for code, _, _ in centres:
                i = len(mrcs) + 1
                staff = (100 + i, 200 + i) if code == "PK-ISB" else (100 + i,)
                mrcs.append(DemoMrc(i, code, country, tuple(p for p, _ in provinces(country)),
                                    staff))
    return tuple(mrcs)


def make_spec(seed: int = 7, clients: int = 400, **kw: object) -> DemoSpec:
    return DemoSpec(seed=seed, clients=clients, today=TODAY, waves_days=WAVES,
                    mrcs=reference_mrcs(), **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def mrcs() -> tuple[DemoMrc, ...]:
    return reference_mrcs()

"""Fixtures for panel tests: a population of clients with baselines and reached
follow-ups, built through the case services, and helpers to open an export zip."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from mrc.cases.models import FollowUp
from mrc.extensions import db

START = date(2026, 1, 1)
PROVINCES = {"PK-ISB": ["PK-IS", "PK-PB"], "PK-LHE": ["PK-PB", "PK-SD"],
             "IQ-EBL": ["IQ-AR", "IQ-DA"], "IQ-BGW": ["IQ-BG"], "AF-KBL": ["AF-KAB"],
             "BD-DAC": ["BD-13"], "TJ-DYU": ["TJ-DU"]}


@pytest.fixture
def population(make_client: Callable[..., Any]) -> Callable[..., list[Any]]:
    """population(n, mrc="PK-ISB", seed=0, unique=False): n clients with a baseline in
    January–March 2026, both follow-up waves scheduled and about 70% of them reached.
    ``unique=True`` gives every client a different birth year (all-unique records)."""

    def factory(n: int, mrc: str = "PK-ISB", seed: int = 0, unique: bool = False,
                **fields: Any) -> list[Any]:
        rng = np.random.default_rng(seed)
        clients = []
        for i in range(n):
            data = {
                "sex": str(rng.choice(["female", "male"])),
                "birth_year": 1940 + i if unique else int(rng.integers(1975, 2005)),
                "province": str(rng.choice(PROVINCES[mrc])),
                "nationality": mrc[:2],
                "migrant_status": str(rng.choice(["prospective", "returnee"], p=[.7, .3])),
                "education": str(rng.choice(["primary", "secondary"])),
                "employment": str(rng.choice(["employed", "unemployed"])),
            }
            data.update(fields)
            baseline = START + timedelta(days=int(rng.integers(0, 80)))
            clients.append(make_client(mrc, baseline=baseline, **data))
        ids = [c.id for c in clients]
        for f in db.session.scalars(select(FollowUp).where(FollowUp.client_id.in_(ids))):
            if rng.random() < 0.7:
                f.status = "reached"
                f.completed_on = f.due_date + timedelta(days=int(rng.integers(0, 10)))
                f.location_status = str(rng.choice(["stayed", "migrated_regular",
                                                    "migrated_irregular"]))
                f.intention = str(rng.choice(["none", "regular", "irregular"]))
                f.awareness_score = int(rng.integers(0, 9))
                f.used_mrc_info = bool(rng.random() < 0.6)
        db.session.flush()
        return clients

    return factory


def read_zip(path: Path | bytes) -> dict[str, bytes]:
    source = io.BytesIO(path) if isinstance(path, bytes) else path
    with zipfile.ZipFile(source) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def panel_csv(files: dict[str, bytes]) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(files["panel.csv"]), dtype=str, keep_default_na=False)

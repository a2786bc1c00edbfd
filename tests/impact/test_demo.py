"""``mrc demo --comparison N``: a deterministic comparison group with a smaller intention
shift than the clients', so the planted effect is there for the estimators to find."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from flask import Flask
from sqlalchemy import func, select

from mrc.demo.comparison import ComparisonSpec, generate_comparison
from mrc.demo.services import load_demo
from mrc.extensions import db
from mrc.impact.models import ComparisonRespondent, ComparisonResponse
from mrc.org.models import MRC
from tests.demo.conftest import TODAY, WAVES, reference_mrcs


def spec(seed: int = 5, respondents: int = 3000) -> ComparisonSpec:
    return ComparisonSpec(seed=seed, respondents=respondents, today=TODAY, waves_days=WAVES,
                          mrcs=reference_mrcs())


def irregular_share(responses: pd.DataFrame, wave: int) -> float:
    rows = responses[(responses["wave"] == wave)
                     & responses["intention"].isin(["regular", "irregular", "undecided"])]
    return float((rows["intention"] == "irregular").mean())


def test_the_same_seed_gives_the_same_group() -> None:
    first, second = generate_comparison(spec()), generate_comparison(spec())
    assert first.respondents.data == second.respondents.data
    assert first.responses.data == second.responses.data
    other = generate_comparison(spec(seed=6))
    assert other.responses.data["intention"] != first.responses.data["intention"]


def test_the_group_is_plausible_and_shifts_little() -> None:
    tables = generate_comparison(spec())
    respondents = pd.DataFrame(tables.respondents.data)
    responses = pd.DataFrame(tables.responses.data)
    assert len(respondents) == 3000 and respondents["external_id"].is_unique
    assert set(respondents["mrc_id"]) == {m.id for m in reference_mrcs()}
    # Everybody has a baseline; follow-ups only up to today, about 78 % found again.
    assert (responses["wave"] == 0).sum() == 3000
    assert responses["survey_date"].max() <= TODAY.isoformat()
    per_person = responses.groupby("respondent_id")["wave"].apply(list)
    assert all(waves == sorted(set(waves)) and waves[0] == 0 for waves in per_person)
    # Baseline irregular share as for clients (about 21 % of those considering migration),
    # and at follow-up only a small drift, far from the clients' fall to about 8 %.
    base, later = irregular_share(responses, 0), irregular_share(responses, 1)
    assert 0.17 <= base <= 0.25
    assert abs(later - base) < 0.04
    scores = responses.dropna(subset=["awareness_score"])
    gain = (scores[scores["wave"] == 1]["awareness_score"].mean()
            - scores[scores["wave"] == 0]["awareness_score"].mean())
    assert 0 <= gain < 0.6
    assert np.all(responses.loc[responses["wave"] == 0, "location_status"].isna())


def snapshot() -> list[tuple[Any, ...]]:
    codes = {m.id: m.code for m in db.session.scalars(select(MRC))}
    rows = db.session.execute(
        select(ComparisonRespondent.external_id, ComparisonRespondent.mrc_id,
               ComparisonRespondent.sex, ComparisonRespondent.birth_year,
               ComparisonRespondent.province, ComparisonRespondent.migrant_status,
               ComparisonResponse.wave, ComparisonResponse.survey_date,
               ComparisonResponse.intention, ComparisonResponse.location_status,
               ComparisonResponse.awareness_answers, ComparisonResponse.awareness_score,
               ComparisonResponse.external_id)
        .join(ComparisonResponse, ComparisonResponse.respondent_id == ComparisonRespondent.id)
        .order_by(ComparisonResponse.id)).all()
    return [(r[0], codes[r[1]], *r[2:]) for r in rows]


def test_demo_loads_a_comparison_group_deterministically(app: Flask) -> None:
    result = load_demo(4, 60, today=TODAY, comparison=150)
    assert result.respondents == 150
    assert db.session.scalar(select(func.count()).select_from(ComparisonRespondent)) == 150
    assert db.session.scalar(select(func.count()).select_from(ComparisonResponse)) \
        == result.responses
    first = snapshot()
    db.session.rollback()
    load_demo(4, 60, today=TODAY, comparison=150)
    assert snapshot() == first
    # Loading again adds a second group after the first (fresh ids, no collisions).
    again = load_demo(4, 0, today=TODAY, comparison=20)
    assert again.respondents == 20
    assert db.session.scalar(select(func.count()).select_from(ComparisonRespondent)) == 170


def test_demo_command_option(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=[
        "mrc", "demo", "--seed", "2", "--clients", "30", "--comparison", "40",
        "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "40 comparison respondents" in result.stdout
    assert db.session.scalar(select(func.count()).select_from(ComparisonRespondent)) == 40

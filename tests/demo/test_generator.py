"""The demo generator in memory: deterministic, valid and realistic rows."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import numpy as np
import phonenumbers
import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mrc.cases import awareness, vocab
from mrc.demo import profiles
from mrc.demo.generator import FirstIds, client_codes, generate, phone_numbers
from mrc.privacy.codes import check_symbol, is_valid
from mrc.privacy.phones import normalise_phone
from tests.demo.conftest import TODAY, WAVES, make_spec

Tables = dict[str, dict[str, list[Any]]]


def materialise(spec: Any) -> Tables:
    """All chunks of a spec concatenated, table → column → values."""
    result: Tables = {name: defaultdict(list) for name in
                      ("clients", "sessions", "followups", "attempts")}
    for chunk in generate(spec):
        for name in result:
            table = getattr(chunk, name)
            for column in table.columns:
                result[name][column].extend(table.data[column])
    return {name: dict(columns) for name, columns in result.items()}


def rows(tables: Tables, name: str) -> list[dict[str, Any]]:
    columns = tables[name]
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]


@pytest.fixture(scope="module")
def data() -> Tables:
    # Small chunks, so chunk boundaries (ids, follow-ups of several chunks) are exercised.
    return materialise(make_spec(seed=11, clients=3000, chunk_clients=700))


def day(text: str) -> date:
    return date.fromisoformat(text)


# --- determinism ----------------------------------------------------------------------------

def test_same_seed_gives_identical_rows() -> None:
    assert materialise(make_spec(seed=5, clients=300)) == materialise(make_spec(seed=5,
                                                                                clients=300))


def test_another_seed_gives_other_rows() -> None:
    a = materialise(make_spec(seed=5, clients=300))
    b = materialise(make_spec(seed=6, clients=300))
    assert a["clients"]["code"] != b["clients"]["code"]
    assert a["sessions"]["topics"] != b["sessions"]["topics"]


def test_ids_start_where_asked_and_are_consecutive() -> None:
    tables = materialise(make_spec(clients=300, chunk_clients=120,
                                   first_ids=FirstIds(client=50, session=7, followup=3,
                                                      attempt=9)))
    for name, first in (("clients", 50), ("sessions", 7), ("followups", 3), ("attempts", 9)):
        ids = tables[name]["id"]
        assert ids == list(range(first, first + len(ids)))
    assert set(tables["sessions"]["client_id"]) <= set(tables["clients"]["id"])
    assert set(tables["attempts"]["followup_id"]) <= set(tables["followups"]["id"])


# --- codes and phones -----------------------------------------------------------------------

def test_codes_are_valid_and_unique(data: Tables) -> None:
    codes = data["clients"]["code"]
    assert len(set(codes)) == len(codes) == 3000
    assert all(is_valid(c) and check_symbol(c[:7]) == c[7] for c in codes)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), n=st.integers(1, 300))
def test_client_codes_are_always_valid_distinct_and_avoid_taken(seed: int, n: int) -> None:
    first = client_codes(np.random.default_rng(seed), n)
    assert len(set(first)) == n and all(is_valid(c) for c in first)
    # Codes already in the database are never handed out again.
    again = client_codes(np.random.default_rng(seed), n, taken=frozenset(first[: n // 2 + 1]))
    assert not set(again) & set(first[: n // 2 + 1])
    assert all(is_valid(c) for c in again)


@pytest.mark.parametrize("country", sorted(profiles.MOBILE_NUMBERING))
def test_phone_numbers_are_valid_mobiles_of_the_country(country: str) -> None:
    numbers = phone_numbers(np.random.default_rng(3), [country] * 300)
    assert len(set(numbers)) == 300
    for number in numbers:
        parsed = phonenumbers.parse(number)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.region_code_for_number(parsed) == country
        assert normalise_phone(number, country) == number
        # Typed the local way, it normalises to the same E.164 number.
        local = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        assert normalise_phone(local, country) == number


# --- structure: what the services would have stored -----------------------------------------

def test_exactly_one_baseline_per_client_on_the_registration_day(data: Tables) -> None:
    registered = dict(zip(data["clients"]["id"], data["clients"]["registered_on"], strict=True))
    sessions = rows(data, "sessions")
    baselines = Counter(s["client_id"] for s in sessions if s["is_baseline"])
    assert set(baselines) == set(registered) and set(baselines.values()) == {1}
    first: dict[int, str] = {}
    for s in sessions:
        assert registered[s["client_id"]] <= s["date"] <= TODAY.isoformat()
        first[s["client_id"]] = min(first.get(s["client_id"], s["date"]), s["date"])
        if s["is_baseline"]:
            assert s["date"] == registered[s["client_id"]]
    # No later session is before the baseline (log_session would have made it the baseline).
    assert first == registered


def test_follow_ups_exactly_for_consenting_clients_at_the_wave_offsets(data: Tables) -> None:
    clients = {c["id"]: c for c in rows(data, "clients")}
    waves: dict[int, dict[int, str]] = defaultdict(dict)
    for f in rows(data, "followups"):
        client = clients[f["client_id"]]
        assert f["mrc_id"] == client["mrc_id"]
        waves[f["client_id"]][f["wave"]] = f["due_date"]
    consenting = {i for i, c in clients.items() if c["followup_consent"]}
    assert set(waves) == consenting
    for client_id, due in waves.items():
        baseline = day(clients[client_id]["registered_on"])
        assert due == {w: (baseline + timedelta(days=d)).isoformat()
                       for w, d in enumerate(WAVES, start=1)}


def test_consent_needs_a_phone_and_has_a_date(data: Tables) -> None:
    for c in rows(data, "clients"):
        if c["followup_consent"]:
            assert c["phone"] and c["consent_date"] == c["registered_on"]
        else:
            assert c["consent_date"] is None


def test_follow_up_status_follows_the_attempts(data: Tables) -> None:
    attempts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in rows(data, "attempts"):
        assert a["date"] <= TODAY.isoformat()
        assert a["method"] in vocab.ATTEMPT_METHOD
        attempts[a["followup_id"]].append(a)
    for f in rows(data, "followups"):
        tries = sorted(attempts[f["id"]], key=lambda a: a["date"])
        outcome = (f["location_status"], f["intention"], f["used_mrc_info"])
        if tries:
            assert tries[0]["date"] >= (day(f["due_date"]) - timedelta(days=3)).isoformat()
        if f["status"] == "reached":
            assert tries and tries[-1]["reached"] and not any(a["reached"] for a in tries[:-1])
            assert f["completed_on"] == tries[-1]["date"]
            assert f["location_status"] in vocab.LOCATION_STATUS
            assert f["intention"] in vocab.INTENTION
        elif f["status"] == "unreachable":
            assert len(tries) >= 2 and not any(a["reached"] for a in tries)
            assert f["completed_on"] == tries[-1]["date"]
            assert outcome == (None, None, None) and f["awareness_answers"] is None
        else:
            # Still open, or lapsed: left open past the horizon (the daily sweep's status).
            lapsed = day(f["due_date"]) < TODAY - timedelta(days=60)
            assert f["status"] == ("lapsed" if lapsed else "pending")
            assert not any(a["reached"] for a in tries) and f["completed_on"] is None
            assert outcome == (None, None, None) and f["awareness_answers"] is None
        if f["due_date"] > TODAY.isoformat():
            assert f["status"] == "pending" and not tries


def test_awareness_scores_match_the_answers(data: Tables) -> None:
    for name in ("sessions", "followups"):
        for r in rows(data, name):
            if r["awareness_answers"] is None:
                assert r["awareness_score"] is None
            else:
                assert r["awareness_version"] == awareness.CURRENT_VERSION
                assert r["awareness_score"] == awareness.score(r["awareness_answers"])


def test_values_come_from_the_vocabularies(data: Tables, mrcs: Any) -> None:
    by_id = {m.id: m for m in mrcs}
    for c in rows(data, "clients"):
        mrc = by_id[c["mrc_id"]]
        assert c["province"] is None or c["province"] in mrc.provinces
        assert c["nationality"] is None or pycountry.countries.get(alpha_2=c["nationality"])
        assert c["sex"] in vocab.SEX and c["migrant_status"] in vocab.MIGRANT_STATUS
        assert c["education"] in vocab.EDUCATION and c["employment"] in vocab.EMPLOYMENT
        assert c["created_by_id"] in mrc.counsellor_ids
        assert c["birth_year"] is None or 1900 < c["birth_year"] <= TODAY.year - 16
    all_topics = (1 << len(vocab.TOPICS)) - 1
    for s in rows(data, "sessions"):
        assert s["channel"] in vocab.CHANNEL and s["language"] in vocab.SESSION_LANGUAGE
        assert s["intention"] in vocab.INTENTION
        assert 0 < s["topics"] <= all_topics and 0 <= s["referrals"] < 1 << len(vocab.REFERRALS)
        assert s["destination"] is None or pycountry.countries.get(alpha_2=s["destination"])
        assert s["counsellor_id"] in by_id[s["mrc_id"]].counsellor_ids
        assert s["duration_minutes"] is None or 5 <= s["duration_minutes"] <= 180


# --- realism --------------------------------------------------------------------------------

def test_counts_and_ratios_are_plausible(data: Tables) -> None:
    clients, sessions = rows(data, "clients"), rows(data, "sessions")
    n = len(clients)
    assert 3.1 <= len(sessions) / n <= 3.6  # mean sessions per client ≈ 3.3
    per_client = Counter(s["client_id"] for s in sessions)
    assert min(per_client.values()) == 1 and max(per_client.values()) == 8
    assert 0.90 <= sum(1 for c in clients if c["phone"]) / n <= 0.98
    assert 0.86 <= sum(1 for c in clients if c["followup_consent"]) / n <= 0.95
    # Registrations span about three years, more of them recently.
    dates = sorted(day(c["registered_on"]) for c in clients)
    assert TODAY - timedelta(days=3 * 365) <= dates[0] and dates[-1] <= TODAY
    assert sum(1 for d in dates if d > TODAY - timedelta(days=365)) > n / 3
    # Bigger MRCs get more clients.
    per_mrc = Counter(c["mrc_id"] for c in clients)
    assert len(per_mrc) == 7 and per_mrc.most_common()[-1][1] > 0.04 * n

    def shares(values: list[str]) -> dict[str, float]:
        intending = [v for v in values if v != "none"]
        return {k: v / len(intending) for k, v in Counter(intending).items()}

    baseline = shares([s["intention"] for s in sessions if s["is_baseline"]])
    assert 0.17 <= baseline["irregular"] <= 0.25 and 0.68 <= baseline["regular"] <= 0.78
    followups = rows(data, "followups")
    reached = [f for f in followups if f["status"] == "reached"]
    later = shares([f["intention"] for f in reached])
    assert 0.05 <= later["irregular"] <= 0.11 and later["regular"] > baseline["regular"]
    closed = [f for f in followups if f["status"] in ("reached", "unreachable")]
    assert 0.55 <= len(reached) / len(closed) <= 0.70
    # Awareness rises after counselling.
    base_scores = [s["awareness_score"] for s in sessions
                   if s["is_baseline"] and s["awareness_score"] is not None]
    follow_scores = [f["awareness_score"] for f in reached if f["awareness_score"] is not None]
    assert np.mean(follow_scores) > np.mean(base_scores) + 1
    notes = sum(1 for s in sessions if s["notes"])
    assert 0 < notes < 0.06 * len(sessions)


def test_languages_and_provinces_fit_each_mrc(data: Tables, mrcs: Any) -> None:
    code_of = {m.id: m.code for m in mrcs}
    languages: dict[str, Counter[str]] = defaultdict(Counter)
    for s in rows(data, "sessions"):
        languages[code_of[s["mrc_id"]]][s["language"]] += 1
    assert languages["BD-DAC"].most_common(1)[0][0] == "bn"
    assert languages["TJ-DYU"].most_common(1)[0][0] == "tg"
    assert languages["IQ-EBL"].most_common(1)[0][0] == "ckb"
    provinces: dict[str, Counter[str | None]] = defaultdict(Counter)
    for c in rows(data, "clients"):
        provinces[code_of[c["mrc_id"]]][c["province"]] += 1
    assert provinces["PK-LHE"].most_common(1)[0][0] == "PK-PB"
    assert provinces["AF-KBL"].most_common(1)[0][0] == "AF-KAB"

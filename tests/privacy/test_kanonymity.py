"""k-anonymity of panels, checked with an independent implementation (pycanon).

pycanon counts rows, so every check runs on the person-level frame (one row per person);
the QI columns are compared as text, with missing values as a category of their own.
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycanon import anonymity

from mrc.privacy.kanonymity import (
    MIN_K,
    SUPPRESSED,
    AgeBands,
    AnonymisationResult,
    MappingHierarchy,
    anonymise,
    as_text,
    keep,
    province_hierarchy,
)

YEAR = 2025
QIS = ["sex", "birth_year", "province", "status", "site"]
RELEASED_QIS = ["sex", "age", "province", "status", "site"]
HIERARCHIES = {"birth_year": AgeBands(YEAR), "province": province_hierarchy()}
OTHER_COLUMNS = ["wave", "outcome", "score"]


def make_panel(persons: int, seed: int = 0, *, waves: int = 3, sites: int = 3,
               provinces: int = 8) -> pd.DataFrame:
    """A long panel with attrition; QIs constant per person."""
    rng = np.random.default_rng(seed)
    countries = np.array(["PK", "AF", "BD"])[rng.integers(0, 3, persons)]
    base = pd.DataFrame({
        "person_id": rng.permutation(persons * 10)[:persons] + 1,
        "sex": rng.choice(["female", "male"], persons),
        "birth_year": YEAR - rng.integers(16, 66, persons),
        "province": np.char.add(np.char.add(countries, "-"),
                                rng.integers(1, provinces + 1, persons).astype(str)),
        "status": rng.choice(["prospective", "returnee", "displaced"], persons, p=[.6, .3, .1]),
        "site": rng.choice([f"S{i}" for i in range(sites)], persons),
    })
    rows = base.loc[base.index.repeat(waves)].reset_index(drop=True)
    rows["wave"] = np.tile(np.arange(waves), persons)
    rows = rows[(rows["wave"] == 0) | (rng.random(len(rows)) > 0.2)].reset_index(drop=True)
    rows["outcome"] = rng.choice(["stayed", "regular", "irregular", "returned"], len(rows))
    rows["score"] = rng.integers(0, 9, len(rows))
    return rows


def person_level(frame: pd.DataFrame, qis: list[str], person: str = "person_id") -> pd.DataFrame:
    people = frame.drop_duplicates(person)[qis]
    # Missing values become the text "nan": a category of their own, as in the module.
    return people.apply(as_text).reset_index(drop=True)


def pycanon_k(frame: pd.DataFrame, qis: list[str]) -> int | None:
    people = person_level(frame, qis)
    if people.empty:
        return None
    return int(anonymity.k_anonymity(people, qis))


def assert_k_anonymous(result: AnonymisationResult, qis: list[str], k: int) -> None:
    k_seen = pycanon_k(result.frame, qis)
    assert k_seen is None or k_seen >= k
    assert result.report.k_reached == k_seen
    assert result.report.k_satisfied


def assert_report_matches_frame(result: AnonymisationResult, source: pd.DataFrame,
                                qis: list[str], person: str = "person_id") -> None:
    frame, report = result.frame, result.report
    people = person_level(frame, qis, person)
    assert report.persons_in == source[person].nunique()
    assert report.rows_in == len(source)
    assert report.persons_released == frame[person].nunique()
    assert report.rows_released == len(frame)
    assert report.persons_suppressed == report.persons_in - report.persons_released
    assert report.rows_suppressed == report.rows_in - report.rows_released
    sizes = people.groupby(qis).size() if len(people) else pd.Series(dtype=int)
    assert report.equivalence_classes == len(sizes)
    assert report.discernibility == int((sizes**2).sum()) + (
        report.persons_suppressed * report.persons_in)
    # Cells blanked by local suppression: "*" in a variable not suppressed globally.
    blanked_people = pd.Series(False, index=people.index)
    by_variable = {}
    for recoding in report.recodings:
        stars = people[recoding.variable] == SUPPRESSED
        if recoding.level_name == "suppressed":
            assert stars.all()
            by_variable[recoding.variable] = 0
        else:
            by_variable[recoding.variable] = int(stars.sum())
            blanked_people |= stars
    assert report.cells_blanked_by_variable == by_variable
    assert report.cells_blanked == sum(by_variable.values())
    assert report.persons_with_blanked_cells == int(blanked_people.sum())
    blanked_ids = set(frame.drop_duplicates(person)[person].to_numpy()[blanked_people.to_numpy()])
    assert report.rows_with_blanked_cells == int(frame[person].isin(blanked_ids).sum())
    if report.equivalence_classes:
        assert report.average_class_size == pytest.approx(
            report.persons_released / report.equivalence_classes, abs=1e-3)
    data = json.loads(report.to_json())
    assert data["persons_released"] == report.persons_released
    assert [r["description"] for r in data["recodings"]] == [
        r.describe() for r in report.recodings]


def age_band(birth_year: pd.Series, width: int) -> pd.Series:
    low = (YEAR - birth_year) // width * width
    return low.astype(str) + "-" + (low + width - 1).astype(str)


def expected_labels(source: pd.DataFrame, variable: str, level_name: str) -> pd.Series:
    """The label a person's value should have at a level, computed without the module."""
    if variable == "age":
        if level_name == "5-year bands":
            return age_band(source["birth_year"], 5)
        if level_name == "10-year bands":
            return age_band(source["birth_year"], 10)
    elif variable == "province" and level_name == "country":
        return source["province"].str[:2]
    if level_name == "suppressed":
        return pd.Series(SUPPRESSED, index=source.index)
    return as_text(source[variable])


def assert_consistent_release(result: AnonymisationResult, source: pd.DataFrame) -> None:
    """Kept rows keep their other values; QIs are the person's generalised value or "*";
    a person is either released with all their rows or not at all."""
    frame = result.frame
    assert frame.index.isin(source.index).all()
    assert frame.index.is_monotonic_increasing
    original = source.loc[frame.index]
    for column in OTHER_COLUMNS + ["person_id"]:
        pd.testing.assert_series_equal(frame[column], original[column])
    for recoding in result.report.recodings:
        released = as_text(frame[recoding.variable])
        expected = expected_labels(original, recoding.variable, recoding.level_name)
        assert ((released == expected) | (released == SUPPRESSED)).all()
        # The same value in every wave of a person.
        assert (frame.groupby("person_id")[recoding.variable].nunique(dropna=False) <= 1).all()
    kept = frame["person_id"].value_counts()
    assert (source["person_id"].value_counts()[kept.index] == kept).all()


def test_realistic_panel_is_k_anonymous_with_a_clear_report() -> None:
    source = make_panel(3000, seed=1)
    result = anonymise(source, QIS, HIERARCHIES, k=5)
    assert_k_anonymous(result, RELEASED_QIS, 5)
    assert_report_matches_frame(result, source, RELEASED_QIS)
    assert_consistent_release(result, source)
    report = result.report
    assert report.persons_released > 0.9 * report.persons_in
    assert list(result.frame.columns) == ["person_id", *RELEASED_QIS, *OTHER_COLUMNS]
    assert [r.variable for r in report.recodings] == RELEASED_QIS
    assert report.recodings[1].source == "birth_year"
    markdown = report.to_markdown()
    assert "k requested **5**" in markdown
    for recoding in report.recodings:
        assert f"| {recoding.variable} | {recoding.source} | {recoding.level_name} |" in markdown


def test_already_k_anonymous_data_is_released_as_is() -> None:
    rng = np.random.default_rng(5)
    combos = list(itertools.product(["female", "male"], ["PK-1", "AF-2"], ["a", "b", "c"]))
    rows = []
    for i, (sex, province, status) in enumerate(combos * 6):
        for wave in range(2):
            rows.append({"person_id": i, "sex": sex, "province": province, "status": status,
                         "wave": wave, "outcome": rng.choice(["x", "y"]), "score": wave})
    source = pd.DataFrame(rows)
    qis = ["sex", "province", "status"]
    result = anonymise(source, qis, {"province": province_hierarchy()}, k=5)
    report = result.report
    assert all(not r.generalised for r in report.recodings)
    assert report.information_loss == 0
    assert report.generalisation_loss == 0
    assert report.cells_blanked == 0 and report.persons_suppressed == 0
    assert report.k_reached == 6
    pd.testing.assert_frame_equal(result.frame.astype(dict.fromkeys(qis, str)), source.astype(
        dict.fromkeys(qis, str)))
    assert_report_matches_frame(result, source, qis)


@pytest.mark.parametrize("persons", [1, 2, 4])
def test_tiny_study_releases_nothing(persons: int) -> None:
    source = make_panel(persons, seed=persons)
    result = anonymise(source, QIS, HIERARCHIES, k=5)
    report = result.report
    assert result.frame.empty
    assert report.nothing_released
    assert report.k_reached is None
    assert report.persons_suppressed == report.persons_in == persons
    assert report.rows_suppressed == len(source)
    assert any("Fewer persons" in note for note in report.notes)
    assert "Nothing released" in report.to_markdown()
    assert list(result.frame.columns) == ["person_id", *RELEASED_QIS, *OTHER_COLUMNS]


def test_empty_panel() -> None:
    source = make_panel(0)
    result = anonymise(source, QIS, HIERARCHIES, k=5)
    assert result.frame.empty
    assert result.report.persons_in == 0 and result.report.k_reached is None


def test_one_site() -> None:
    source = make_panel(400, seed=2, sites=1)
    result = anonymise(source, QIS, HIERARCHIES, k=5)
    assert_k_anonymous(result, RELEASED_QIS, 5)
    assert set(result.frame["site"].astype(str)) <= {"S0", SUPPRESSED}
    assert_report_matches_frame(result, source, RELEASED_QIS)


def test_all_unique_records() -> None:
    persons = 60
    source = pd.DataFrame({
        "person_id": np.arange(persons),
        "sex": ["female", "male"] * (persons // 2),
        "birth_year": YEAR - 16 - np.arange(persons),
        "province": [f"{'PK' if i % 3 else 'AF'}-{i}" for i in range(persons)],
        "status": ["prospective"] * persons,
        "site": [f"S{i % 2}" for i in range(persons)],
        "wave": 0, "outcome": "stayed", "score": 1,
    })
    assert pycanon_k(source, QIS) == 1
    result = anonymise(source, QIS, HIERARCHIES, k=5)
    assert_k_anonymous(result, RELEASED_QIS, 5)
    assert result.report.persons_released > 0
    assert any(r.generalised for r in result.report.recodings)
    assert_report_matches_frame(result, source, RELEASED_QIS)
    assert_consistent_release(result, source)


@pytest.mark.parametrize("k", [-1, 0, 1, 2])
def test_k_below_three_is_refused(k: int) -> None:
    with pytest.raises(ValueError, match="at least 3"):
        anonymise(make_panel(50), QIS, HIERARCHIES, k=k)


def test_k_three_is_the_minimum_and_works() -> None:
    assert MIN_K == 3
    source = make_panel(200, seed=3)
    result = anonymise(source, QIS, HIERARCHIES, k=3)
    assert_k_anonymous(result, RELEASED_QIS, 3)


def test_larger_k_generalises_more() -> None:
    source = make_panel(2000, seed=4)
    five = anonymise(source, QIS, HIERARCHIES, k=5).report
    twenty = anonymise(source, QIS, HIERARCHIES, k=20).report
    assert twenty.k_reached is not None and twenty.k_reached >= 20
    assert twenty.information_loss >= five.information_loss


def test_counted_in_persons_not_rows() -> None:
    # Two persons with 3 waves each: 6 rows in one class, but only 2 persons.
    rows = [{"person_id": p, "sex": "female", "wave": w, "outcome": "x", "score": 0}
            for p in range(2) for w in range(3)]
    rows += [{"person_id": 10 + p, "sex": "male", "wave": 0, "outcome": "x", "score": 0}
             for p in range(5)]
    source = pd.DataFrame(rows)
    result = anonymise(source, ["sex"], k=5, max_suppression=0.5)
    assert set(result.frame["sex"].astype(str)) == {"male"}
    assert result.report.persons_suppressed == 2
    assert result.report.rows_suppressed == 6


def test_quasi_identifiers_must_be_constant_per_person() -> None:
    source = make_panel(30)
    source.loc[source.index[1], "sex"] = "other"
    with pytest.raises(ValueError, match="not constant"):
        anonymise(source, QIS, HIERARCHIES)


def test_invalid_arguments() -> None:
    source = make_panel(30)
    with pytest.raises(ValueError):
        anonymise(source, ["nope"])
    with pytest.raises(ValueError):
        anonymise(source, [])
    with pytest.raises(ValueError):
        anonymise(source, QIS, {"outcome": keep()})
    with pytest.raises(ValueError):
        anonymise(source, QIS, max_suppression=1.0)
    with pytest.raises(ValueError):
        anonymise(source, QIS, sensitive="outcome")  # l missing
    with pytest.raises(ValueError):
        anonymise(source, QIS, sensitive="sex", l=2)  # a QI
    with pytest.raises(ValueError):
        anonymise(source, QIS, sensitive="outcome", l=1)
    with pytest.raises(ValueError):
        anonymise(source, QIS, weights={"sex": -1.0})
    with pytest.raises(ValueError, match="reserved"):
        anonymise(source.assign(sex=SUPPRESSED), QIS)
    with pytest.raises(ValueError, match="missing"):
        anonymise(source.assign(person_id=None), QIS)


def test_missing_values_are_a_category() -> None:
    source = make_panel(600, seed=6)
    source["status"] = source["status"].where(source["person_id"] % 7 != 0)
    result = anonymise(source, QIS, HIERARCHIES, k=5)
    assert_k_anonymous(result, RELEASED_QIS, 5)
    assert_report_matches_frame(result, source, RELEASED_QIS)


# --------------------------------------------------------------------- hierarchies


def test_age_bands_nest() -> None:
    years = pd.Series([2000, 1999, 1990, 1971])
    five, ten = AgeBands(2025).labels(years)
    assert list(five) == ["25-29", "25-29", "35-39", "50-54"]
    assert list(ten) == ["20-29", "20-29", "30-39", "50-59"]
    assert AgeBands(2025).level_names == ("5-year bands", "10-year bands")
    years_only, = AgeBands(2025, widths=(1,)).labels(pd.Series([2000]))
    assert list(years_only) == ["25"]
    with pytest.raises(ValueError):
        AgeBands(2025, widths=(5, 7))


def test_province_hierarchy_by_prefix_or_mapping() -> None:
    values = pd.Series(["PK-PB", "AF-KAB", "PK-SD"])
    assert [list(x) for x in province_hierarchy().labels(values)] == [
        ["PK-PB", "AF-KAB", "PK-SD"], ["PK", "AF", "PK"]]
    custom = province_hierarchy({"PK-PB": "Pakistan", "AF-KAB": "Afghanistan",
                                 "PK-SD": "Pakistan"})
    assert list(custom.labels(values)[1]) == ["Pakistan", "Afghanistan", "Pakistan"]
    with pytest.raises(ValueError, match="no value"):
        province_hierarchy({"PK-PB": "Pakistan"}).labels(values)


def test_user_hierarchy_for_education() -> None:
    source = make_panel(500, seed=7)
    source["education"] = np.where(source["person_id"] % 3 == 0, "primary",
                                   np.where(source["person_id"] % 3 == 1, "secondary",
                                            "tertiary"))
    levels = {"primary": "basic", "secondary": "basic", "tertiary": "higher"}
    education = MappingHierarchy("level", (("broad", levels),))
    result = anonymise(source, [*QIS, "education"], {**HIERARCHIES, "education": education})
    assert_k_anonymous(result, [*RELEASED_QIS, "education"], 5)
    level_name = result.report.recodings[-1].level_name
    assert level_name in {"level", "broad", "suppressed"}
    allowed = {"level": set(levels) | {SUPPRESSED}, "broad": {"basic", "higher", SUPPRESSED},
               "suppressed": {SUPPRESSED}}[level_name]
    assert set(result.frame["education"].astype(str)) <= allowed


def test_a_hierarchy_that_does_not_nest_is_refused() -> None:
    source = make_panel(40)
    # Any function of the level before nests, even one that does not coarsen.
    three_levels = MappingHierarchy("as recorded", (
        ("country", lambda s: s.str[:2]),
        ("country again", lambda s: s + "x"),
    ))
    result = anonymise(source, QIS, {**HIERARCHIES, "province": three_levels})
    assert result.report.recodings[2].levels == 4

    class NotNested(MappingHierarchy):
        def labels(self, values: pd.Series) -> list[Any]:
            first = values.astype(str).to_numpy(dtype=object)
            # Two equal labels at level 1 map to different labels at level 2.
            return [first, np.array(["same"] * len(first), dtype=object), first]

    not_nested = NotNested("a", (("b", {}), ("c", {})))
    with pytest.raises(ValueError, match="not a coarsening"):
        anonymise(source, QIS, {**HIERARCHIES, "province": not_nested})


# ---------------------------------------------------------- optimality of the recoding


def brute_force_loss(source: pd.DataFrame, k: int, max_suppression: float,
                     weights: dict[str, float]) -> float:
    """Least loss over the whole lattice, computed with pandas, independently."""
    people = source.drop_duplicates("person_id")
    levels: dict[str, list[pd.Series]] = {
        "sex": [people["sex"]],
        "birth_year": [age_band(people["birth_year"], 5), age_band(people["birth_year"], 10)],
        "province": [people["province"], people["province"].str[:2]],
        "status": [people["status"]],
        "site": [people["site"]],
    }
    for name in levels:
        levels[name].append(pd.Series("*", index=people.index))
    persons = len(people)
    total_weight = sum(weights.get(q, 1.0) for q in QIS)
    best = math.inf
    for node in itertools.product(*(range(len(levels[q])) for q in QIS)):
        labelled = pd.DataFrame({q: levels[q][lv] for q, lv in zip(QIS, node, strict=True)})
        sizes = labelled.groupby(QIS).size()
        outliers = int(sizes[sizes < k].sum())
        if outliers > math.floor(max_suppression * persons + 1e-9):
            continue
        loss = sum(weights.get(q, 1.0) * lv / (len(levels[q]) - 1)
                   for q, lv in zip(QIS, node, strict=True)) / total_weight
        best = min(best, loss + outliers / persons)
    return best


@pytest.mark.parametrize(("persons", "seed", "k", "max_suppression", "weights"), [
    (300, 1, 5, 0.05, {}),
    (300, 2, 3, 0.0, {}),
    (800, 3, 5, 0.1, {"birth_year": 4.0}),
    (150, 4, 4, 0.2, {"province": 3.0, "sex": 0.5}),
    (60, 5, 5, 0.05, {}),
])
def test_chosen_recoding_has_the_least_loss(persons: int, seed: int, k: int,
                                            max_suppression: float,
                                            weights: dict[str, float]) -> None:
    source = make_panel(persons, seed=seed)
    result = anonymise(source, QIS, HIERARCHIES, k=k, max_suppression=max_suppression,
                       weights=weights)
    expected = brute_force_loss(source, k, max_suppression, weights)
    assert result.report.information_loss == pytest.approx(expected, abs=1e-6)
    assert result.report.lattice_nodes == 2 * 3 * 3 * 2 * 2  # sex, age, province, status, site
    assert_k_anonymous(result, RELEASED_QIS, k)


def test_weights_protect_important_variables() -> None:
    source = make_panel(1500, seed=8)
    plain = anonymise(source, QIS, HIERARCHIES, k=5).report
    age_first = anonymise(source, QIS, HIERARCHIES, k=5, weights={"birth_year": 20.0}).report
    assert age_first.recodings[1].level <= plain.recodings[1].level
    assert age_first.recodings[1].level < 2


# ------------------------------------------------------------------- l-diversity


def test_l_diversity_pooled_over_rows() -> None:
    source = make_panel(1500, seed=9)
    rng = np.random.default_rng(9)
    source["outcome"] = rng.choice(["stayed", "regular", "irregular"], len(source),
                                   p=[0.9, 0.08, 0.02])
    plain = anonymise(source, QIS, HIERARCHIES, k=5).frame
    plain = plain.astype(dict.fromkeys(RELEASED_QIS, str)).reset_index(drop=True)
    assert anonymity.l_diversity(plain, RELEASED_QIS, ["outcome"]) < 3  # something to fix
    result = anonymise(source, QIS, HIERARCHIES, k=5, sensitive="outcome", l=3)
    assert result.report.persons_released > 0
    frame = result.frame.astype(dict.fromkeys(RELEASED_QIS, str)).reset_index(drop=True)
    assert anonymity.l_diversity(frame, RELEASED_QIS, ["outcome"]) >= 3
    assert result.report.l_reached is not None and result.report.l_reached >= 3
    assert result.report.l_requested == 3
    assert_k_anonymous(result, RELEASED_QIS, 5)
    assert_report_matches_frame(result, source, RELEASED_QIS)
    assert_consistent_release(result, source)
    assert "l-diversity of `outcome`" in result.report.to_markdown()


def test_l_diversity_per_wave() -> None:
    source = make_panel(1500, seed=10)
    result = anonymise(source, QIS, HIERARCHIES, k=5, sensitive="outcome", l=2,
                       wave_column="wave")
    frame = result.frame.astype(dict.fromkeys(RELEASED_QIS, str))
    for _, rows in frame.groupby("wave"):
        assert anonymity.l_diversity(rows.reset_index(drop=True), RELEASED_QIS,
                                     ["outcome"]) >= 2
    assert_k_anonymous(result, RELEASED_QIS, 5)
    assert_report_matches_frame(result, source, RELEASED_QIS)


def test_homogeneous_classes_are_suppressed() -> None:
    # Ten women all "irregular", ten men of mixed outcomes: the women's class fails l=2.
    rows = [{"person_id": p, "sex": "female", "wave": 0, "outcome": "irregular", "score": 0}
            for p in range(10)]
    rows += [{"person_id": 100 + p, "sex": "male", "wave": 0,
              "outcome": ["stayed", "regular"][p % 2], "score": 0} for p in range(10)]
    source = pd.DataFrame(rows)
    result = anonymise(source, ["sex"], k=5, sensitive="outcome", l=2)
    released = result.frame
    women = released[released["outcome"] == "irregular"]
    # Either blanked into a diverse all-"*" class or dropped: never labelled "female".
    assert (women["sex"].astype(str) != "female").all()
    frame = released.astype({"sex": str}).reset_index(drop=True)
    assert anonymity.l_diversity(frame, ["sex"], ["outcome"]) >= 2
    assert anonymity.k_anonymity(frame, ["sex"]) >= 5


def test_l_diversity_impossible_drops_everything() -> None:
    rows = [{"person_id": p, "sex": "female", "wave": 0, "outcome": "stayed", "score": 0}
            for p in range(10)]
    result = anonymise(pd.DataFrame(rows), ["sex"], k=5, sensitive="outcome", l=2)
    assert result.frame.empty
    assert result.report.persons_suppressed_for_l == 10


# ------------------------------------------------------------------ property tests


@st.composite
def panels(draw: st.DrawFn) -> pd.DataFrame:
    persons = draw(st.integers(min_value=0, max_value=40))
    sexes = st.sampled_from(["female", "male"])
    years = st.integers(min_value=1960, max_value=2009)
    provinces = st.sampled_from(["PK-1", "PK-2", "PK-3", "AF-1", "AF-2"])
    statuses = st.sampled_from(["a", "b", "c"])
    sites = st.sampled_from(["S0", "S1"])
    rows = []
    for person in range(persons):
        qi = {"person_id": 1000 + person * 7, "sex": draw(sexes),
              "birth_year": draw(years), "province": draw(provinces),
              "status": draw(statuses), "site": draw(sites)}
        for wave in range(draw(st.integers(min_value=1, max_value=3))):
            rows.append({**qi, "wave": wave,
                         "outcome": draw(st.sampled_from(["x", "y", "z"])),
                         "score": draw(st.integers(min_value=0, max_value=8))})
    frame = pd.DataFrame(rows, columns=[*["person_id"], *QIS, *OTHER_COLUMNS])
    # Rows of a person need not be together.
    order = draw(st.permutations(range(len(frame))))
    return frame.iloc[list(order)].reset_index(drop=True)


@given(source=panels(), k=st.integers(min_value=3, max_value=6),
       max_suppression=st.sampled_from([0.0, 0.05, 0.2, 0.5]))
@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_property_k_anonymous_or_nothing(source: pd.DataFrame, k: int,
                                         max_suppression: float) -> None:
    result = anonymise(source, QIS, HIERARCHIES, k=k, max_suppression=max_suppression)
    assert_k_anonymous(result, RELEASED_QIS, k)
    assert_consistent_release(result, source)
    assert_report_matches_frame(result, source, RELEASED_QIS)
    if source["person_id"].nunique() >= k:
        # With every variable suppressible, k is always reachable without dropping all.
        assert result.report.persons_released > 0


@given(source=panels(), l=st.integers(min_value=2, max_value=3),
       per_wave=st.booleans())
@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
def test_property_l_diverse(source: pd.DataFrame, l: int, per_wave: bool) -> None:  # noqa: E741
    result = anonymise(source, QIS, HIERARCHIES, k=3, sensitive="outcome", l=l,
                       wave_column="wave" if per_wave else None)
    assert_k_anonymous(result, RELEASED_QIS, 3)
    assert_consistent_release(result, source)
    assert_report_matches_frame(result, source, RELEASED_QIS)
    frame = result.frame.astype(dict.fromkeys(RELEASED_QIS, str))
    groups = [rows for _, rows in frame.groupby("wave")] if per_wave else [frame]
    for rows in groups:
        if len(rows):
            assert anonymity.l_diversity(rows.reset_index(drop=True), RELEASED_QIS,
                                         ["outcome"]) >= l
    if len(frame):
        assert result.report.l_reached is not None and result.report.l_reached >= l


def test_works_on_pseudonymised_ids_and_bounds_the_lattice() -> None:
    from mrc.privacy.pseudonyms import new_study_key, pseudonyms

    source = make_panel(500, seed=12)
    source["person_id"] = pseudonyms(new_study_key(), source["person_id"].to_numpy())
    result = anonymise(source, QIS, HIERARCHIES, k=5)
    assert_k_anonymous(result, RELEASED_QIS, 5)
    assert_report_matches_frame(result, source, RELEASED_QIS)

    wide = pd.DataFrame({"person_id": range(10), **{f"q{i}": 0 for i in range(15)}})
    with pytest.raises(ValueError, match="too many"):
        anonymise(wide, [f"q{i}" for i in range(15)])  # 2**15 lattice nodes

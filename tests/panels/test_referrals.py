"""The referral flags of a panel (#12): ``referred`` and ``referral_service_given`` are
person-level 0/1 outcomes read set-based from the referrals, in every format and in the
codebook, and nothing else of a referral is ever released."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from mrc.extensions import db
from mrc.panels import services
from mrc.panels import variables as V
from mrc.panels.build import PanelSpec
from mrc.privacy.pseudonyms import new_study_key, pseudonyms
from mrc.referrals import services as referrals
from tests.panels.conftest import panel_csv, read_zip

TODAY = date.today()
BASELINE = TODAY - timedelta(days=100)  # make_client's default baseline
FLAGS = ["referred", "referral_service_given"]


def spec(network, end=TODAY, **options):
    options.setdefault("covariates", ("sex", "age"))
    options.setdefault("outcomes", ("intention", *FLAGS))
    return PanelSpec(name="Referrals study", mrc_ids=(network["PK-ISB"].id,),
                     period_start=BASELINE - timedelta(days=30), period_end=end,
                     waves=(1,), k=3, **options)


def export(study, tmp_path, key):
    path = tmp_path / "panel.zip"
    summary = services.export_zip(study, key, path)
    return summary, read_zip(path)


def give_service(referral, user, on=TODAY):
    referrals.set_status(referral, "accepted", on, None, user)
    referrals.set_status(referral, "service_given", on, None, user)


@pytest.fixture
def cohort(make_referral, make_client, make_user):
    """Three clients referred with the service given (one of whom later withdrew
    consent), three referred without it and four never referred; all alike in their
    covariates and baselines, so that one class of ten persons holds them all."""
    user = make_user("counsellor", "PK-ISB")
    given = [make_referral() for _ in range(3)]
    for referral in given:
        give_service(referral, user)
    referrals.withdraw_consent(given[0], user)
    sent = [make_referral() for _ in range(3)]
    others = [make_client("PK-ISB", sessions=1) for _ in range(4)]
    db.session.flush()
    return {"given": [r.client_id for r in given], "sent": [r.client_id for r in sent],
            "none": [c.id for c in others], "referrals": [*given, *sent]}


def by_person(frame: pd.DataFrame, key: bytes, ids: list[int], column: str) -> set[str]:
    """The values of ``column`` on every released row of the clients ``ids``."""
    wanted = set(pseudonyms(key, np.asarray(ids, dtype=np.int64)))
    rows = frame[frame["person_id"].isin(wanted)]
    assert rows["person_id"].nunique() == len(ids)
    return set(rows[column])


def test_flags_in_the_long_csv_and_dta(network, cohort, tmp_path):
    key = new_study_key()
    summary, files = export(spec(network), tmp_path, key)
    csv = panel_csv(files)
    assert summary.persons == 10 and len(csv) == 20  # baseline and wave 1 per person
    assert list(csv.columns[-2:]) == FLAGS
    # Person-level: the same value on the baseline row and the follow-up row.
    assert by_person(csv, key, cohort["given"], "referred") == {"1"}
    assert by_person(csv, key, cohort["given"], "referral_service_given") == {"1"}
    assert by_person(csv, key, cohort["sent"], "referred") == {"1"}
    assert by_person(csv, key, cohort["sent"], "referral_service_given") == {"0"}
    assert by_person(csv, key, cohort["none"], "referred") == {"0"}
    assert by_person(csv, key, cohort["none"], "referral_service_given") == {""}

    path = tmp_path / "panel.dta"
    path.write_bytes(files["panel.dta"])
    data, meta = pyreadstat.read_dta(str(path))
    assert list(data["person_id"]) == list(csv["person_id"])
    for name in FLAGS:
        assert meta.variable_value_labels[name] == {0: "No", 1: "Yes"}
        expected = [float(v) if v else None for v in csv[name]]
        assert [None if pd.isna(v) else v for v in data[name]] == expected
    assert meta.column_names_to_labels["referred"] == (
        "Referred to a facility in a destination country")
    assert meta.column_names_to_labels["referral_service_given"] == (
        "A referral reached the service")
    labelled, _ = pyreadstat.read_dta(str(path), apply_value_formats=True)
    assert (labelled["referred"] == csv["referred"].map({"0": "No", "1": "Yes"})).all()


def test_codebook_lists_the_flags_as_person_level_outcomes(network, cohort, tmp_path):
    _, files = export(spec(network), tmp_path, new_study_key())
    book = json.loads(files["codebook.json"])
    entries = {v["name"]: v for v in book["variables"]}
    for name in FLAGS:
        entry = entries[name]
        assert (entry["type"], entry["level"], entry["quasi_identifier"]) == (
            "binary", "person", False)
        assert entry["values"] == [{"value": "0", "code": 0, "label": "No"},
                                   {"value": "1", "code": 1, "label": "Yes"}]
        assert entry["description"]
    assert entries["referred"]["missing"] == 0
    assert entries["referral_service_given"]["missing"] == 8  # 4 persons × 2 rows
    assert not set(FLAGS) & set(book["study"]["quasi_identifiers"])
    markdown = files["codebook.md"].decode()
    assert "### `referred`" in markdown and "### `referral_service_given`" in markdown
    assert "Referred to a facility in a destination country" in files["codebook.html"].decode()


def test_wide_shape_has_each_flag_once_with_sav_labels(network, cohort, tmp_path):
    key = new_study_key()
    summary, files = export(spec(network, shape="wide"), tmp_path, key)
    csv = panel_csv(files)
    assert len(csv) == summary.persons == 10
    assert set(FLAGS) <= set(csv.columns)
    assert not [c for c in csv.columns if c.startswith("referr") and c not in FLAGS]
    # Person-level columns come before the per-wave ones.
    assert csv.columns.get_loc("referred") < csv.columns.get_loc("responded_w0")
    assert by_person(csv, key, cohort["given"], "referral_service_given") == {"1"}
    assert by_person(csv, key, cohort["sent"], "referral_service_given") == {"0"}
    assert by_person(csv, key, cohort["none"], "referred") == {"0"}

    path = tmp_path / "panel.sav"
    path.write_bytes(files["panel.sav"])
    data, meta = pyreadstat.read_sav(str(path))
    assert meta.variable_value_labels["referral_service_given"] == {0: "No", 1: "Yes"}
    assert meta.variable_measure["referred"] == "nominal"
    assert list(data["referred"]) == [float(v) for v in csv["referred"]]
    assert int(data["referred"].sum()) == 6
    assert int(data["referral_service_given"].isna().sum()) == 4


def test_only_referrals_between_baseline_and_period_end_count(network, make_referral,
                                                             make_user, tmp_path):
    user = make_user("counsellor", "PK-ISB")
    before = [make_referral() for _ in range(3)]
    for referral in before:  # sent before the baseline
        referral.sent_on = BASELINE - timedelta(days=1)
    late_service = [make_referral() for _ in range(3)]
    for referral in late_service:  # sent in the period, service given after its end
        give_service(referral, user)
        referral.sent_on = TODAY - timedelta(days=20)
    db.session.flush()
    key = new_study_key()
    _, files = export(spec(network, end=TODAY - timedelta(days=10)), tmp_path, key)
    csv = panel_csv(files)
    assert by_person(csv, key, [r.client_id for r in before], "referred") == {"0"}
    late = [r.client_id for r in late_service]
    assert by_person(csv, key, late, "referred") == {"1"}
    assert by_person(csv, key, late, "referral_service_given") == {"0"}
    # The same referrals with the period running to today: the service counts.
    _, files = export(spec(network), tmp_path, key)
    assert by_person(panel_csv(files), key, late, "referral_service_given") == {"1"}


def test_nothing_else_of_a_referral_is_released(network, cohort, tmp_path):
    study = spec(network, formats=tuple(V.FORMATS))
    path = tmp_path / "panel.zip"
    services.export_zip(study, new_study_key(), path)
    files = read_zip(path)
    blobs = [*files.values(), path.read_bytes()]
    needles: list[bytes] = [b"labour_dispute", b"Welfare Desk", b"Riyadh", b"+966",
                            b"desk@example.org", b"embassy_welfare", b"R-"]
    for referral in cohort["referrals"]:
        needles += [referral.reference.encode(), referral.reference[2:].encode(),
                    referral.facility.name.encode()]
    for blob in blobs:
        for needle in needles:
            assert needle not in blob, needle
    columns = set(panel_csv(files).columns)
    assert not {"reference", "facility", "facility_id", "service", "status", "sent_on",
                "service_on", "withdrawn_at", "country"} & columns
    assert {c for c in columns if "referr" in c} == set(FLAGS)


def test_comparison_respondents_have_no_referral_flags(network, cohort, tmp_path):
    from mrc.impact.models import ComparisonRespondent, ComparisonResponse

    now = pd.Timestamp(BASELINE, tz="UTC").to_pydatetime()
    for i in range(4):
        respondent = ComparisonRespondent(
            mrc_id=network["PK-ISB"].id, external_id=f"C{i}", sex="female", birth_year=1995,
            province="PK-IS", migrant_status="prospective", created_at=now)
        db.session.add(respondent)
        db.session.flush()
        db.session.add(ComparisonResponse(
            respondent_id=respondent.id, mrc_id=respondent.mrc_id, wave=0,
            survey_date=BASELINE, intention="none", awareness_score=3,
            external_id=f"C{i}-0", created_at=now))
    db.session.flush()
    _, files = export(spec(network, include_comparison=True), tmp_path, new_study_key())
    csv = panel_csv(files)
    untreated = csv[csv["treated"] == "0"]
    assert untreated["person_id"].nunique() == 4
    assert set(untreated["referred"]) == set(untreated["referral_service_given"]) == {""}
    treated = csv[csv["treated"] == "1"]
    assert set(treated["referred"]) == {"0", "1"}


def test_the_study_form_offers_the_flags(network, make_user, login):
    evaluator = make_user("evaluator", country="PK")
    browser = login(evaluator)
    page = browser.get("/panels/new").get_data(as_text=True)
    assert 'value="referred"' in page and 'value="referral_service_given"' in page
    assert "Referred to a facility in a destination country" in page
    data = {"name": "Referral study", "mrc_ids": [str(network["PK-ISB"].id)],
            "period_start": "2026-01-01", "period_end": "2026-12-31", "waves": ["1"],
            "covariates": ["sex"], "outcomes": ["intention", *FLAGS], "shape": "wide",
            "formats": ["csv"], "date_mode": "days", "k": "5", "l_variable": "",
            "l_value": ""}
    assert browser.post("/panels/new", data=data).status_code == 302
    study = services.own_studies(evaluator)[0]
    assert study.variables == ["sex", "intention", *FLAGS]
    assert services.spec_of(study, evaluator).outcomes == ("intention", *FLAGS)
    # Like used_mrc_info they are not offered for l-diversity.
    definition = {"name": "l", "mrc_ids": [network["PK-ISB"].id],
                  "period_start": date(2026, 1, 1), "period_end": date(2026, 12, 31),
                  "waves": [1], "covariates": ["sex"], "outcomes": FLAGS, "shape": "long",
                  "formats": ["csv"], "date_mode": "days", "k": 5, "l_value": 2}
    assert not services.validate_study(definition, evaluator)
    for name in FLAGS:
        errors = services.validate_study({**definition, "l_variable": name}, evaluator)
        assert set(errors) == {"l_variable"}

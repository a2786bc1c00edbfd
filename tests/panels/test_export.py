"""The panel pipeline end to end (query → pseudonyms → anonymisation → files → zip),
checked with independent readers: pycanon for k-anonymity, pandas/pyreadstat/pyarrow for
the files, hashlib for the manifest."""

from __future__ import annotations

import hashlib
import io
import json
import struct
from datetime import date

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
from pycanon import anonymity
from sqlalchemy import text

from mrc.cases import services as cases
from mrc.cases.models import Client
from mrc.extensions import db
from mrc.panels import services
from mrc.panels.build import PanelSpec
from mrc.privacy.kanonymity import as_text
from mrc.privacy.pseudonyms import new_study_key
from tests.panels.conftest import panel_csv, read_zip

RELEASED_QIS = ["site", "sex", "age", "province", "nationality", "migrant_status",
                "education", "employment"]


def spec_for(network, codes=("PK-ISB", "PK-LHE"), **options):
    options.setdefault("waves", (1, 2))
    return PanelSpec(name="Test study", mrc_ids=tuple(network[c].id for c in codes),
                     period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), **options)


def export(spec, tmp_path, key=None, name="panel.zip"):
    path = tmp_path / name
    summary = services.export_zip(spec, key or new_study_key(), path)
    return summary, read_zip(path)


def pycanon_k(frame: pd.DataFrame, qis: list[str]) -> int | None:
    people = frame.drop_duplicates("person_id")[qis].apply(as_text).reset_index(drop=True)
    return None if people.empty else int(anonymity.k_anonymity(people, qis))


@pytest.mark.parametrize("k", [3, 5, 10])
def test_long_panel_is_k_anonymous_by_pycanon(network, population, tmp_path, k):
    population(70, "PK-ISB", seed=1)
    population(50, "PK-LHE", seed=2)
    summary, files = export(spec_for(network, k=k), tmp_path)
    frame = panel_csv(files)
    assert frame["person_id"].nunique() == summary.persons > 0
    assert pycanon_k(frame, RELEASED_QIS) >= k
    assert summary.k_reached == pycanon_k(frame, RELEASED_QIS)
    # Balanced: one row per person and wave, baseline first, ordered by pseudonym.
    assert len(frame) == 3 * summary.persons
    waves = frame.groupby("person_id")["wave"].apply(lambda s: tuple(s))
    assert (waves == ("0", "1", "2")).all()
    assert list(frame["person_id"]) == sorted(frame["person_id"])
    assert set(frame["treated"]) == {"1"}
    post = frame["post"].astype(int)
    assert (post == (frame["wave"].astype(int) > 0)).all()
    baseline = frame[frame["wave"] == "0"]
    assert (baseline["days_since_baseline"] == "0").all()
    assert (baseline["location_status"] == "").all()
    missing = frame[frame["responded"] == "0"]
    assert (missing[["intention", "location_status", "awareness_score"]] == "").all().all()
    disclosure = json.loads(files["disclosure.json"])
    assert disclosure["k_reached"] == summary.k_reached and disclosure["k_satisfied"]


def test_tiny_study_releases_nothing_but_valid_files(network, population, tmp_path):
    population(3, "PK-ISB")
    summary, files = export(spec_for(network, codes=("PK-ISB",)), tmp_path)
    assert summary.persons == 0 and summary.k_reached is None
    assert panel_csv(files).empty
    assert "Nothing released" in files["disclosure.md"].decode()
    data, meta = pyreadstat.read_dta(_tmp(tmp_path, "tiny.dta", files["panel.dta"]))
    assert len(data) == 0 and "person_id" in meta.column_names


def test_empty_period_gives_an_empty_panel(network, population, tmp_path):
    population(10, "PK-ISB")
    spec = PanelSpec(name="none", mrc_ids=(network["PK-ISB"].id,),
                     period_start=date(2020, 1, 1), period_end=date(2020, 12, 31), waves=(1,))
    summary, files = export(spec, tmp_path)
    assert summary.persons == 0 and summary.rows == 0
    assert pq.read_table(io.BytesIO(files["panel.parquet"])).num_rows == 0


def test_one_mrc(network, population, tmp_path):
    population(40, "IQ-EBL", seed=3)
    population(5, "PK-ISB", seed=4)  # not in the study
    summary, files = export(spec_for(network, codes=("IQ-EBL",), k=5), tmp_path)
    frame = panel_csv(files)
    assert summary.persons > 0 and set(frame["site"]) <= {"S1", "*"}
    assert set(frame["nationality"]) <= {"IQ", "*"}
    assert pycanon_k(frame, RELEASED_QIS) >= 5


def test_all_unique_records_are_generalised_or_suppressed(network, population, tmp_path):
    population(30, "PK-ISB", unique=True, sex="female", education="secondary",
               employment="employed", migrant_status="prospective", province="PK-IS")
    summary, files = export(spec_for(network, codes=("PK-ISB",), k=5), tmp_path)
    frame = panel_csv(files)
    report = json.loads(files["disclosure.json"])
    assert report["persons_in"] == 30
    assert summary.persons == 0 or pycanon_k(frame, RELEASED_QIS) >= 5
    age = next(r for r in report["recodings"] if r["variable"] == "age")
    assert age["generalised"]


def test_wide_shape_one_row_per_person(network, population, tmp_path):
    population(50, "PK-ISB", seed=5)
    summary, files = export(spec_for(network, codes=("PK-ISB",), shape="wide"), tmp_path)
    frame = panel_csv(files)
    assert len(frame) == frame["person_id"].nunique() == summary.persons
    for column in ("intention_w0", "intention_w1", "intention_w2", "responded_w2",
                   "days_since_baseline_w1", "used_mrc_info_w2"):
        assert column in frame.columns
    assert "wave" not in frame.columns
    assert (frame["days_since_baseline_w0"] == "0").all()
    assert pycanon_k(frame, ["site", "sex", "age", "province"]) >= 5


def test_month_mode_releases_baseline_month_as_quasi_identifier(network, population,
                                                                tmp_path):
    population(60, "PK-ISB", seed=6)
    summary, files = export(spec_for(network, codes=("PK-ISB",), date_mode="month",
                                     covariates=("sex", "age")), tmp_path)
    frame = panel_csv(files)
    assert "days_since_baseline" not in frame.columns
    assert "months_since_baseline" in frame.columns
    assert pycanon_k(frame, ["site", "sex", "age", "baseline_month"]) >= 5
    values = set(frame["baseline_month"])
    assert values <= {"2026-01", "2026-02", "2026-03", "2026-Q1", "2026", "*"}
    book = json.loads(files["codebook.json"])
    assert "baseline_month" in book["study"]["quasi_identifiers"]


@pytest.mark.parametrize("sensitive", ["intention", "location_status"])
def test_l_diversity_in_every_observed_wave(network, population, tmp_path, sensitive):
    clients = population(80, "PK-ISB", seed=7)
    for i, c in enumerate(clients):  # varied baseline intentions
        c.sessions[0].intention = ("none", "regular", "irregular", "undecided")[i % 4]
    db.session.flush()
    summary, files = export(spec_for(network, codes=("PK-ISB",), l_variable=sensitive,
                                     l_value=2, covariates=("sex", "age")), tmp_path)
    frame = panel_csv(files)
    report = json.loads(files["disclosure.json"])
    assert summary.persons > 0 and len(frame) == 3 * summary.persons
    assert report["l_requested"] == 2 and report["l_reached"] >= 2
    assert report["rows_in"] == 240 and report["rows_released"] == len(frame)
    observed = frame[frame["wave"] != "0"] if sensitive == "location_status" else frame
    classes = observed.groupby(["site", "sex", "age", "wave"])[sensitive]
    assert (classes.apply(lambda s: s[s != ""].nunique()) >= 2).all()
    assert pycanon_k(frame, ["site", "sex", "age"]) >= 5


def test_same_ids_on_reexport_and_unlinkable_across_studies(network, population, tmp_path):
    population(40, "PK-ISB", seed=8)
    spec = spec_for(network, codes=("PK-ISB",))
    key = new_study_key()
    _, first = export(spec, tmp_path, key, "a.zip")
    _, again = export(spec, tmp_path, key, "b.zip")
    _, other = export(spec, tmp_path, new_study_key(), "c.zip")
    ids_first = set(panel_csv(first)["person_id"])
    assert ids_first == set(panel_csv(again)["person_id"])
    assert panel_csv(first).equals(panel_csv(again))
    assert not ids_first & set(panel_csv(other)["person_id"])
    assert all(len(i) == 16 for i in ids_first)


def test_dta_and_sav_keep_variable_and_value_labels(network, population, tmp_path):
    population(60, "PK-ISB", seed=9)
    summary, files = export(spec_for(network, codes=("PK-ISB",)), tmp_path)
    csv = panel_csv(files)
    for name, reader in (("panel.dta", pyreadstat.read_dta), ("panel.sav", pyreadstat.read_sav)):
        data, meta = reader(_tmp(tmp_path, name, files[name]))
        assert len(data) == summary.rows
        labels = meta.column_names_to_labels
        assert labels["sex"] == "Sex" and labels["intention"] == "Migration intention"
        assert labels["person_id"].startswith("Person")
        sex_labels = meta.variable_value_labels["sex"]
        assert sex_labels[1] == "Female" and sex_labels[2] == "Male"
        assert meta.variable_value_labels["intention"][4] == "Intends to migrate irregularly"
        assert meta.variable_value_labels["treated"][1] == "MRC client"
        # Applying the labels gives back the CSV's categories (labels of the same codes).
        labelled, _ = reader(_tmp(tmp_path, name, files[name]), apply_value_formats=True)
        # In SPSS the suppressed code is user-missing: read as missing unless asked.
        star = "suppressed (disclosure control)" if name.endswith("dta") else "nan"
        vocab = {"female": "Female", "male": "Male", "*": star}
        assert list(as_text(labelled["sex"])) == [vocab.get(v, v) for v in csv["sex"]]
        assert list(data["person_id"]) == list(csv["person_id"])
    _, sav_meta = pyreadstat.read_sav(_tmp(tmp_path, "m.sav", files["panel.sav"]),
                                      user_missing=True)
    blanked = [c for c in csv.columns if (csv[c] == "*").any()]
    assert blanked
    for column in blanked:
        assert sav_meta.missing_ranges[column] == [{"lo": 999.0, "hi": 999.0}]


def test_parquet_and_csv_agree(network, population, tmp_path):
    population(30, "PK-ISB", seed=10)
    _, files = export(spec_for(network, codes=("PK-ISB",)), tmp_path)
    table = pq.read_table(io.BytesIO(files["panel.parquet"]))
    assert table.schema.field("sex").metadata[b"label"] == b"Sex"
    parquet = table.to_pandas()
    csv = panel_csv(files)
    assert list(parquet["person_id"]) == list(csv["person_id"])
    assert list(parquet["intention"].astype(object).fillna("")) == list(csv["intention"])
    text_csv = files["panel.csv"].decode("utf-8")
    assert text_csv.splitlines()[0].startswith("person_id,site,treated,")


def test_manifest_hashes_every_file(network, population, tmp_path):
    population(20, "PK-ISB", seed=11)
    summary, files = export(spec_for(network, codes=("PK-ISB",)), tmp_path)
    manifest = json.loads(files["manifest.json"])
    listed = {e["name"]: e for e in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json", "SHA256SUMS"}
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[name]).hexdigest()
        assert entry["bytes"] == len(files[name])
    sums = dict(line.split("  ")[::-1] for line in files["SHA256SUMS"].decode().splitlines())
    assert sums == {n: e["sha256"] for n, e in listed.items()}
    assert summary.sha256 == hashlib.sha256((tmp_path / "panel.zip").read_bytes()).hexdigest()
    book = json.loads(files["codebook.json"])
    assert {v["name"] for v in book["variables"]} == set(panel_csv(files).columns)
    assert "<table>" in files["codebook.html"].decode()


def _raise_client_ids(network) -> None:
    """Make new client ids large and distinctive, so that their absence can be checked
    byte for byte (small ids such as 3 occur in any file)."""
    start = 987_654_321
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"SELECT setval('client_id_seq', {start})"))
    else:
        placeholder = cases.register_client(network["TJ-DYU"], {
            "sex": "male", "birth_year": 1990, "migrant_status": "prospective",
            "education": "primary", "employment": "employed",
            "registered_on": date(2026, 1, 1)}, user=None)
        db.session.execute(text(f"UPDATE client SET id = {start} WHERE id = {placeholder.id}"))
    db.session.flush()


def test_no_identifier_anywhere_in_the_zip(network, population, tmp_path):
    _raise_client_ids(network)
    clients = population(30, "PK-ISB", seed=12)
    for i, c in enumerate(clients[:10]):
        cases.update_client(c, {"phone": f"0300 555 {1000 + i}"}, user=None)
        c.external_id = f"EXT-SECRET-{i}"
    db.session.flush()
    assert min(c.id for c in clients) > 987_654_321
    path = tmp_path / "panel.zip"
    services.export_zip(spec_for(network, codes=("PK-ISB",), k=3), new_study_key(), path)
    files = read_zip(path)
    blobs = list(files.values()) + [path.read_bytes()]
    cases.log_session(clients[0], {
        "date": date(2026, 4, 1), "channel": "walk_in", "language": "ur", "topics": [],
        "destination": "SA", "intention": "regular", "awareness_answers": None,
        "referrals": [], "duration_minutes": 20, "notes": "SECRET-NOTE-TEXT"}, user=None)
    needles: list[bytes] = [b"SECRET-NOTE", b"EXT-SECRET", b"+92300555", b"0300 555", b"PK-ISB"]
    for c in clients:
        db.session.refresh(c)
        needles += [c.code.encode(), str(c.id).encode(), c.code[:4].encode() + b"-"]
        if c.phone_index:
            needles.append(c.phone_index.encode())
        # The record key (disclosure control, #11) is the cell key method's secret.
        if c.record_key >= 10**8:  # shorter digit strings could occur by chance
            needles += [str(c.record_key).encode(), struct.pack("<i", c.record_key)]
        needles += [struct.pack("<q", c.id), struct.pack(">q", c.id), struct.pack("<d", c.id),
                    struct.pack(">d", c.id), struct.pack("<i", c.id), struct.pack(">i", c.id)]
    for blob in blobs:
        for needle in needles:
            assert needle not in blob
    frame = panel_csv(files)
    forbidden = {"id", "client_id", "code", "phone", "notes", "mrc_id", "external_id",
                 "record_key"}
    assert not forbidden & set(frame.columns)
    ids = {str(c.id) for c in clients}
    for column in frame.columns:
        assert not ids & set(frame[column])
    assert db.session.query(Client).filter(Client.phone_enc.is_not(None)).count() == 10


def test_comparison_respondents_are_untreated_rows(network, population, tmp_path):
    from mrc.impact.models import ComparisonRespondent, ComparisonResponse

    population(40, "PK-ISB", seed=13)
    now = pd.Timestamp("2026-02-01", tz="UTC").to_pydatetime()
    for i in range(30):
        respondent = ComparisonRespondent(
            mrc_id=network["PK-ISB"].id, external_id=f"R{i}", sex="male" if i % 2 else "female",
            birth_year=1990, province="PK-IS", migrant_status="prospective", created_at=now)
        db.session.add(respondent)
        db.session.flush()
        for wave, day in ((0, date(2026, 2, 1)), (1, date(2026, 5, 3))):
            db.session.add(ComparisonResponse(
                respondent_id=respondent.id, mrc_id=respondent.mrc_id, wave=wave,
                survey_date=day, intention="irregular" if i % 3 else "none",
                location_status=None if wave == 0 else "stayed", awareness_score=3,
                external_id=f"R{i}-{wave}", created_at=now))
    db.session.flush()
    summary, files = export(spec_for(network, codes=("PK-ISB",), include_comparison=True,
                                     covariates=("sex", "age", "province")), tmp_path)
    frame = panel_csv(files)
    assert set(frame["treated"]) <= {"0", "1"} and "0" in set(frame["treated"])
    untreated = frame[frame["treated"] == "0"]
    wave1 = untreated[untreated["wave"] == "1"]
    assert (wave1["days_since_baseline"] == "91").all()
    assert (wave1["used_mrc_info"] == "").all()
    assert pycanon_k(frame, ["site", "treated", "sex", "age", "province"]) >= 5


def _tmp(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_the_migration_context_is_released_at_the_baseline_only(network, population,
                                                                 tmp_path):
    clients = population(30, "PK-ISB", seed=12)
    for record in clients[:20]:
        baseline = next(s for s in record.sessions if s.is_baseline)
        baseline.route, baseline.fee_band, baseline.info_source = (
            "land_iran", "3000_4999", "broker")
    db.session.flush()
    summary, files = export(spec_for(network, codes=("PK-ISB",)), tmp_path)
    csv = panel_csv(files)
    baseline_rows, later = csv[csv["wave"] == "0"], csv[csv["wave"] != "0"]
    assert (baseline_rows["route"] == "land_iran").sum() == 20
    assert set(baseline_rows["fee_band"]) == {"3000_4999", ""}
    assert set(later["route"]) == {""} and set(later["info_source"]) == {""}
    data, meta = pyreadstat.read_dta(_tmp(tmp_path, "c.dta", files["panel.dta"]))
    assert len(data) == summary.rows
    assert meta.column_names_to_labels["route"] == "Route considered"
    assert meta.variable_value_labels["route"][3] == "Overland via Iran"
    assert meta.variable_value_labels["fee_band"][4] == "3,000 to 4,999 USD"

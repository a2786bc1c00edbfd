"""From raw records to the released panel frame: pseudonyms, long layout, anonymisation,
wide layout. Pure pandas/NumPy on whole columns (no loop over persons or rows).

Decisions (documented in docs/panels.md):

- The person id is the study pseudonym (:mod:`mrc.privacy.pseudonyms`); rows are ordered
  by it, so the row order says nothing about registration order or database ids.
- The panel is *balanced*: every person has one row per wave (baseline + each chosen
  follow-up wave); ``responded`` = 0 marks a wave not reached, whose outcomes are missing.
- ``site`` is an opaque per-study label (S1, S2 …, in an order drawn from the study key),
  not the MRC code, and it is a declared quasi-identifier (with province it could single
  out people otherwise). ``treated`` is one too when comparison respondents are included.
- Dates: ``days_since_baseline`` per row (no calendar date), or in *month* mode the
  baseline month as a quasi-identifier (month → quarter → year → suppressed) with
  ``months_since_baseline`` per row.
- Every chosen baseline covariate is a quasi-identifier: age from the birth year
  (5 → 10-year bands → suppressed), province (→ country → suppressed), the others kept or
  suppressed. k-anonymity is counted in persons (:func:`mrc.privacy.kanonymity.anonymise`).
- The referral flags are person-level outcomes, not quasi-identifiers: repeated on every
  row of the person in the long shape, once in the wide shape.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd

from mrc.cases import vocab
from mrc.panels import variables as V
from mrc.panels.query import RawPanel
from mrc.privacy.kanonymity import (
    AgeBands,
    AnonymisationResult,
    Hierarchy,
    MappingHierarchy,
    anonymise,
    province_hierarchy,
)
from mrc.privacy.pseudonyms import pseudonyms

_OUTCOME_VOCAB = {"intention": vocab.INTENTION, "location_status": vocab.LOCATION_STATUS,
                  **vocab.CONTEXT_FIELDS}
# Outcomes never observed at the baseline.
_FOLLOW_UP_ONLY = ("location_status",)


@dataclass(frozen=True)
class PanelSpec:
    """Everything that defines a panel, independent of the web form and the database."""

    name: str
    mrc_ids: tuple[int, ...]
    period_start: date
    period_end: date
    waves: tuple[int, ...]  # follow-up waves, 1 = first follow-up
    wave_days: tuple[int, ...] = (90, 180)  # configured offset of every wave
    covariates: tuple[str, ...] = tuple(V.COVARIATES)
    outcomes: tuple[str, ...] = tuple(V.OUTCOMES)
    shape: str = "long"
    formats: tuple[str, ...] = tuple(V.FORMATS)
    date_mode: str = "days"
    k: int = 5
    l_variable: str | None = None
    l_value: int | None = None
    include_comparison: bool = False
    max_suppression: float = 0.05
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def wave_values(self) -> list[int]:
        return [0, *sorted(self.waves)]

    @property
    def quasi_identifiers(self) -> list[str]:
        """Input columns declared quasi-identifiers, in release order."""
        qis = ["site"]
        if self.include_comparison:
            qis.append("treated")
        qis += [V.COVARIATES[c].source or c for c in self.covariates]
        if self.date_mode == "month":
            qis.append("baseline_month")
        return qis


def site_labels(study_key: bytes, mrc_ids: list[int]) -> dict[int, str]:
    """Opaque labels S1, S2 … of the study's MRCs, numbered in an order drawn from the
    study key (so neither the MRC codes nor their database order show through)."""
    site_key = hmac.new(study_key, b"mrc panel site order", hashlib.sha256).digest()
    order = sorted(set(mrc_ids), key=lambda i: hmac.new(site_key, str(i).encode(),
                                                        hashlib.sha256).digest())
    return {mrc_id: f"S{n}" for n, mrc_id in enumerate(order, start=1)}


def _as_dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype=object), errors="coerce")


def _vocab_categorical(values: pd.Series, codes: list[str]) -> pd.Categorical:
    text = pd.Series(values, dtype=object)
    extra = sorted({str(v) for v in text.dropna().unique()} - set(codes))
    return pd.Categorical(text, categories=[*codes, *extra])


def build_long(raw: RawPanel, spec: PanelSpec, study_key: bytes) -> pd.DataFrame:
    """The long panel before anonymisation: one row per person and wave, ordered by
    pseudonym and wave, without any database id."""
    persons = raw.persons
    n = len(persons)
    wave_values = spec.wave_values
    nw = len(wave_values)
    ids = persons["pid"].to_numpy(dtype=np.int64)
    person_id = pseudonyms(study_key, ids) if n else np.zeros(0, dtype=object)
    order = np.argsort(person_id, kind="stable")
    persons = persons.take(order).reset_index(drop=True)
    ids, person_id = ids[order], person_id[order]
    repeat = np.repeat(np.arange(n), nw)

    labels = site_labels(study_key, [int(i) for i in persons["mrc_id"].unique()])
    site_codes = sorted(labels.values(), key=lambda s: int(s[1:]))
    out: dict[str, object] = {
        "person_id": person_id[repeat],
        "site": pd.Categorical(persons["mrc_id"].map(labels).to_numpy(dtype=object)[repeat],
                               categories=site_codes),
        "treated": persons["treated"].to_numpy(dtype=np.int8)[repeat],
    }
    for name in spec.covariates:
        source = V.COVARIATES[name].source or name
        column = persons[source]
        if source == "birth_year":
            out[source] = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)[repeat]
        else:
            out[source] = column.astype(object).to_numpy()[repeat]
    baseline = _as_dates(persons["baseline_date"])
    if spec.date_mode == "month":
        out["baseline_month"] = baseline.dt.strftime("%Y-%m").to_numpy(dtype=object)[repeat]

    wave = np.tile(np.asarray(wave_values, dtype=np.int16), n)
    out["wave"] = wave
    out["post"] = (wave > 0).astype(np.int8)

    # Follow-up rows land at person position × waves + wave position.
    follow = raw.followups
    position = pd.Index(ids).get_indexer(follow["pid"].to_numpy(dtype=np.int64))
    wave_pos = pd.Series(range(nw), index=wave_values)
    wpos = wave_pos.reindex(follow["wave"].to_numpy()).to_numpy()
    ok = (position >= 0) & ~np.isnan(wpos)
    follow = follow.loc[ok]
    rows = position[ok] * nw + wpos[ok].astype(np.int64)
    base_rows = np.arange(n) * nw

    responded = np.zeros(n * nw, dtype=np.int8)
    responded[base_rows] = 1
    responded[rows] = 1
    out["responded"] = responded

    observed = np.full(n * nw, np.nan)
    obs_dates = _as_dates(follow["obs_date"])
    base_of_row = baseline.to_numpy()[rows // nw] if n else np.zeros(0, dtype="M8[ns]")
    if spec.date_mode == "month":
        observed[base_rows] = 0
        b = pd.DatetimeIndex(base_of_row)
        o = pd.DatetimeIndex(obs_dates)
        observed[rows] = (o.year - b.year) * 12 + (o.month - b.month)
        out["months_since_baseline"] = pd.array(observed, dtype="Int32")
    else:
        observed[base_rows] = 0
        observed[rows] = (obs_dates.to_numpy() - base_of_row) / np.timedelta64(1, "D")
        out["days_since_baseline"] = pd.array(observed, dtype="Int32")

    out.update(_outcomes(spec, persons, follow, base_rows, rows, n * nw))
    out.update(_referral_outcomes(spec, persons, repeat))
    return pd.DataFrame(out)


def _outcomes(spec: PanelSpec, persons: pd.DataFrame, follow: pd.DataFrame,
              base_rows: np.ndarray, rows: np.ndarray, size: int) -> dict[str, object]:
    """The outcome columns of the long panel: baseline values at ``base_rows``, the reached
    follow-ups' at ``rows``, missing elsewhere."""
    out: dict[str, object] = {}
    for name in spec.outcomes:
        if name in _OUTCOME_VOCAB:
            codes = list(_OUTCOME_VOCAB[name])
            values = np.full(size, None, dtype=object)
            if name in persons.columns:
                values[base_rows] = persons[name].astype(object).to_numpy()
            if name in follow.columns:  # the migration context is asked at sessions only
                values[rows] = follow[name].astype(object).to_numpy()
            out[name] = _vocab_categorical(pd.Series(values), codes)
        elif name == "awareness_score":
            score = np.full(size, np.nan)
            score[base_rows] = pd.to_numeric(persons["awareness_score"]).to_numpy(dtype=float)
            score[rows] = pd.to_numeric(follow["awareness_score"]).to_numpy(dtype=float)
            out[name] = pd.array(score, dtype="Int16")
        elif name == "used_mrc_info":
            used = np.full(size, np.nan)
            raw_used = pd.to_numeric(follow["used_mrc_info"].astype(object), errors="coerce")
            used[rows] = raw_used.to_numpy(dtype=float)
            out[name] = pd.array(used, dtype="Int8")
    return out


def _flag(values: pd.Series) -> np.ndarray:
    """0/1 as floats, NaN when missing (booleans from PostgreSQL, integers from SQLite)."""
    mapped = pd.Series(values, dtype=object).map({True: 1.0, False: 0.0})
    result: np.ndarray = mapped.to_numpy(dtype=float)
    return result


def _referral_outcomes(spec: PanelSpec, persons: pd.DataFrame,
                       repeat: np.ndarray) -> dict[str, object]:
    """The person-level referral flags, on every row of the person (``repeat`` is the
    person position of each row). Whether a referral reached the service is asked of the
    referred only; comparison respondents have neither (missing)."""
    referred = _flag(persons["referred"])
    flags = {"referred": referred,
             "referral_service_given": np.where(referred == 1,
                                                _flag(persons["referral_service_given"]),
                                                np.nan)}
    return {name: pd.array(flags[name][repeat], dtype="Int8")
            for name in V.REFERRAL_OUTCOMES if name in spec.outcomes}


def _quarter(months: pd.Series) -> pd.Series:
    year = months.str.slice(0, 4)
    quarter = (months.str.slice(5, 7).astype(int) - 1) // 3 + 1
    return year + "-Q" + quarter.astype(str)


def _year(quarters: pd.Series) -> pd.Series:
    return quarters.str.slice(0, 4)


def hierarchies(spec: PanelSpec) -> dict[str, Hierarchy]:
    result: dict[str, Hierarchy] = {}
    if "age" in spec.covariates:
        result["birth_year"] = AgeBands(spec.period_end.year)
    if "province" in spec.covariates:
        result["province"] = province_hierarchy()
    if spec.date_mode == "month":
        result["baseline_month"] = MappingHierarchy(
            "month", (("quarter", _quarter), ("year", _year)))
    return result


def anonymise_panel(long: pd.DataFrame, spec: PanelSpec) -> AnonymisationResult:
    """k-anonymity (and l-diversity if asked) over the study's quasi-identifiers.

    l-diversity is required in every wave where the sensitive variable is observed:
    ``location_status`` is never observed at the baseline, so for it the anonymisation
    runs on the follow-up rows and the baseline rows of the persons released follow
    (the quasi-identifiers are person-level, so the classes are the same)."""
    qis = spec.quasi_identifiers
    weights = {q: w for q, w in V.WEIGHTS.items() if q in qis}
    with_l = bool(spec.l_variable and spec.l_value and spec.l_variable in long.columns)
    follow_up_only = with_l and spec.l_variable in _FOLLOW_UP_ONLY and len(spec.waves) > 0
    source = long[long["wave"].to_numpy() > 0] if follow_up_only else long
    result = anonymise(source, qis, hierarchies(spec), k=spec.k, person_column="person_id",
                       max_suppression=spec.max_suppression, weights=weights,
                       sensitive=spec.l_variable if with_l else None,
                       l=spec.l_value if with_l else None,
                       wave_column="wave" if with_l else None)
    if not follow_up_only:
        return result
    return _with_baseline_rows(long, result, qis, len(spec.wave_values))


def _with_baseline_rows(long: pd.DataFrame, result: AnonymisationResult, qis: list[str],
                        waves: int) -> AnonymisationResult:
    """Put back the baseline rows of the released persons, with their released
    quasi-identifier values; the report's row counts are those of the whole panel."""
    released = result.frame
    outputs = [r.variable for r in result.report.recodings]
    per_person = released.drop_duplicates("person_id").set_index("person_id")[outputs]
    base = long[(long["wave"].to_numpy() == 0) & long["person_id"].isin(per_person.index)]
    base = base.drop(columns=qis).join(per_person, on="person_id")[released.columns]
    for column in outputs:
        base[column] = pd.Categorical(base[column].astype(object),
                                      categories=released[column].cat.categories)
    frame = pd.concat([base, released])
    order = np.lexsort((frame["wave"].to_numpy(), frame["person_id"].to_numpy()))
    frame = frame.take(order).reset_index(drop=True)
    report = replace(
        result.report, rows_in=len(long), rows_released=len(frame),
        rows_suppressed=len(long) - len(frame),
        rows_with_blanked_cells=result.report.persons_with_blanked_cells * waves)
    return AnonymisationResult(frame, report)


def person_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if V.variable(c).level == V.PERSON]


def to_wide(long: pd.DataFrame, spec: PanelSpec) -> pd.DataFrame:
    """One row per person: person-level columns, then ``name_wN`` per wave for every
    row-level column (``wave`` and ``post`` are implied by the suffix)."""
    nw = len(spec.wave_values)
    first = np.arange(0, len(long), nw)
    out = {c: long[c].take(first).reset_index(drop=True) for c in person_columns(long)}
    row_columns = [c for c in long.columns
                   if V.variable(c).level == V.ROW and c not in ("wave", "post")]
    for j, w in enumerate(spec.wave_values):
        take = np.arange(j, len(long), nw)
        for c in row_columns:
            out[f"{c}_w{w}"] = long[c].take(take).reset_index(drop=True)
    return pd.DataFrame(out)


def release_frame(raw: RawPanel, spec: PanelSpec, study_key: bytes
                  ) -> tuple[pd.DataFrame, AnonymisationResult]:
    """The released frame in the study's shape and the anonymisation result."""
    result = anonymise_panel(build_long(raw, spec, study_key), spec)
    frame = result.frame.reset_index(drop=True)
    if spec.shape == "wide":
        frame = to_wide(frame, spec)
    return frame, result

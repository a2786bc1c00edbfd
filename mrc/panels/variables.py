"""What a panel can contain: every released variable with its label, type, level and
value labels (the codebook's vocabulary), and which ones are quasi-identifiers.

Categorical values are released as their stable codes (``female``, ``migrated_regular``)
in CSV and Parquet, and as integers with value labels in Stata and SPSS files. The integer
of a vocabulary code is its position in the vocabulary (1, 2 …), so it is the same in
every export; age bands are coded by their lower bound (``20-29`` → 20); provinces,
countries and sites are numbered in sorted order per export. A cell suppressed for
disclosure control (``*``) is always coded :data:`SUPPRESSED_CODE`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from mrc.cases import vocab

SUPPRESSED_CODE = 999
PERSON = "person"
ROW = "row"


@dataclass(frozen=True)
class Variable:
    """One released column.

    ``kind``: ``category`` (text codes; integers with value labels in .dta/.sav),
    ``integer``, ``binary`` (0/1 with No/Yes labels) or ``string``. ``values`` are the
    known codes and labels of a category (others, such as provinces, are found in the
    data). ``level`` is ``person`` (constant per person) or ``row`` (per wave).
    """

    name: str
    label: Any  # lazy string
    kind: str
    level: str
    values: Mapping[str, Any] = field(default_factory=dict)
    quasi_identifier: bool = False
    source: str | None = None  # input column when it differs (birth_year → age)
    description: Any = ""


YES_NO = {"0": _l("No"), "1": _l("Yes")}

PERSON_ID = Variable("person_id", _l("Person (study pseudonym)"), "string", PERSON,
                     description=_l("Keyed pseudonym (HMAC-SHA256) of the person, fresh for "
                                    "each study: stable across exports of the study, unrelated "
                                    "to any other study or to the case records."))
SITE = Variable("site", _l("Site (MRC, opaque label for this study)"), "category", PERSON,
                quasi_identifier=True,
                description=_l("Cluster for standard errors. The labels S1, S2 … are assigned "
                               "in an order drawn from the study key and are not MRC codes."))
TREATED = Variable("treated", _l("MRC client (1) or comparison respondent (0)"), "binary",
                   PERSON, {"0": _l("Comparison respondent"), "1": _l("MRC client")})
WAVE = Variable("wave", _l("Wave (0 = baseline)"), "integer", ROW)
POST = Variable("post", _l("After the baseline (wave > 0)"), "binary", ROW, YES_NO)
RESPONDED = Variable("responded", _l("Observed in this wave"), "binary", ROW, YES_NO,
                     description=_l("0 when the follow-up was not reached (attrition): the "
                                    "outcomes of the row are then missing."))
DAYS = Variable("days_since_baseline", _l("Days since the baseline"), "integer", ROW)
MONTHS = Variable("months_since_baseline", _l("Calendar months since the baseline month"),
                  "integer", ROW)
BASELINE_MONTH = Variable("baseline_month", _l("Month of the baseline"), "category", PERSON,
                          quasi_identifier=True,
                          description=_l("YYYY-MM, or coarser (quarter YYYY-Qn, year) when "
                                         "recoded for k-anonymity."))

COVARIATES: dict[str, Variable] = {
    v.name: v for v in (
        Variable("sex", _l("Sex"), "category", PERSON, vocab.SEX, True),
        Variable("age", _l("Age at the end of the study period"), "category", PERSON,
                 quasi_identifier=True, source="birth_year",
                 description=_l("In 5-year bands, or 10-year bands when recoded.")),
        Variable("province", _l("Province of residence"), "category", PERSON,
                 quasi_identifier=True,
                 description=_l("ISO 3166-2 code, or the ISO 3166 country code when "
                                "recoded.")),
        Variable("nationality", _l("Nationality"), "category", PERSON, quasi_identifier=True,
                 description=_l("ISO 3166 alpha-2 code.")),
        Variable("migrant_status", _l("Migrant status"), "category", PERSON,
                 vocab.MIGRANT_STATUS, True),
        Variable("education", _l("Education"), "category", PERSON, vocab.EDUCATION, True),
        Variable("employment", _l("Employment"), "category", PERSON, vocab.EMPLOYMENT, True),
    )
}

OUTCOMES: dict[str, Variable] = {
    v.name: v for v in (
        Variable("intention", _l("Migration intention"), "category", ROW, vocab.INTENTION),
        Variable("location_status", _l("Where the person is"), "category", ROW,
                 vocab.LOCATION_STATUS,
                 description=_l("Follow-up waves only (missing at the baseline).")),
        Variable("awareness_score", _l("Risk-awareness score"), "integer", ROW,
                 description=_l("Number of knowledge questions answered correctly; comparable "
                                "within a questionnaire version.")),
        Variable("used_mrc_info", _l("Used information from the MRC"), "binary", ROW, YES_NO,
                 description=_l("Follow-up waves of clients only.")),
        Variable("route", _l("Route considered"), "category", ROW, vocab.ROUTE,
                 description=_l("At the baseline session of clients only (optional question; "
                                "missing when not answered).")),
        Variable("fee_band", _l("Fee quoted by a recruiter or smuggler"), "category", ROW,
                 vocab.FEE_BAND,
                 description=_l("US-dollar band, at the baseline session of clients only "
                                "(optional question).")),
        Variable("info_source", _l("Source of information"), "category", ROW,
                 vocab.INFO_SOURCE,
                 description=_l("At the baseline session of clients only (optional "
                                "question).")),
        Variable("referred", _l("Referred to a facility in a destination country"),
                 "binary", PERSON, YES_NO,
                 description=_l("1 when the client was referred to a facility of the "
                                "directory between the baseline and the end of the study "
                                "period (consent withdrawn later or not); missing for "
                                "comparison respondents.")),
        Variable("referral_service_given", _l("A referral reached the service"), "binary",
                 PERSON, YES_NO,
                 description=_l("Of the referred clients, 1 when the facility recorded the "
                                "service as given for at least one of those referrals by the "
                                "end of the study period; missing when not referred and for "
                                "comparison respondents.")),
    )
}
# Person-level outcomes (one value per person, repeated on each of its rows in the long
# shape, once in the wide shape). Not quasi-identifiers: see docs/panels.md.
REFERRAL_OUTCOMES = ("referred", "referral_service_given")

# Sensitive variables offered for l-diversity (categorical outcomes).
SENSITIVE = ("intention", "location_status")
SHAPES = {"long": _l("Long: one row per person and wave"),
          "wide": _l("Wide: one row per person")}
FORMATS = {"csv": _l("CSV (UTF-8)"), "dta": _l("Stata (.dta)"), "sav": _l("SPSS (.sav)"),
           "parquet": _l("Parquet")}
DATE_MODES = {"days": _l("Days since the baseline (no calendar dates)"),
              "month": _l("Baseline month (a quasi-identifier) and months since")}
# Weights for the anonymisation: heavier variables are generalised and blanked later.
WEIGHTS = {"site": 2.0, "treated": 4.0}


def variable(name: str) -> Variable:
    """The catalogue entry of a released column (including wide ``name_wN`` columns)."""
    fixed = {v.name: v for v in (PERSON_ID, SITE, TREATED, WAVE, POST, RESPONDED, DAYS,
                                 MONTHS, BASELINE_MONTH)}
    known = {**fixed, **COVARIATES, **OUTCOMES}
    if name in known:
        return known[name]
    base, _, wave = name.rpartition("_w")
    if base in known and wave.isdigit():
        return known[base]
    raise KeyError(name)


def value_code(var: Variable, value: str, position: int) -> int:
    """The integer of a category value in .dta/.sav (see the module docstring)."""
    if value == "*":
        return SUPPRESSED_CODE
    if var.values and value in var.values:
        if var.kind == "binary":
            return int(value)
        return list(var.values).index(value) + 1
    if var.name == "age":
        head = value.split("-", 1)[0]
        if head.isdigit():
            return int(head)
    # Values outside a vocabulary (not expected) are numbered apart from its codes.
    return position + (501 if var.values else 1)

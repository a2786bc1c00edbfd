"""The controlled vocabularies of DESIGN.md: codes are stable (they appear in imports,
exports and the database); labels are translated.

Multi-valued fields (topics, referrals) are stored as bit masks: the position of a code in
its tuple is its bit, so codes may be appended but never reordered or removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mrc.i18n import fmt_number

SEX = {
    "female": _l("Female"),
    "male": _l("Male"),
    "other": _l("Other"),
    "unknown": _l("Not stated"),
}

MIGRANT_STATUS = {
    "prospective": _l("Prospective migrant"),
    "returnee": _l("Returnee"),
    "family_of_migrant": _l("Family member of a migrant"),
    "current_migrant": _l("Current migrant"),
    "displaced": _l("Displaced person"),
}

EDUCATION = {
    "none": _l("No formal education"),
    "primary": _l("Primary"),
    "secondary": _l("Secondary"),
    "vocational": _l("Vocational training"),
    "tertiary": _l("University"),
    "unknown": _l("Not stated"),
}

EMPLOYMENT = {
    "employed": _l("Employed"),
    "self_employed": _l("Self-employed"),
    "unemployed": _l("Unemployed"),
    "student": _l("Student"),
    "homemaker": _l("Homemaker"),
    "unknown": _l("Not stated"),
}

CHANNEL = {
    "walk_in": _l("Walk-in"),
    "phone": _l("Phone"),
    "hotline": _l("Hotline"),
    "online": _l("Online"),
    "outreach_desk": _l("Outreach desk"),
}

# Order is the bit position: append only.
TOPICS = (
    ("regular_pathways", _l("Regular migration pathways")),
    ("irregular_risks", _l("Risks of irregular migration")),
    ("recruitment_fees", _l("Recruitment fees")),
    ("labour_rights", _l("Labour rights")),
    ("destination_laws", _l("Laws of the destination country")),
    ("occupational_safety", _l("Occupational safety and health")),
    ("remittances", _l("Remittances")),
    ("return_reintegration", _l("Return and reintegration")),
    ("trafficking_smuggling", _l("Trafficking and smuggling")),
    ("education_scholarships", _l("Education and scholarships")),
    ("family_reunification", _l("Family reunification")),
    ("documents", _l("Travel and identity documents")),
)

REFERRALS = (
    ("legal_aid", _l("Legal aid")),
    ("psychosocial", _l("Psychosocial support")),
    ("employment_services", _l("Employment services")),
    ("skills_training", _l("Skills training")),
    ("health", _l("Health services")),
    ("protection", _l("Protection services")),
    ("licensed_recruiter", _l("Licensed recruitment agency")),
    ("government_office", _l("Government office")),
)

INTENTION = {
    "none": _l("No intention to migrate"),
    "undecided": _l("Undecided"),
    "regular": _l("Intends to migrate regularly"),
    "irregular": _l("Intends to migrate irregularly"),
}

LOCATION_STATUS = {
    "stayed": _l("Stayed in the country"),
    "migrated_regular": _l("Migrated regularly"),
    "migrated_irregular": _l("Migrated irregularly"),
    "returned": _l("Returned"),
}

ATTEMPT_METHOD = {
    "phone": _l("Phone call"),
    "sms": _l("Text message"),
    "messaging_app": _l("Messaging app"),
    "visit": _l("Visit to the MRC"),
}

FOLLOWUP_STATUS = {
    "pending": _l("Pending"),
    "reached": _l("Reached"),
    "unreachable": _l("Not reached"),
    "cancelled": _l("Cancelled"),
    # Translators: a follow-up still not done long after its due date, taken off the list.
    "lapsed": _l("Lapsed (not reached in time)"),
}

# The migration context of a session (#12, "ears on the ground"): optional, coarse answers
# the trend signals read. The questions are versioned (CONTEXT_VERSION, stored with each
# answered session): a later version may add codes, but a code keeps its meaning for ever.
CONTEXT_VERSION = 1

ROUTE = {
    "air_direct": _l("By air, direct"),
    "air_gulf": _l("By air, via a Gulf country"),
    "land_iran": _l("Overland via Iran"),
    "land_turkiye": _l("Overland via Türkiye"),
    "sea_mediterranean": _l("By sea across the Mediterranean"),
    "other": _l("Another route"),
}

# Fee quoted by a recruiter, agent or smuggler, in US dollars (bands, never the amount).
# The amounts are written with the reader's separators and digits.
FEE_BAND = {
    "none": _l("No fee quoted"),
    "under_1000": LazyString(lambda: _("Under %(amount)s USD", amount=fmt_number(1000))),
    "1000_2999": LazyString(lambda: _("%(low)s to %(high)s USD", low=fmt_number(1000),
                                      high=fmt_number(2999))),
    "3000_4999": LazyString(lambda: _("%(low)s to %(high)s USD", low=fmt_number(3000),
                                      high=fmt_number(4999))),
    "5000_9999": LazyString(lambda: _("%(low)s to %(high)s USD", low=fmt_number(5000),
                                      high=fmt_number(9999))),
    "10000_plus": LazyString(lambda: _("%(amount)s USD or more", amount=fmt_number(10000))),
}

INFO_SOURCE = {
    "relative_abroad": _l("A relative or friend abroad"),
    "broker": _l("A broker or agent"),
    "social_media": _l("Social media"),
    "mrc": _l("The MRC"),
    "other": _l("Another source"),
}

# field name → vocabulary, in the order the form shows them.
CONTEXT_FIELDS = {"route": ROUTE, "fee_band": FEE_BAND, "info_source": INFO_SOURCE}

# Session languages (ISO 639 codes) offered on the session form.
SESSION_LANGUAGE = {
    "fa": _l("Dari"),
    "ps": _l("Pashto"),
    "ur": _l("Urdu"),
    "bn": _l("Bengali"),
    "ar": _l("Arabic"),
    "ckb": _l("Sorani Kurdish"),
    "kmr": _l("Kurmanji Kurdish"),
    "tg": _l("Tajik"),
    "uz": _l("Uzbek"),
    "ru": _l("Russian"),
    "en": _l("English"),
    "other": _l("Other"),
}


def context_values(data: Mapping[str, object]) -> dict[str, object]:
    """The migration-context columns of a session from typed input: each answer or None,
    and the questions' version when anything was answered."""
    values: dict[str, object] = {name: data.get(name) or None for name in CONTEXT_FIELDS}
    values["context_version"] = CONTEXT_VERSION if any(values.values()) else None
    return values


def codes(vocab: Mapping[str, object] | tuple[tuple[str, object], ...]) -> tuple[str, ...]:
    return tuple(vocab) if isinstance(vocab, Mapping) else tuple(code for code, _ in vocab)


def to_mask(selected: Iterable[str], vocab: tuple[tuple[str, object], ...]) -> int:
    """Bit mask of the selected codes; unknown codes raise KeyError."""
    positions = {code: i for i, (code, _) in enumerate(vocab)}
    mask = 0
    for code in selected:
        mask |= 1 << positions[code]
    return mask


def from_mask(mask: int, vocab: tuple[tuple[str, object], ...]) -> list[str]:
    return [code for i, (code, _) in enumerate(vocab) if mask & (1 << i)]


def choices(vocab: Mapping[str, object] | tuple[tuple[str, object], ...]) -> list[tuple[str, object]]:
    return list(vocab.items()) if isinstance(vocab, Mapping) else list(vocab)

"""Plausible distributions for synthetic clients of the reference network.

The figures are invented but shaped after what MRCs report: mostly young men, many
prospective labour migrants bound for the Gulf, Malaysia or Europe (Russia and Kazakhstan
from Central Asia), about a fifth of those intending to migrate planning to do so
irregularly at baseline and fewer at follow-up. Nothing here is real data.

Every table is (codes, weights); weights need not sum to one (they are normalised).
"""

from __future__ import annotations

# Share of all clients registered at each MRC (bigger MRCs get more).
MRC_WEIGHTS: dict[str, float] = {
    "AF-KBL": 0.15, "PK-ISB": 0.19, "PK-LHE": 0.17, "BD-DAC": 0.21,
    "IQ-BGW": 0.10, "IQ-EBL": 0.07, "TJ-DYU": 0.11,
}

# The ISO 3166-2 province each MRC mostly serves, and its neighbours; the remaining weight
# is spread evenly over the country's other provinces.
PROVINCE_WEIGHTS: dict[str, dict[str, float]] = {
    "AF-KBL": {"AF-KAB": 0.40, "AF-NAN": 0.08, "AF-PAR": 0.06, "AF-LOG": 0.05, "AF-WAR": 0.05,
               "AF-GHA": 0.05, "AF-KAP": 0.04, "AF-BAL": 0.04, "AF-HER": 0.04},
    "PK-ISB": {"PK-IS": 0.30, "PK-PB": 0.30, "PK-KP": 0.25, "PK-JK": 0.08},
    "PK-LHE": {"PK-PB": 0.85, "PK-IS": 0.03, "PK-KP": 0.04, "PK-SD": 0.04},
    "BD-DAC": {"BD-C": 0.45, "BD-B": 0.12, "BD-G": 0.10, "BD-H": 0.08},
    "IQ-BGW": {"IQ-BG": 0.55, "IQ-AN": 0.08, "IQ-DI": 0.07, "IQ-BB": 0.06},
    "IQ-EBL": {"IQ-KR": 0.70, "IQ-NI": 0.15, "IQ-KI": 0.07},
    "TJ-DYU": {"TJ-DU": 0.30, "TJ-RA": 0.30, "TJ-KT": 0.25, "TJ-SU": 0.10, "TJ-GB": 0.05},
}
PROVINCE_UNKNOWN = 0.03  # share with no province recorded
OTHER_PROVINCES_WEIGHT = 0.08  # total weight of the provinces not listed above

SESSION_LANGUAGES: dict[str, dict[str, float]] = {
    "AF-KBL": {"fa": 0.60, "ps": 0.37, "en": 0.01, "other": 0.02},
    "PK-ISB": {"ur": 0.78, "ps": 0.15, "en": 0.05, "fa": 0.02},
    "PK-LHE": {"ur": 0.93, "en": 0.05, "other": 0.02},
    "BD-DAC": {"bn": 0.97, "en": 0.03},
    "IQ-BGW": {"ar": 0.94, "ckb": 0.03, "kmr": 0.01, "en": 0.02},
    "IQ-EBL": {"ckb": 0.58, "kmr": 0.14, "ar": 0.26, "en": 0.02},
    "TJ-DYU": {"tg": 0.74, "ru": 0.20, "uz": 0.06},
}

SEX: dict[str, dict[str, float]] = {
    "AF": {"female": 0.16, "male": 0.83, "other": 0.0, "unknown": 0.01},
    "PK": {"female": 0.14, "male": 0.85, "other": 0.002, "unknown": 0.008},
    "BD": {"female": 0.24, "male": 0.75, "other": 0.0, "unknown": 0.01},
    "IQ": {"female": 0.30, "male": 0.69, "other": 0.0, "unknown": 0.01},
    "TJ": {"female": 0.27, "male": 0.72, "other": 0.0, "unknown": 0.01},
}

NATIONALITY: dict[str, dict[str, float]] = {
    "AF": {"AF": 0.99},
    "PK": {"PK": 0.92, "AF": 0.07},
    "BD": {"BD": 0.985, "MM": 0.005},
    "IQ": {"IQ": 0.94, "SY": 0.05},
    "TJ": {"TJ": 0.93, "UZ": 0.04, "AF": 0.02},
}
# Remaining weight (1 - sum) is "not recorded".

MIGRANT_STATUS: dict[str, dict[str, float]] = {
    "AF": {"prospective": 0.50, "returnee": 0.20, "family_of_migrant": 0.08,
           "current_migrant": 0.04, "displaced": 0.18},
    "PK": {"prospective": 0.66, "returnee": 0.16, "family_of_migrant": 0.10,
           "current_migrant": 0.05, "displaced": 0.03},
    "BD": {"prospective": 0.68, "returnee": 0.18, "family_of_migrant": 0.08,
           "current_migrant": 0.05, "displaced": 0.01},
    "IQ": {"prospective": 0.48, "returnee": 0.18, "family_of_migrant": 0.08,
           "current_migrant": 0.04, "displaced": 0.22},
    "TJ": {"prospective": 0.55, "returnee": 0.28, "family_of_migrant": 0.10,
           "current_migrant": 0.06, "displaced": 0.01},
}

EDUCATION: dict[str, dict[str, float]] = {
    "AF": {"none": 0.30, "primary": 0.22, "secondary": 0.30, "vocational": 0.05,
           "tertiary": 0.10, "unknown": 0.03},
    "PK": {"none": 0.12, "primary": 0.20, "secondary": 0.40, "vocational": 0.10,
           "tertiary": 0.15, "unknown": 0.03},
    "BD": {"none": 0.10, "primary": 0.28, "secondary": 0.40, "vocational": 0.10,
           "tertiary": 0.10, "unknown": 0.02},
    "IQ": {"none": 0.08, "primary": 0.20, "secondary": 0.40, "vocational": 0.08,
           "tertiary": 0.22, "unknown": 0.02},
    "TJ": {"none": 0.02, "primary": 0.08, "secondary": 0.55, "vocational": 0.20,
           "tertiary": 0.13, "unknown": 0.02},
}

# By sex: women are more often homemakers, men more often employed or unemployed.
EMPLOYMENT: dict[str, dict[str, float]] = {
    "female": {"employed": 0.12, "self_employed": 0.06, "unemployed": 0.30, "student": 0.12,
               "homemaker": 0.36, "unknown": 0.04},
    "other": {"employed": 0.28, "self_employed": 0.17, "unemployed": 0.43, "student": 0.08,
              "homemaker": 0.0, "unknown": 0.04},
}

# Share of clients who leave a phone number (nearly every prospective migrant has a mobile;
# MRCs ask for one so that the follow-up calls of the impact study can happen); almost all of
# them consent to follow-up. With two waves this gives ~0.9 × 2 follow-ups per client (the
# ~600,000 follow-ups of the 300,000-client demo).
PHONE_RATE: dict[str, float] = {"AF": 0.90, "PK": 0.96, "BD": 0.95, "IQ": 0.97, "TJ": 0.97}
CONSENT_GIVEN_PHONE = 0.96

# Mobile numbering: (country calling code, operator prefixes, subscriber digits).
MOBILE_NUMBERING: dict[str, tuple[str, tuple[str, ...], int]] = {
    "AF": ("+93", ("70", "71", "72", "73", "74", "75", "76", "77", "78", "79"), 7),
    "PK": ("+92", ("300", "301", "302", "303", "305", "306", "307", "308", "310", "311",
                   "312", "313", "314", "315", "321", "322", "323", "331", "332", "333",
                   "334", "335", "336", "340", "341", "342", "343", "345", "346", "347"), 7),
    "BD": ("+880", ("13", "14", "15", "16", "17", "18", "19"), 8),
    "IQ": ("+964", ("75", "77", "78", "79"), 8),
    "TJ": ("+992", ("90", "91", "92", "93", "98", "55", "50", "88"), 7),
}

DESTINATIONS: dict[str, dict[str, float]] = {
    "AF": {"IR": 0.22, "TR": 0.20, "AE": 0.12, "SA": 0.10, "QA": 0.05, "DE": 0.12, "GB": 0.05,
           "AT": 0.04, "PK": 0.05, "RU": 0.03, "KZ": 0.02},
    "PK": {"SA": 0.35, "AE": 0.25, "QA": 0.08, "OM": 0.06, "KW": 0.04, "BH": 0.03, "MY": 0.05,
           "GB": 0.06, "IT": 0.03, "DE": 0.03, "GR": 0.02},
    "BD": {"SA": 0.30, "MY": 0.20, "AE": 0.12, "QA": 0.08, "OM": 0.08, "KW": 0.05, "SG": 0.06,
           "IT": 0.04, "JO": 0.04, "RO": 0.03},
    "IQ": {"TR": 0.25, "DE": 0.20, "GB": 0.10, "SE": 0.08, "NL": 0.05, "AE": 0.10, "JO": 0.07,
           "FR": 0.05, "BE": 0.05, "FI": 0.05},
    "TJ": {"RU": 0.65, "KZ": 0.12, "TR": 0.06, "KR": 0.06, "AE": 0.05, "DE": 0.03, "PL": 0.03},
}
DESTINATION_UNKNOWN = 0.04

# Baseline migration intention. Among those intending to migrate (regular, irregular,
# undecided) about 73% plan a regular and 21% an irregular route.
BASELINE_INTENTION: dict[str, float] = {
    "none": 0.20, "undecided": 0.048, "regular": 0.584, "irregular": 0.168,
}

# Intention at follow-up (and drift in later sessions) given the baseline intention:
# irregular falls to about 8% of those intending, regular rises to about 80%.
INTENTION_AFTER: dict[str, dict[str, float]] = {
    "none": {"none": 0.75, "undecided": 0.08, "regular": 0.16, "irregular": 0.01},
    "undecided": {"none": 0.20, "undecided": 0.30, "regular": 0.45, "irregular": 0.05},
    "regular": {"none": 0.10, "undecided": 0.07, "regular": 0.80, "irregular": 0.03},
    "irregular": {"none": 0.12, "undecided": 0.08, "regular": 0.55, "irregular": 0.25},
}
LATER_SESSION_KEEPS_INTENTION = 0.6

# Sessions per client (1..8), mean about 3.37.
SESSIONS_PER_CLIENT = (0.18, 0.22, 0.20, 0.14, 0.10, 0.07, 0.05, 0.04)
MEAN_DAYS_BETWEEN_SESSIONS = 35
REGISTRATION_SPAN_DAYS = 3 * 365

CHANNEL_BASELINE: dict[str, float] = {
    "walk_in": 0.70, "outreach_desk": 0.12, "hotline": 0.08, "phone": 0.05, "online": 0.05,
}
CHANNEL_LATER: dict[str, float] = {
    "walk_in": 0.45, "phone": 0.30, "hotline": 0.10, "online": 0.10, "outreach_desk": 0.05,
}

# Probability that each topic (in vocab.TOPICS order) is discussed in a session.
TOPIC_RATES: dict[str, float] = {
    "regular_pathways": 0.72, "irregular_risks": 0.50, "recruitment_fees": 0.42,
    "labour_rights": 0.33, "destination_laws": 0.30, "occupational_safety": 0.12,
    "remittances": 0.14, "return_reintegration": 0.06, "trafficking_smuggling": 0.18,
    "education_scholarships": 0.07, "family_reunification": 0.05, "documents": 0.30,
}
TOPIC_RATES_IRREGULAR = {"irregular_risks": 0.92, "trafficking_smuggling": 0.45}
TOPIC_RATES_RETURNEE = {"return_reintegration": 0.55}
TOPIC_RATES_NO_INTENTION = {"regular_pathways": 0.45}

REFERRAL_RATE = 0.12  # share of sessions with at least one referral
SECOND_REFERRAL_RATE = 0.25  # of those, share with a second one
NOTES_RATE = 0.03  # share of sessions with (encrypted) notes
DURATION_UNKNOWN = 0.04

# Awareness: each client has a baseline knowledge level; counselling raises it.
DONT_KNOW_RATE = 0.18
AWARENESS_ASKED_BASELINE = 0.92
AWARENESS_ASKED_LATER = 0.35
AWARENESS_ASKED_FOLLOWUP = 0.85
KNOWLEDGE_GAIN_SESSION = 0.25
KNOWLEDGE_GAIN_FOLLOWUP = (0.22, 0.18, 0.15)  # by wave; later waves fade a little

# Follow-up: most clients can be reached on most waves; some never answer.
REACHABLE_CLIENTS = 0.80
REACH_IF_REACHABLE = 0.78
REACH_IF_NOT_REACHABLE = 0.10
NEVER_ATTEMPTED = 0.03  # due waves nobody has called yet (the overdue backlog)
ATTEMPTS_UNTIL_REACHED = (0.60, 0.28, 0.12)  # reached on attempt 1, 2, 3
ATTEMPTS_BEFORE_GIVING_UP = {2: 0.30, 3: 0.45, 4: 0.25}
ATTEMPT_METHODS: dict[str, float] = {
    "phone": 0.72, "messaging_app": 0.18, "sms": 0.06, "visit": 0.04,
}

LOCATION_AFTER: dict[str, dict[str, float]] = {
    "irregular": {"stayed": 0.70, "migrated_regular": 0.14, "migrated_irregular": 0.09,
                  "returned": 0.07},
    "other": {"stayed": 0.74, "migrated_regular": 0.17, "migrated_irregular": 0.02,
              "returned": 0.07},
}
USED_MRC_INFO: dict[str, float] = {"yes": 0.62, "no": 0.28, "unknown": 0.10}

# Counsellors' notes: short, about the counselling, never about the person.
NOTE_TEMPLATES = (
    "Explained how to check a recruitment agency's licence; gave leaflet.",
    "Went through the contract checklist; client will bring the offer letter.",
    "Discussed risks of travelling on a visit visa for work.",
    "Client asked about fees charged by a sub-agent; explained the legal maximum.",
    "Referred to the labour attache's hotline for questions about the destination.",
    "Talked about saving and sending money safely; gave remittance leaflet.",
    "Client returned to ask about pre-departure orientation dates.",
    "Explained the complaint procedure for unpaid wages abroad.",
    "Discussed reintegration support and skills training options.",
    "Client undecided; agreed to come back after talking with family.",
)

"""The referral vocabularies: codes are stable (CSV files, the database, exports); labels are
translated. Services are a bit mask on facilities: append only, never reorder."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FACILITY_KIND = {
    "labour_attache": _l("Labour attaché"),
    "embassy_welfare": _l("Embassy welfare desk"),
    "destination_mrc": _l("Migrant resource centre in the destination country"),
    "ngo": _l("Non-governmental organisation"),
    "legal_aid": _l("Legal aid provider"),
    "shelter": _l("Shelter"),
    "government_office": _l("Government office"),
}

# Order is the bit position of Facility.services: append only.
SERVICES = (
    ("information", _l("Information and orientation")),
    ("contract_check", _l("Checking a job offer or contract")),
    ("labour_dispute", _l("Help with a labour dispute or unpaid wages")),
    ("legal_aid", _l("Legal aid")),
    ("documents", _l("Documents and consular help")),
    ("shelter", _l("Shelter")),
    ("health", _l("Health care")),
    ("psychosocial", _l("Psychosocial support")),
    ("repatriation", _l("Return home")),
    ("welfare", _l("Welfare support")),
)

STATUS = {
    "sent": _l("Sent"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "service_given": _l("Service given"),
    "closed": _l("Closed"),
}

# Which status may follow which (the same for the MRC and the partner).
NEXT_STATUS = {
    "sent": ("accepted", "declined", "closed"),
    "accepted": ("service_given", "closed"),
    "declined": ("closed",),
    "service_given": ("closed",),
    "closed": (),
}

# How a closed referral ended.
OUTCOME = {
    "resolved": _l("Resolved"),
    "partly_resolved": _l("Partly resolved"),
    "not_resolved": _l("Not resolved"),
    "client_not_seen": _l("The client did not come"),
    "referred_on": _l("Referred on to another service"),
}

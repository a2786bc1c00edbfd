"""Outreach vocabularies: event types and the sex × age-band attendance grid."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

EVENT_TYPE = {
    "community_session": _l("Community session"),
    "school_university": _l("School or university"),
    "job_fair": _l("Job fair"),
    "pre_departure_orientation": _l("Pre-departure orientation"),
    "radio_tv": _l("Radio or television"),
    "social_media": _l("Social media"),
    "other": _l("Other"),
}

# Media events reach people who are not counted in a room.
MEDIA_TYPES = frozenset({"radio_tv", "social_media"})

ATTENDANCE_SEX = {"female": _l("Women and girls"), "male": _l("Men and boys"),
                  "other": _l("Other or not stated")}
AGE_BANDS = {"under_18": _l("Under 18"), "18_34": _l("18–34"), "35_plus": _l("35 and over")}

# Column names of the attendance grid, e.g. "att_female_18_34".
ATTENDANCE_COLUMNS = tuple(f"att_{sex}_{band}" for sex in ATTENDANCE_SEX for band in AGE_BANDS)

"""What each kind of import file holds: its columns, their parsers and limits.

A registry of kinds → column specs. Adding a kind (outreach events, comparison survey) means
adding a ``KindSpec`` here and an importer for it in ``services.py``; the reading,
validation, error reporting, CLI and upload page work for every registered kind.
``docs/import-formats.md`` documents these columns for the people who prepare the files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from mrc.cases import vocab
from mrc.cases.services import MAX_NOTES_LENGTH
from mrc.imports import parsing
from mrc.outreach import vocab as outreach_vocab
from mrc.privacy.phones import MAX_PHONE_LENGTH

MAX_ID_LENGTH = 64  # the models' external_id columns
MAX_CELL_LENGTH = 100
MAX_LIST_LENGTH = 1000


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    required: bool = False  # the column must be present and every row must fill it
    max_length: int = MAX_CELL_LENGTH


@dataclass(frozen=True)
class KindSpec:
    name: str
    label: LazyString
    id_column: str  # the file's own record id, stored as the record's external_id
    columns: tuple[Column, ...]
    # At least one of these columns must be present and filled in each row.
    one_of: tuple[str, ...] = ()

    @property
    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}


def _code(options: Mapping[str, object] | tuple[tuple[str, object], ...]) -> Callable[[str], str]:
    return partial(parsing.parse_code, allowed=vocab.codes(options))


def _codes(options: tuple[tuple[str, object], ...]) -> Callable[[str], list[str]]:
    return partial(parsing.parse_codes, allowed=vocab.codes(options))


MRC_COLUMN = Column("mrc", parsing.parse_mrc_code, max_length=16)
CLIENT_REFERENCE = (
    Column("client_id", parsing.parse_id, max_length=MAX_ID_LENGTH),
    Column("client_code", parsing.parse_client_code, max_length=20),
)

CLIENTS = KindSpec(
    name="clients",
    label=_l("Clients"),
    id_column="client_id",
    columns=(
        Column("client_id", parsing.parse_id, required=True, max_length=MAX_ID_LENGTH),
        MRC_COLUMN,
        Column("registered_on", parsing.parse_date, required=True),
        Column("sex", _code(vocab.SEX), required=True),
        Column("birth_year", parsing.parse_int),
        Column("province", parsing.parse_province),
        Column("nationality", parsing.parse_country),
        Column("migrant_status", _code(vocab.MIGRANT_STATUS), required=True),
        Column("education", _code(vocab.EDUCATION), required=True),
        Column("employment", _code(vocab.EMPLOYMENT), required=True),
        Column("phone", parsing.parse_text, max_length=MAX_PHONE_LENGTH),
        Column("followup_consent", parsing.parse_bool),
        Column("consent_date", parsing.parse_date),
    ),
)

SESSIONS = KindSpec(
    name="sessions",
    label=_l("Counselling sessions"),
    id_column="session_id",
    one_of=("client_id", "client_code"),
    columns=(
        Column("session_id", parsing.parse_id, required=True, max_length=MAX_ID_LENGTH),
        *CLIENT_REFERENCE,
        MRC_COLUMN,
        Column("date", parsing.parse_date, required=True),
        Column("channel", _code(vocab.CHANNEL), required=True),
        Column("language", _code(vocab.SESSION_LANGUAGE), required=True),
        Column("topics", _codes(vocab.TOPICS), max_length=MAX_LIST_LENGTH),
        Column("destination", parsing.parse_country),
        Column("intention", _code(vocab.INTENTION), required=True),
        *(Column(name, _code(options)) for name, options in vocab.CONTEXT_FIELDS.items()),
        Column("awareness_answers", parsing.parse_answers),
        Column("referrals", _codes(vocab.REFERRALS), max_length=MAX_LIST_LENGTH),
        Column("duration_minutes", parsing.parse_int),
        Column("notes", parsing.parse_text, max_length=MAX_NOTES_LENGTH),
    ),
)

FOLLOWUPS = KindSpec(
    name="followups",
    label=_l("Follow-ups"),
    id_column="followup_id",
    one_of=("client_id", "client_code"),
    columns=(
        Column("followup_id", parsing.parse_id, required=True, max_length=MAX_ID_LENGTH),
        *CLIENT_REFERENCE,
        MRC_COLUMN,
        Column("wave", parsing.parse_int, required=True),
        Column("attempt_date", parsing.parse_date, required=True),
        Column("method", _code(vocab.ATTEMPT_METHOD), required=True),
        Column("reached", parsing.parse_bool, required=True),
        Column("location_status", _code(vocab.LOCATION_STATUS)),
        Column("intention", _code(vocab.INTENTION)),
        Column("awareness_answers", parsing.parse_answers),
        Column("used_mrc_info", parsing.parse_bool),
    ),
)

OUTREACH = KindSpec(
    name="outreach",
    label=_l("Outreach events"),
    id_column="event_id",
    columns=(
        Column("event_id", parsing.parse_id, required=True, max_length=MAX_ID_LENGTH),
        MRC_COLUMN,
        Column("date", parsing.parse_date, required=True),
        Column("type", _code(outreach_vocab.EVENT_TYPE), required=True),
        Column("province", parsing.parse_province),
        *(Column(name, parsing.parse_int) for name in outreach_vocab.ATTENDANCE_COLUMNS),
        Column("attendance_total", parsing.parse_int),
        Column("estimated_reach", parsing.parse_int),
        Column("topics", _codes(vocab.TOPICS), max_length=MAX_LIST_LENGTH),
        Column("partners", parsing.parse_text, max_length=300),
        Column("leaflets", parsing.parse_leaflet_items, max_length=MAX_LIST_LENGTH),
    ),
)

# The comparison survey (KoboToolbox/ODK export): one row per respondent and wave; the
# respondent's own fields are needed on the row that first names the respondent.
COMPARISON = KindSpec(
    name="comparison",
    label=_l("Comparison survey"),
    id_column="response_id",
    columns=(
        Column("response_id", parsing.parse_id, required=True, max_length=MAX_ID_LENGTH),
        Column("respondent_id", parsing.parse_id, required=True, max_length=MAX_ID_LENGTH),
        MRC_COLUMN,
        Column("wave", parsing.parse_int, required=True),
        Column("survey_date", parsing.parse_date, required=True),
        Column("sex", _code(vocab.SEX)),
        Column("birth_year", parsing.parse_int),
        Column("province", parsing.parse_province),
        Column("migrant_status", _code(vocab.MIGRANT_STATUS)),
        Column("intention", _code(vocab.INTENTION), required=True),
        Column("location_status", _code(vocab.LOCATION_STATUS)),
        Column("awareness_answers", parsing.parse_answers),
        Column("awareness_score", parsing.parse_int),
    ),
)

SPECS: dict[str, KindSpec] = {spec.name: spec
                              for spec in (CLIENTS, SESSIONS, FOLLOWUPS, OUTREACH, COMPARISON)}

# Columns whose names start with this are ignored: KoboToolbox and ODK add metadata
# columns such as _id, _uuid, _submission_time, _index.
IGNORED_PREFIX = "_"

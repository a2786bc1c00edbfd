"""The counsellor's work: registering clients, logging sessions, following up, erasing.

Services add and flush; the caller (request, CLI command, job) commits once. Every service
that touches a record takes the acting user for the audit trail (None for system work
such as imports, which audit in bulk). Every service that changes a client's records sends
:data:`mrc.signals.client_changing` first, so the outputs that summarise the records follow
in the same transaction without this package knowing them.

Input dictionaries hold already-typed values (forms and importers parse text); each
service re-validates the domain rules (:mod:`mrc.cases.rules`) so no path can store a bad
record.

This module is the one door the views, importers and tests use; the behaviour lives in
:mod:`~mrc.cases.clients`, :mod:`~mrc.cases.sessions`, :mod:`~mrc.cases.followups`,
:mod:`~mrc.cases.corrections` and :mod:`~mrc.cases.encryption`, whose names are re-exported here.
"""

from __future__ import annotations

from mrc.cases.clients import (
    CLIENT_EDITABLE,
    client_mrc,
    client_timeline,
    erase_client,
    find_by_code,
    find_by_phone,
    mrc_country_code,
    register_client,
    update_client,
)
from mrc.cases.corrections import (
    REASONS,
    correct_client,
    delete_session,
    edit_attempt,
    edit_session,
)
from mrc.cases.encryption import decrypt_notes, decrypt_phone, rotate_keys
from mrc.cases.followups import (
    baseline_date,
    cancel_pending_followups,
    record_attempt,
    schedule_followups,
    wave_offsets,
)
from mrc.cases.lapse import lapse_overdue_followups, open_on
from mrc.cases.rules import (
    MAX_DURATION_MINUTES,
    MAX_NOTES_LENGTH,
    OLDEST_BIRTH_YEAR,
    check_awareness,
    is_country,
    validate_client,
    validate_session,
)
from mrc.cases.sessions import log_session
from mrc.cases.worklist import WorklistPage, WorklistRow, WorklistSort, due_followups
from mrc.privacy.codes import InvalidCode
from mrc.validation import ValidationError

__all__ = [
    "CLIENT_EDITABLE", "MAX_DURATION_MINUTES", "MAX_NOTES_LENGTH", "OLDEST_BIRTH_YEAR",
    "REASONS", "correct_client", "delete_session", "edit_attempt", "edit_session",
    "InvalidCode", "ValidationError", "WorklistPage", "WorklistRow", "WorklistSort", "baseline_date", "cancel_pending_followups",
    "check_awareness", "client_mrc", "client_timeline", "decrypt_notes", "decrypt_phone",
    "due_followups", "erase_client", "find_by_code", "find_by_phone", "is_country",
    "lapse_overdue_followups", "open_on",
    "log_session", "mrc_country_code", "record_attempt", "register_client", "rotate_keys",
    "schedule_followups", "update_client", "validate_client", "validate_session",
    "wave_offsets",
]

"""What the API shows of a record: the coarse fields, as the web's forms name them.

A session or attempt is shown with the values its correction form holds (the same names
and codes a program sends back), awareness answers as ``{"question key": "T" | "F" | "?"}``.
A client is never shown with its phone number (the API finds by phone, it does not tell
it); an erased client is only its id and ``"erased": true``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from mrc.cases import awareness
from mrc.cases.correction_forms import AttemptEditForm, SessionEditForm
from mrc.cases.forms import AwarenessFields
from mrc.cases.models import Client, CounsellingSession, FollowUp, FollowUpAttempt
from mrc.config import API_PATH
from mrc.org.models import MRC
from mrc.privacy.codes import format_code

CLIENT_FIELDS = ("sex", "birth_year", "province", "nationality", "migrant_status",
                 "education", "employment", "followup_consent", "consent_date",
                 "registered_on")
PREFIX = f"{API_PATH}v1"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _stamp(value: datetime) -> str:
    """UTC, however the database hands it back (SQLite keeps no offset)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


def client(record: Client, mrc: MRC) -> dict[str, Any]:
    if record.code is None:
        return {"id": record.id, "erased": True, "updated_at": _stamp(record.updated_at)}
    return {"id": record.id, "code": format_code(record.code), "mrc": mrc.code,
            **{name: _plain(getattr(record, name)) for name in CLIENT_FIELDS},
            "erased": False, "updated_at": _stamp(record.updated_at),
            "links": {"sessions": f"{PREFIX}/clients/{record.id}/sessions",
                      "followups": f"{PREFIX}/clients/{record.id}/followups"}}


def _form_values(stored: dict[str, Any], version: int | None) -> dict[str, Any]:
    names = {AwarenessFields.field_name(q): q.key
             for q in awareness.questions(version or awareness.CURRENT_VERSION)}
    shown = {k: _plain(v) for k, v in stored.items() if k not in names}
    shown["awareness"] = {names[k]: v for k, v in stored.items() if k in names}
    return shown


def session(record: CounsellingSession) -> dict[str, Any]:
    if record.deleted_at is not None:
        return {"id": record.id, "client_id": record.client_id, "deleted": True,
                "updated_at": _stamp(record.updated_at)}
    return {"id": record.id, "client_id": record.client_id,
            **_form_values(SessionEditForm.stored(record), record.awareness_version),
            "is_baseline": record.is_baseline, "deleted": False,
            "updated_at": _stamp(record.updated_at)}


def attempt(record: FollowUpAttempt) -> dict[str, Any]:
    version = record.followup.awareness_version
    return {"id": record.id, "followup_id": record.followup_id,
            **_form_values(AttemptEditForm.stored(record), version)}


def followup(record: FollowUp) -> dict[str, Any]:
    return {"id": record.id, "client_id": record.client_id, "wave": record.wave,
            "due_date": record.due_date.isoformat(), "status": record.status,
            "completed_on": _plain(record.completed_on),
            "attempts": [attempt(a) for a in record.attempts],
            "links": {"attempts": f"{PREFIX}/followups/{record.id}/attempts"}}

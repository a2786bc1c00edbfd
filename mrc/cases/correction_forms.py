"""Forms of the corrections: the session, attempt and client forms with a required reason
(from the coded list: never free text), filled in from the stored record."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from mrc.cases import awareness, vocab
from mrc.cases.corrections import REASONS
from mrc.cases.encryption import decrypt_notes
from mrc.cases.forms import AttemptForm, AwarenessFields, EditClientForm, SessionForm
from mrc.cases.models import CounsellingSession, FollowUpAttempt

REASON_REQUIRED = _l("Choose the reason for the correction.")


def _reason_field() -> SelectField:
    return SelectField(_l("Reason for the correction"),
                       choices=[("", _l("Choose…")), *vocab.choices(REASONS)],
                       validators=[InputRequired(REASON_REQUIRED)])


def _answers_data(answers: str | None, version: int | None) -> dict[str, str]:
    """The awareness radio values of a stored answers string."""
    if not answers:
        return {}
    qs = awareness.questions(version or awareness.CURRENT_VERSION)
    return {AwarenessFields.field_name(q): a for q, a in zip(qs, answers, strict=False)
            if a in awareness.ANSWERS}


class SessionEditForm(SessionForm):
    """Every field of a session except the leaflets given (the stock ledger keeps those)."""

    reason = _reason_field()

    @staticmethod
    def stored(session: CounsellingSession) -> dict[str, Any]:
        """The form's data as the session holds it now."""
        return {
            "date": session.date, "channel": session.channel, "language": session.language,
            "intention": session.intention, "destination": session.destination or "",
            **{name: getattr(session, name) or "" for name in vocab.CONTEXT_FIELDS},
            "topics": vocab.from_mask(session.topics, vocab.TOPICS),
            "referrals": vocab.from_mask(session.referrals, vocab.REFERRALS),
            "duration_minutes": session.duration_minutes,
            "notes": decrypt_notes(session) or "",
            **_answers_data(session.awareness_answers, session.awareness_version),
        }

    def session_data(self) -> dict[str, Any]:
        data = super().session_data()
        data.pop("leaflets", None)
        return data


class SessionDeleteForm(FlaskForm):
    reason = _reason_field()


class AttemptEditForm(AttemptForm):
    """An attempt and the outcome on its wave (giving up is not a correction)."""

    reason = _reason_field()

    @staticmethod
    def stored(attempt: FollowUpAttempt) -> dict[str, Any]:
        followup = attempt.followup
        data: dict[str, Any] = {"date": attempt.date, "method": attempt.method,
                                "reached": "yes" if attempt.reached else "no"}
        if attempt.reached:
            used = followup.used_mrc_info
            data.update({"location_status": followup.location_status,
                         "intention": followup.intention,
                         "used_mrc_info": None if used is None else ("yes" if used else "no"),
                         **_answers_data(followup.awareness_answers,
                                         followup.awareness_version)})
        return data

    def attempt_data(self) -> dict[str, Any]:
        data = super().attempt_data()
        data.pop("give_up", None)
        return data


class ClientCorrectionForm(EditClientForm):
    reason = _reason_field()

"""Recording comparison-survey respondents and their waves (the import and the demo use it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mrc.cases import awareness
from mrc.extensions import db
from mrc.org.models import MRC
from mrc.survey.models import ComparisonRespondent, ComparisonResponse

RESPONDENT_FIELDS = ("sex", "birth_year", "province", "migrant_status")


def new_respondent(mrc: MRC, external_id: str, values: dict[str, Any]) -> ComparisonRespondent:
    """A respondent (not yet added to the session) with the coarse fields of ``values``."""
    return ComparisonRespondent(
        mrc_id=mrc.id, external_id=external_id, sex=values["sex"],
        birth_year=values.get("birth_year"), province=values.get("province"),
        migrant_status=values["migrant_status"], created_at=datetime.now(UTC))


def record_response(respondent: ComparisonRespondent, values: dict[str, Any],
                    external_id: str) -> ComparisonResponse:
    """Add one survey wave of ``respondent`` (and the respondent, if new). ``values`` are
    validated: wave, survey_date, intention, location_status and the awareness answers
    (scored here) or a score. The caller flushes and commits."""
    answers = values.get("awareness_answers")
    score = awareness.score(answers) if answers else values.get("awareness_score")
    if respondent.id is None:
        db.session.add(respondent)
    response = ComparisonResponse(
        respondent=respondent, mrc_id=respondent.mrc_id, wave=values["wave"],
        survey_date=values["survey_date"], intention=values["intention"],
        location_status=values.get("location_status"),
        awareness_version=awareness.CURRENT_VERSION if score is not None else None,
        awareness_answers=answers or None, awareness_score=score, external_id=external_id,
        created_at=datetime.now(UTC))
    db.session.add(response)
    return response

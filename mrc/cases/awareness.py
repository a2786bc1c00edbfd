"""The risk-awareness questionnaire: a fixed, versioned set of true/false knowledge
statements. The score is the number answered correctly; "don't know" scores nothing.

A new version gets a new number; answers are stored with the version they were asked in,
so scores stay comparable within a version and old records remain interpretable.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

CURRENT_VERSION = 1
TRUE, FALSE, DONT_KNOW = "T", "F", "?"
ANSWERS = (TRUE, FALSE, DONT_KNOW)


@dataclass(frozen=True)
class Question:
    key: str
    text: object  # lazy string
    correct: str


QUESTIONNAIRES: dict[int, tuple[Question, ...]] = {
    1: (
        Question("fees_worker_pays", _l(
            "Under fair recruitment, the worker should not pay recruitment fees."), TRUE),
        Question("visit_visa_work", _l(
            "A visit visa allows you to work legally in the destination country."), FALSE),
        Question("passport_keep", _l(
            "An employer abroad may keep your passport if you sign a contract."), FALSE),
        Question("contract_before", _l(
            "You should receive and understand your written job contract before you leave."), TRUE),
        Question("smuggler_safe", _l(
            "Paying a smuggler more money makes the journey safe."), FALSE),
        Question("licensed_agency", _l(
            "Recruitment agencies must hold a government licence to send workers abroad."), TRUE),
        Question("debt_bondage", _l(
            "Being forced to work to repay a recruitment debt is a sign of trafficking."), TRUE),
        Question("embassy_help", _l(
            "Your country's embassy or labour attaché can help you if you have problems abroad."), TRUE),
    ),
}


def questions(version: int = CURRENT_VERSION) -> tuple[Question, ...]:
    return QUESTIONNAIRES[version]


def max_score(version: int = CURRENT_VERSION) -> int:
    return len(QUESTIONNAIRES[version])


def score(answers: str, version: int = CURRENT_VERSION) -> int:
    """Number of correct answers. ``answers`` has one symbol (T, F or ?) per question."""
    qs = QUESTIONNAIRES[version]
    if len(answers) != len(qs) or any(a not in ANSWERS for a in answers):
        raise ValueError("answers do not match the questionnaire")
    return sum(1 for q, a in zip(qs, answers, strict=True) if a == q.correct)

"""The one door to record tables: every query for records goes through ``scoped``.

Case records (clients, sessions, follow-ups) are only ever visible to counsellors and
managers of the MRC they belong to. Supervisors, evaluators and admins never receive
individual records; they get aggregates through ``mrc_ids_in_scope``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort
from sqlalchemy import Select, false, select

from mrc.auth.models import CASE_ROLES, Role, User
from mrc.cases.models import FollowUp, FollowUpAttempt
from mrc.extensions import db
from mrc.org.models import MRC, Country

T = TypeVar("T")


def can_work_with_cases(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role_enum in CASE_ROLES
        and user.mrc_id is not None
    )


def scoped(model: type[T], user: Any) -> Select[T]:
    """``select(model)`` restricted to the records ``user`` may see (possibly none)."""
    query = select(model)
    if not can_work_with_cases(user):
        return query.where(false())
    if model is FollowUpAttempt:
        return query.join(FollowUp, FollowUpAttempt.followup_id == FollowUp.id).where(
            FollowUp.mrc_id == user.mrc_id
        )
    mrc_column = getattr(model, "mrc_id", None)
    if mrc_column is None:
        raise TypeError(f"{model.__name__} is not a record table")
    return query.where(mrc_column == user.mrc_id)


def get_scoped_or_404(model: type[T], record_id: int, user: Any) -> T:
    """The record if ``user`` may see it; 404 otherwise, so existence is not revealed."""
    id_column = model.id  # type: ignore[attr-defined]
    record: T | None = db.session.scalars(scoped(model, user).where(id_column == record_id)).first()
    if record is None:
        abort(404)
    return record


def mrc_ids_in_scope(user: User) -> Select[int]:
    """Ids of the MRCs in ``user``'s geographic scope, for aggregate outputs."""
    query = select(MRC.id)
    if user.mrc_id is not None:
        return query.where(MRC.id == user.mrc_id)
    if user.country_id is not None:
        return query.where(MRC.country_id == user.country_id)
    if user.region_id is not None:
        return query.join(Country).where(Country.region_id == user.region_id)
    if user.role_enum in (Role.ADMIN, Role.SUPERVISOR, Role.EVALUATOR):
        return query
    return query.where(false())

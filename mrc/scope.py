"""The one door to record tables: every query for records goes through ``scoped``.

Case records (clients, sessions, follow-ups, referrals) are only ever visible to counsellors
and managers of the MRC they belong to. Supervisors, evaluators and admins never receive
individual records; they get aggregates through ``mrc_ids_in_scope``. A partner sees the
referrals sent to their own facility and no other record (what of a referral they may read
is ``mrc.referrals.services.shared``).
"""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from sqlalchemy import Select, false, or_, select

from mrc.auth.models import CASE_ROLES, Role, User
from mrc.cases.models import FollowUp, FollowUpAttempt
from mrc.extensions import db
from mrc.org.models import MRC, Country, Region
from mrc.referrals.models import Referral

T = TypeVar("T")


def can_work_with_cases(user: User) -> bool:
    # ``current_user`` may be Flask-Login's anonymous user: hence getattr, not the attribute.
    return bool(
        getattr(user, "is_authenticated", False)
        and user.role_enum in CASE_ROLES
        and user.mrc_id is not None
    )


def is_partner(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role_enum == Role.PARTNER
                and user.facility_id is not None)


def scoped(model: type[T], user: User) -> Select[T]:
    """``select(model)`` restricted to the records ``user`` may see (possibly none)."""
    query = select(model)
    if model is Referral and is_partner(user):
        return query.where(Referral.facility_id == user.facility_id)
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


def get_scoped_or_404(model: type[T], record_id: int, user: User) -> T:
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


def named_scope(code: str | None) -> Select[int]:
    """MRC ids of a scope written as an MRC code (``PK-ISB``), a country (``PK``), a region
    (``SOUTH_ASIA``) or ``all``: the system's view, for the command line. LookupError (with a
    translated message) when nothing has that code."""
    from flask_babel import gettext as _

    raw = (code or "all").strip().upper()
    if raw == "ALL":
        return select(MRC.id)
    if db.session.scalar(select(MRC.id).where(MRC.code == raw)) is not None:
        return select(MRC.id).where(MRC.code == raw)
    if db.session.scalar(select(Country.id).where(Country.code == raw)) is not None:
        return select(MRC.id).join(Country).where(Country.code == raw)
    if db.session.scalar(select(Region.id).where(Region.code == raw)) is not None:
        return (select(MRC.id).join(Country, MRC.country_id == Country.id)
                .where(Country.region_id == select(Region.id).where(Region.code == raw)
                       .scalar_subquery()))
    raise LookupError(_("No MRC, country or region has the code %(code)s.", code=raw))


AreaChoice = tuple[str, str, dict[str, str]]


def area_choices(scope: Select[int]) -> list[AreaChoice]:
    """The areas an aggregate output can be narrowed to inside ``scope``: each country (when
    the scope spans several, named in the interface language) and each MRC (when it holds
    several). Values are country or MRC codes; MRC names are data, marked ``translate="no"``."""
    from flask_babel import get_locale

    rows = db.session.execute(select(MRC.code, MRC.name, Country.code)
                              .join(Country, Country.id == MRC.country_id)
                              .where(MRC.id.in_(scope)).order_by(Country.code, MRC.code)).all()
    locale = get_locale()
    territories = locale.territories if locale is not None else {}
    countries = sorted({country for _m, _n, country in rows})
    choices: list[AreaChoice] = []
    if len(countries) > 1:
        choices += sorted(((c, str(territories.get(c, c)), {}) for c in countries),
                          key=lambda choice: choice[1].casefold())
    if len(rows) > 1:
        choices += [(code, f"{name} ({code})", {"translate": "no"}) for code, name, _c in rows]
    return choices


def narrow(scope: Select[int], area: str) -> Select[int]:
    """``scope`` cut down to one country or MRC code; an area outside the scope narrows to
    nothing, never beyond the scope."""
    if not area:
        return scope
    countries = select(Country.id).where(Country.code == area)
    return select(MRC.id).where(MRC.id.in_(scope), or_(MRC.code == area,
                                                      MRC.country_id.in_(countries)))

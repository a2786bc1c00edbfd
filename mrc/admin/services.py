"""User administration: accounts created and changed by admins (any user) and by MRC
managers (counsellors and managers of their own MRC), and each user's own account.

Every change is audited with the names of the changed fields, never their values, and
never a password. Errors are raised as ``ValidationError`` (field → message) so forms can
show them next to the right field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from mrc.audit import services as audit
from mrc.auth.models import CASE_ROLES, Role, User
from mrc.auth.services import (
    MIN_PASSWORD_LENGTH,
    UserError,
    clear_failures,
    create_user,
    hash_password,
    validate_scope,
    verify_password,
)
from mrc.auth.sessions import revoke_sessions
from mrc.extensions import db
from mrc.org.models import MRC, Country, Region
from mrc.referrals.models import Facility
from mrc.scope import scoped
from mrc.settings import settings
from mrc.validation import ValidationError

# Letters (any script), digits and . _ @ - : no spaces, nothing a spreadsheet would execute.
USERNAME = re.compile(r"^\w[\w.@-]{0,63}$")
MAX_PASSWORD_LENGTH = 256
MANAGER_ROLES = (Role.COUNSELLOR, Role.MANAGER)
# A change to any of these ends the user's open sessions: what they may see has changed.
SESSION_FIELDS = frozenset({"role", "mrc_id", "country_id", "region_id", "active"})


@dataclass(frozen=True)
class Scope:
    """At most one of the ids is set; none set means everything. A partner's scope is
    their facility (mrc.referrals), and only a partner's."""

    mrc_id: int | None = None
    country_id: int | None = None
    region_id: int | None = None
    facility_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Scope:
        return cls(user.mrc_id, user.country_id, user.region_id, user.facility_id)


def username_error(username: str) -> str | None:
    """Why ``username`` cannot be used as a user name (None if it can)."""
    if not USERNAME.fullmatch(username):
        return _("Use 1 to 64 letters, digits, dots, hyphens, underscores or @, "
                 "starting with a letter or digit, without spaces.")
    return None


def password_error(password: str) -> str | None:
    """Why ``password`` is too weak or too long (None if acceptable)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must have at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("The password must have at most %(n)s characters.", n=MAX_PASSWORD_LENGTH)
    return None


def _scope_errors(role: Role, scope: Scope) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        validate_scope(role, scope.mrc_id, scope.country_id, scope.region_id,
                       scope.facility_id)
    except UserError as exc:
        errors["scope"] = str(exc)
        return errors
    for model, record_id in ((MRC, scope.mrc_id), (Country, scope.country_id),
                             (Region, scope.region_id), (Facility, scope.facility_id)):
        if record_id is not None and db.session.get(model, record_id) is None:
            errors["scope"] = _("This scope no longer exists. Choose another one.")
    return errors


def _role(value: str | None, allowed: tuple[Role, ...]) -> Role | None:
    try:
        role = Role(value or "")
    except ValueError:
        return None
    return role if role in allowed else None


def _locale(value: str | None) -> str | None:
    """A supported locale or None (None = follow the browser)."""
    if not value:
        return None
    if value not in settings().supported_locales:
        raise ValidationError({"locale": _("Choose one of the listed languages.")})
    return value


def _detail(changed: list[str]) -> str:
    return "fields=" + ",".join(changed)


def _username_taken(username: str, own_id: int | None = None) -> bool:
    query = select(User.id).where(func.lower(User.username) == username.lower())
    if own_id is not None:
        query = query.where(User.id != own_id)
    return db.session.scalar(query) is not None


def add_user(data: dict[str, Any], *, allowed_roles: tuple[Role, ...] = tuple(Role),
             scope: Scope | None = None) -> User:
    """Create a user from form values (username, password, role, locale) and a scope.

    ``allowed_roles`` narrows the roles the caller may hand out (an MRC manager: counsellor
    and manager only). Audited as ``create user``; ValidationError lists every problem.
    """
    scope = scope or Scope()
    errors: dict[str, str] = {}
    username = str(data.get("username") or "").strip()
    password = str(data.get("password") or "")
    problem = username_error(username)
    if problem:
        errors["username"] = problem
    elif _username_taken(username):
        errors["username"] = _("This username is already taken.")
    problem = password_error(password)
    if problem:
        errors["password"] = problem
    role = _role(data.get("role"), allowed_roles)
    if role is None:
        errors["role"] = _("Choose one of the listed roles.")
    else:
        errors.update(_scope_errors(role, scope))
    try:
        locale = _locale(data.get("locale"))
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors or role is None:
        raise ValidationError(errors)
    try:
        with db.session.begin_nested():
            user = create_user(username, password, role, mrc_id=scope.mrc_id,
                               country_id=scope.country_id, region_id=scope.region_id,
                               facility_id=scope.facility_id, locale=locale)
    except (UserError, IntegrityError) as exc:  # lost a race for the username
        raise ValidationError({"username": _("This username is already taken.")}) from exc
    audit.record("create", "user", user.id, mrc_id=user.mrc_id, detail=f"role={user.role}")
    return user


def update_user(target: User, data: dict[str, Any], actor: User,
                *, allowed_roles: tuple[Role, ...] = tuple(Role),
                scope: Scope | None = None) -> list[str]:
    """Change role, scope, active flag and preferred language (whichever ``data`` holds).

    Nobody can deactivate themselves or take away their own role, so an administrator
    cannot lock everyone out. Audited with the names of the changed fields.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    role = target.role_enum
    if "role" in data:
        try:
            role = _new_role(target, data.get("role"), actor, allowed_roles)
            values["role"] = role.value
        except ValidationError as exc:
            errors.update(exc.errors)
    new_scope = scope if scope is not None else Scope.of(target)
    if "role" not in errors:
        errors.update(_scope_errors(role, new_scope))
    values.update(mrc_id=new_scope.mrc_id, country_id=new_scope.country_id,
                  region_id=new_scope.region_id, facility_id=new_scope.facility_id)
    if "active" in data:
        active = bool(data["active"])
        if target.id == actor.id and not active:
            errors["active"] = _("You cannot deactivate your own account.")
        values["active"] = active
    if "locale" in data:
        try:
            values["locale"] = _locale(data.get("locale"))
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    return _save_user(target, values)


def _new_role(target: User, value: str | None, actor: User,
              allowed: tuple[Role, ...]) -> Role:
    """The role an update gives ``target``; ValidationError if it is not offered or would
    take away the actor's own role."""
    chosen = _role(value, allowed)
    if chosen is None:
        raise ValidationError({"role": _("Choose one of the listed roles.")})
    if target.id == actor.id and chosen != target.role_enum:
        raise ValidationError({"role": _("You cannot change your own role.")})
    return chosen


def _save_user(target: User, values: dict[str, Any]) -> list[str]:
    """Set the validated values that differ; flushed and audited if any did."""
    changed = [name for name, value in values.items() if getattr(target, name) != value]
    for name in changed:
        setattr(target, name, values[name])
    if SESSION_FIELDS.intersection(changed):
        revoke_sessions(target)
    if changed:
        db.session.flush()
        audit.record("update", "user", target.id, mrc_id=target.mrc_id, detail=_detail(changed))
    return changed


def set_active(target: User, active: bool, actor: User) -> bool:
    """Deactivate or reactivate an account; False if nothing changed."""
    return bool(update_user(target, {"active": active}, actor, allowed_roles=(target.role_enum,)))


def reset_password(target: User, password: str, confirm: str | None = None) -> None:
    """Set a new password chosen by an admin or manager; unlocks a delayed account and
    ends the user's sessions (the acting user's own excepted: see ``revoke_sessions``).

    Audited as ``update user`` with ``fields=password`` (the field's name, never its value).
    """
    problem = password_error(password)
    if problem:
        raise ValidationError({"password": problem})
    if confirm is not None and confirm != password:
        raise ValidationError({"confirm": _("The two passwords are not the same.")})
    target.password_hash = hash_password(password)
    clear_failures(target)
    revoke_sessions(target)
    db.session.flush()
    audit.record("update", "user", target.id, mrc_id=target.mrc_id, detail="fields=password")


def end_sessions(target: User) -> None:
    """Log ``target`` out on every device ("Log out everywhere" on the admin's user page).

    Audited as ``update user`` with ``fields=sessions``.
    """
    revoke_sessions(target)
    db.session.flush()
    audit.record("update", "user", target.id, mrc_id=target.mrc_id, detail="fields=sessions")


def unlock(target: User) -> None:
    """Forget ``target``'s failed log-ins: the next attempt is checked at once, without the
    wait they had earned. Audited as ``update user`` with ``fields=failed_logins``."""
    clear_failures(target)
    db.session.flush()
    audit.record("update", "user", target.id, mrc_id=target.mrc_id,
                 detail="fields=failed_logins")


def change_own_password(user: User, current: str, new: str, confirm: str) -> None:
    """A user's own password change: the current password must be given and right."""
    if not verify_password(user.password_hash, current):
        raise ValidationError({"current": _("This is not your current password.")})
    problem = password_error(new)
    if problem:
        raise ValidationError({"password": problem})
    if new != confirm:
        raise ValidationError({"confirm": _("The two passwords are not the same.")})
    if new == current:
        raise ValidationError({"password": _("Choose a password different from the current one.")})
    reset_password(user, new)


def set_own_locale(user: User, locale: str | None) -> bool:
    """Set the user's preferred interface language (None: follow the browser)."""
    return bool(update_user(user, {"locale": locale}, user, allowed_roles=(user.role_enum,)))


# --- Lists --------------------------------------------------------------------------------

@dataclass(frozen=True)
class UserFilter:
    search: str = ""
    role: str | None = None
    mrc_id: int | None = None


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def user_query(filters: UserFilter) -> Select[User]:
    """All users matching an admin's search (username contains), role and MRC, sorted."""
    query = select(User)
    if filters.search:
        query = query.where(func.lower(User.username).like(_like_pattern(filters.search),
                                                           escape="\\"))
    if filters.role:
        query = query.where(User.role == filters.role)
    if filters.mrc_id is not None:
        query = query.where(User.mrc_id == filters.mrc_id)
    return query.order_by(func.lower(User.username), User.id)


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    pages: int
    total: int


def paginate(query: Select[Any], page: int, per_page: int) -> Page:
    """One page of ``query``; out-of-range page numbers are clamped, never an error."""
    total = int(db.session.scalar(select(func.count()).select_from(query.order_by(None)
                                                                   .subquery())) or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, pages, total)


def user_counts() -> dict[str, int]:
    """Active users per role and in total, for the admin landing page."""
    rows = db.session.execute(select(User.role, func.count()).where(User.active.is_(True))
                              .group_by(User.role)).all()
    counts = {str(role): int(n) for role, n in rows}
    counts["total"] = sum(counts.values())
    return counts


# --- An MRC manager's own users -----------------------------------------------------------

def manageable_users(manager: User) -> Select[User]:
    """Counsellors and managers of the manager's own MRC (through the scoping function)."""
    roles = [role.value for role in CASE_ROLES]
    return (scoped(User, manager).where(User.role.in_(roles))
            .order_by(func.lower(User.username), User.id))


def get_manageable_or_404(user_id: int, manager: User) -> User:
    """A user the manager may change; 404 for anyone else, so existence is not revealed."""
    target: User | None = db.session.scalars(
        manageable_users(manager).where(User.id == user_id)).first()
    if target is None:
        abort(404)
    return target

"""Administration (regions, countries, MRCs, users), the MRC manager's user page and every
user's account page. Views parse a form, call a service and render or redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from mrc.admin import bp, services
from mrc.admin.forms import (
    ChangePasswordForm,
    CountryForm,
    EditMRCUserForm,
    EditUserForm,
    LanguageForm,
    MRCForm,
    NewMRCUserForm,
    NewUserForm,
    RegionForm,
    ResetPasswordForm,
    UserFilterForm,
    int_or_none,
)
from mrc.admin.services import Scope
from mrc.auth.models import Role, User
from mrc.auth.services import roles_required
from mrc.extensions import db
from mrc.forms import attach_errors
from mrc.org import services as org
from mrc.org.models import MRC, Country, Region
from mrc.routing import form_page, page_arg
from mrc.settings import settings
from mrc.validation import ValidationError

Page = str | Response | tuple[str, int]


def _form_page(form: FlaskForm, save: Callable[[], object], template: str, done: str,
               message: str, **context: Any) -> Page:
    """:func:`mrc.routing.form_page` with a fixed success message and destination."""

    def finish(_result: object) -> Response:
        flash(message, "success")
        return redirect(done)

    return form_page(form, save, template, finish, rollback=True, **context)


def _get_or_404(model: type[Any], record_id: int) -> Any:
    # Organisation tables and users are not client records: an admin sees all of them.
    return db.get_or_404(model, record_id)


# --- Landing page -------------------------------------------------------------------------

@bp.route("/admin/")
@roles_required(Role.ADMIN)
def index() -> str:
    return render_template("admin/index.html", org=org.org_counts(),
                           users=services.user_counts())


# --- Regions ------------------------------------------------------------------------------

@bp.route("/admin/regions")
@roles_required(Role.ADMIN)
def regions() -> str:
    rows = db.session.execute(
        select(Region, func.count(Country.id)).select_from(Region)
        .outerjoin(Country, Country.region_id == Region.id)
        .group_by(Region.id).order_by(Region.name)).all()
    return render_template("admin/regions.html", rows=rows)


@bp.route("/admin/regions/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_region() -> Page:
    form = RegionForm()
    return _form_page(form, lambda: org.create_region(form.values()), "admin/region_form.html",
                      url_for("admin.regions"), _("Region saved."), region=None)


@bp.route("/admin/regions/<int:region_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_region(region_id: int) -> Page:
    region = _get_or_404(Region, region_id)
    form = RegionForm(obj=region)
    return _form_page(form, lambda: org.update_region(region, form.values()),
                      "admin/region_form.html", url_for("admin.regions"), _("Region saved."),
                      region=region)


# --- Countries ----------------------------------------------------------------------------

@bp.route("/admin/countries")
@roles_required(Role.ADMIN)
def countries() -> str:
    rows = db.session.execute(
        select(Country, func.count(MRC.id)).select_from(Country)
        .outerjoin(MRC, MRC.country_id == Country.id)
        .group_by(Country.id).order_by(Country.name)).all()
    return render_template("admin/countries.html", rows=rows)


@bp.route("/admin/countries/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_country() -> Page:
    form = CountryForm()
    return _form_page(form, lambda: org.create_country(form.values()),
                      "admin/country_form.html", url_for("admin.countries"),
                      _("Country saved."), country=None)


@bp.route("/admin/countries/<int:country_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_country(country_id: int) -> Page:
    country = _get_or_404(Country, country_id)
    form = CountryForm(obj=country)
    return _form_page(form, lambda: org.update_country(country, form.values()),
                      "admin/country_form.html", url_for("admin.countries"),
                      _("Country saved."), country=country)


# --- MRCs ---------------------------------------------------------------------------------

@bp.route("/admin/mrcs")
@roles_required(Role.ADMIN)
def mrcs() -> str:
    rows = db.session.execute(
        select(MRC, func.count(User.id)).select_from(MRC)
        .join(Country, Country.id == MRC.country_id).outerjoin(User, User.mrc_id == MRC.id)
        .group_by(MRC.id, Country.name).order_by(Country.name, MRC.code)).all()
    return render_template("admin/mrcs.html", rows=rows)


@bp.route("/admin/mrcs/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_mrc() -> Page:
    form = MRCForm()
    return _form_page(form, lambda: org.create_mrc(form.values()), "admin/mrc_form.html",
                      url_for("admin.mrcs"), _("MRC saved."), mrc=None)


@bp.route("/admin/mrcs/<int:mrc_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_mrc(mrc_id: int) -> Page:
    mrc = _get_or_404(MRC, mrc_id)
    form = MRCForm(mrc=mrc)
    return _form_page(form, lambda: org.update_mrc(mrc, form.values()), "admin/mrc_form.html",
                      url_for("admin.mrcs"), _("MRC saved."), mrc=mrc)


@bp.route("/admin/mrcs/<int:mrc_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def deactivate_mrc(mrc_id: int) -> Response:
    mrc = _get_or_404(MRC, mrc_id)
    if org.set_mrc_active(mrc, False):
        flash(_("MRC %(code)s deactivated.", code=mrc.code), "success")
    return redirect(url_for("admin.mrcs"))


@bp.route("/admin/mrcs/<int:mrc_id>/reactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def reactivate_mrc(mrc_id: int) -> Response:
    mrc = _get_or_404(MRC, mrc_id)
    if org.set_mrc_active(mrc, True):
        flash(_("MRC %(code)s reactivated.", code=mrc.code), "success")
    return redirect(url_for("admin.mrcs"))


# --- Users (admin) ------------------------------------------------------------------------

@bp.route("/admin/users")
@roles_required(Role.ADMIN)
def users() -> str:
    filters = UserFilterForm(request.args)
    filters.validate()
    chosen = services.UserFilter(
        search="" if filters.q.errors else (filters.q.data or "").strip(),
        role=None if filters.role.errors else (filters.role.data or None),
        mrc_id=None if filters.mrc.errors else int_or_none(filters.mrc.data))
    page = services.paginate(services.user_query(chosen), page_arg(),
                             settings().page_size)
    return render_template("admin/users.html", filters=filters, result=page)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user() -> Page:
    form = NewUserForm()
    return _form_page(form, lambda: services.add_user(form.values(), scope=form.chosen_scope()),
                      "admin/user_form.html", url_for("admin.users"), _("User created."),
                      user=None)


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int) -> Page:
    user = _get_or_404(User, user_id)
    form = EditUserForm(user=user)
    return _form_page(form, lambda: services.update_user(user, form.values(), current_user,
                                                         scope=form.chosen_scope()),
                      "admin/user_form.html", url_for("admin.users"), _("User saved."),
                      user=user)


@bp.route("/admin/users/<int:user_id>/password", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def reset_user_password(user_id: int) -> Page:
    user = _get_or_404(User, user_id)
    form = ResetPasswordForm()
    return _form_page(form, lambda: services.reset_password(user, form.password.data or "",
                                                            form.confirm.data or ""),
                      "admin/password_form.html", url_for("admin.users"),
                      _("The password has been reset. Give it to the user in person."),
                      user=user, back=url_for("admin.edit_user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/logout-everywhere", methods=["POST"])
@roles_required(Role.ADMIN)
def end_user_sessions(user_id: int) -> Response:
    user = _get_or_404(User, user_id)
    services.end_sessions(user)
    flash(_("%(user)s has been logged out everywhere.", user=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/unlock", methods=["POST"])
@roles_required(Role.ADMIN)
def unlock_user(user_id: int) -> Response:
    return _unlock(_get_or_404(User, user_id), "admin.edit_user")


def _unlock(user: User, back: str) -> Response:
    services.unlock(user)
    flash(_("%(user)s can log in again.", user=user.username), "success")
    return redirect(url_for(back, user_id=user.id))


# --- An MRC manager's users ---------------------------------------------------------------

@bp.route("/admin/mrc-users")
@roles_required(Role.MANAGER)
def mrc_users() -> str:
    page = services.paginate(services.manageable_users(current_user),
                             page_arg(),
                             settings().page_size)
    return render_template("admin/mrc_users.html", result=page)


@bp.route("/admin/mrc-users/new", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def new_mrc_user() -> Page:
    form = NewMRCUserForm()
    return _form_page(form, lambda: services.add_user(form.values(),
                                                      allowed_roles=services.MANAGER_ROLES,
                                                      scope=Scope(mrc_id=current_user.mrc_id)),
                      "admin/mrc_user_form.html", url_for("admin.mrc_users"),
                      _("User created."), user=None)


@bp.route("/admin/mrc-users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def edit_mrc_user(user_id: int) -> Page:
    user = services.get_manageable_or_404(user_id, current_user)
    form = EditMRCUserForm(user=user)
    return _form_page(form, lambda: services.update_user(
        user, form.values(), current_user, allowed_roles=services.MANAGER_ROLES,
        scope=Scope(mrc_id=current_user.mrc_id)),
        "admin/mrc_user_form.html", url_for("admin.mrc_users"), _("User saved."), user=user)


def _set_mrc_user_active(user_id: int, active: bool) -> Response:
    user = services.get_manageable_or_404(user_id, current_user)
    try:
        changed = services.set_active(user, active, current_user)
    except ValidationError as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(url_for("admin.mrc_users"))
    if changed:
        flash(_("%(user)s can log in again.", user=user.username) if active
              else _("%(user)s can no longer log in.", user=user.username), "success")
    return redirect(url_for("admin.mrc_users"))


@bp.route("/admin/mrc-users/<int:user_id>/deactivate", methods=["POST"])
@roles_required(Role.MANAGER)
def deactivate_mrc_user(user_id: int) -> Response:
    return _set_mrc_user_active(user_id, False)


@bp.route("/admin/mrc-users/<int:user_id>/reactivate", methods=["POST"])
@roles_required(Role.MANAGER)
def reactivate_mrc_user(user_id: int) -> Response:
    return _set_mrc_user_active(user_id, True)


@bp.route("/admin/mrc-users/<int:user_id>/unlock", methods=["POST"])
@roles_required(Role.MANAGER)
def unlock_mrc_user(user_id: int) -> Response:
    return _unlock(services.get_manageable_or_404(user_id, current_user), "admin.edit_mrc_user")


@bp.route("/admin/mrc-users/<int:user_id>/password", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def reset_mrc_user_password(user_id: int) -> Page:
    user = services.get_manageable_or_404(user_id, current_user)
    if user.role_enum != Role.COUNSELLOR:
        # Managers' passwords are reset by an administrator.
        flash(_("Only a counsellor's password can be reset here. Ask an administrator."),
              "error")
        return redirect(url_for("admin.mrc_users"))
    form = ResetPasswordForm()
    return _form_page(form, lambda: services.reset_password(user, form.password.data or "",
                                                            form.confirm.data or ""),
                      "admin/password_form.html", url_for("admin.mrc_users"),
                      _("The password has been reset. Give it to the user in person."),
                      user=user, back=url_for("admin.mrc_users"))


# --- Every user's own account -------------------------------------------------------------

def _account_page(language: LanguageForm, password: ChangePasswordForm,
                  status: int = 200) -> tuple[str, int]:
    return render_template("account/index.html", language=language, password=password,
                           errors={}), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Page:
    language = LanguageForm(prefix="lang")
    if not language.is_submitted():
        language.locale.data = current_user.locale or ""
    if language.validate_on_submit():
        try:
            services.set_own_locale(current_user, language.locale.data or None)
        except ValidationError as exc:
            db.session.rollback()
            attach_errors(language, exc.errors)
            return _account_page(language, ChangePasswordForm(prefix="pw", formdata=None), 400)
        # The profile choice wins over an earlier pick in the language switcher.
        session.pop("lang", None)
        flash(_("Your preferred language has been saved."), "success")
        return redirect(url_for("admin.account"))
    status = 400 if language.is_submitted() else 200
    return _account_page(language, ChangePasswordForm(prefix="pw", formdata=None), status)


@bp.route("/account/password", methods=["POST"])
@login_required
def account_password() -> Page:
    form = ChangePasswordForm(prefix="pw")
    language = LanguageForm(prefix="lang", formdata=None)
    language.locale.data = current_user.locale or ""
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current.data or "",
                                         form.password.data or "", form.confirm.data or "")
        except ValidationError as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
            return _account_page(language, form, 400)
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("admin.account"))
    return _account_page(language, form, 400)

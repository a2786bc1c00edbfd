"""The facility directory, for administrators: the list with its search, a facility's form
(add, correct, deactivate), the CSV import and export. The rules are in
:mod:`mrc.referrals.directory`; facilities are organisation data, not client records, so an
administrator sees every one."""

from __future__ import annotations

from datetime import date
from math import ceil
from urllib.parse import quote

from babel import Locale, UnknownLocaleError
from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from mrc.auth.models import Role
from mrc.auth.services import roles_required
from mrc.extensions import db
from mrc.i18n import NATIVE_NAMES
from mrc.referrals import bp, directory, services
from mrc.referrals.directory_forms import DirectoryFilter, DirectoryImportForm, FacilityForm
from mrc.referrals.models import Facility
from mrc.routing import Page, form_page, page_arg, takes_files

PER_PAGE = 50
MAX_SHOWN_ERRORS = 1000


def language_name(code: str) -> str:
    """A language spoken at a facility, named in the interface language (else the code)."""
    try:
        locale = Locale.parse(str(get_locale() or "en"))
    except (ValueError, UnknownLocaleError):
        locale = None
    name = locale.languages.get(code) if locale is not None else None
    return str(name or NATIVE_NAMES.get(code, code))


@bp.route("/directory", endpoint="directory")
@roles_required(Role.ADMIN)
def directory_page() -> str:
    filters = DirectoryFilter(request.args, countries=directory.countries())
    listed = directory.search(filters.wanted())
    total = services.count(listed)
    pages = max(ceil(total / PER_PAGE), 1)
    page = min(page_arg(), pages)
    rows = db.session.scalars(listed.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("referrals/directory.html", facilities=rows, filters=filters,
                           total=total, page=page, total_pages=pages,
                           language_name=language_name)


def _saved(_facility: Facility) -> Response:
    flash(_("Facility saved."), "success")
    return redirect(url_for("referrals.directory"))


@bp.route("/directory/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_facility() -> Page:
    form = FacilityForm()
    return form_page(form, lambda: directory.create_facility(form.values(), current_user),
                     "referrals/facility_form.html", _saved, rollback=True, facility=None)


@bp.route("/directory/<int:facility_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_facility(facility_id: int) -> Page:
    facility = db.get_or_404(Facility, facility_id)
    form = FacilityForm(data=FacilityForm.data_of(facility))
    return form_page(form, lambda: directory.update_facility(facility, form.values(),
                                                             current_user),
                     "referrals/facility_form.html", _saved, rollback=True, facility=facility)


def _import_page(form: DirectoryImportForm, status: int = 200, **context: object
                 ) -> tuple[str, int]:
    return render_template("referrals/directory_import.html", form=form,
                           spec=directory.SPEC,
                           limit_mb=directory.MAX_BYTES // (1024 * 1024),
                           max_rows=directory.MAX_ROWS, max_shown=MAX_SHOWN_ERRORS,
                           **context), status


@bp.route("/directory/import", methods=["GET", "POST"])
@takes_files
@roles_required(Role.ADMIN)
def import_directory() -> Page:
    try:
        form = DirectoryImportForm()
    except RequestEntityTooLarge:
        form = DirectoryImportForm(formdata=None)
        form.file.errors = [_("The file is too large to upload. Split it into smaller files.")]
        return _import_page(form, 413)
    if not form.validate_on_submit():
        return _import_page(form, 400 if form.is_submitted() else 200)
    # One byte more than allowed is enough to tell that a file is too large.
    result = directory.import_directory(form.file.data.read(directory.MAX_BYTES + 1),
                                        current_user)
    if not result.ok:
        db.session.rollback()
        return _import_page(form, 400, errors=result.errors)
    flash(_("Directory imported: %(added)s facilities added, %(updated)s updated.",
            added=result.added, updated=result.updated), "success")
    return redirect(url_for("referrals.directory"))


@bp.route("/directory.csv")
@roles_required(Role.ADMIN)
def export_directory() -> Response:
    # A byte-order mark, so spreadsheet programs read the names as UTF-8.
    body = "\ufeff" + directory.export_csv(current_user)
    filename = f"mrc-facility-directory-{date.today().isoformat()}.csv"
    disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": disposition})

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from mrc.auth.models import Role
from mrc.home import bp
from mrc.home.forms import PreferencesForm
from mrc.i18n import calendar_preference, latin_digits_preference


@bp.route("/")
@login_required
def index() -> str | Response:
    """Each role starts where its daily work is."""
    if current_user.works_with_cases:
        return redirect(url_for("cases.worklist"))
    if current_user.role_enum == Role.ADMIN:
        return redirect(url_for("admin.index"))
    if current_user.role_enum == Role.SUPERVISOR:
        return redirect(url_for("aggregates.dashboard"))
    if current_user.role_enum == Role.EVALUATOR:
        return redirect(url_for("panels.studies"))
    if current_user.role_enum == Role.PARTNER:
        return redirect(url_for("referrals.received"))
    return render_template("home/index.html")


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences() -> str | Response:
    """Calendar and digits: remembered in the session and in the user's profile."""
    form = PreferencesForm(calendar=calendar_preference(), latin_digits=latin_digits_preference())
    if form.validate_on_submit():
        session["calendar"] = current_user.calendar = form.calendar.data
        session["latin_digits"] = current_user.latin_digits = bool(form.latin_digits.data)
        flash(_("Your display preferences were saved."), "success")
        return redirect(url_for("home.preferences"))
    return render_template("home/preferences.html", form=form, example_date=date.today())


@bp.route("/healthz")
def health() -> tuple[str, int]:
    return "ok", 200

"""The MRC's side: refer a client from a session, the MRC's referrals, one referral with its
status and consent."""

from __future__ import annotations

from math import ceil
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select
from werkzeug.wrappers import Response

from mrc.auth.services import case_worker_required
from mrc.cases.models import Client, CounsellingSession
from mrc.extensions import db
from mrc.referrals import bp, services
from mrc.referrals.forms import SLIP_LANGUAGE, ListFilter, ReferForm, StatusForm, WithdrawForm
from mrc.referrals.models import Referral
from mrc.routing import Page, form_page, page_arg
from mrc.scope import get_scoped_or_404, scoped
from mrc.settings import settings

PER_PAGE = 50


def referral_list(query: Select[Any], template: str, **context: object) -> str:
    """A page of referrals, newest first, filtered by ``?status=``; shared with the partner's
    list (``query``: the user's scoped referrals)."""
    filters = ListFilter(request.args)
    status = filters.status.data if filters.validate() else ""
    listed = services.newest_first(query, status or "")
    total = services.count(listed)
    pages = max(ceil(total / PER_PAGE), 1)
    page = min(page_arg(), pages)
    rows = db.session.scalars(listed.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template(template, referrals=rows, filters=filters, total=total, page=page,
                           total_pages=pages, **context)


@bp.route("/")
@case_worker_required
def index() -> str:
    return referral_list(scoped(Referral, current_user), "referrals/index.html",
                         codes=_client_codes())


def _client_codes() -> dict[int, str | None]:
    """Client codes of the MRC's referrals, shown to its own counsellors."""
    rows = db.session.execute(scoped(Client, current_user).with_only_columns(Client.id, Client.code)
                              .where(Client.id.in_(scoped(Referral, current_user)
                                                   .with_only_columns(Referral.client_id))))
    return {int(client_id): code for client_id, code in rows}


@bp.route("/clients/<int:client_id>")
@case_worker_required
def of_client(client_id: int) -> str:
    client = get_scoped_or_404(Client, client_id, current_user)
    referrals = db.session.scalars(services.newest_first(
        scoped(Referral, current_user).where(Referral.client_id == client.id))).all()
    return render_template("referrals/of_client.html", client=client, referrals=referrals)


@bp.route("/sessions/<int:session_id>/new", methods=["GET", "POST"])
@case_worker_required
def new(session_id: int) -> Page:
    session = get_scoped_or_404(CounsellingSession, session_id, current_user)
    if session.deleted_at is not None:
        abort(404)
    client = db.session.get_one(Client, session.client_id)
    if client.erased_at is not None:
        flash(_("This client was erased and cannot be referred."), "error")
        return redirect(url_for("cases.client", client_id=client.id))
    facilities = services.facilities_offering()
    form = ReferForm(facilities, language=SLIP_LANGUAGE.get(session.language, "en"))

    def done(referral: Referral) -> Response:
        flash(_("Referral %(reference)s sent. Print the slip for the client.",
                reference=referral.reference), "success")
        return redirect(url_for("referrals.detail", referral_id=referral.id))

    return form_page(form, lambda: services.refer(client, session, form.values(), current_user,
                                                  settings().supported_locales),
                     "referrals/new.html", done, client=client, session=session,
                     facilities=facilities)


@bp.route("/<int:referral_id>")
@case_worker_required
def detail(referral_id: int) -> Page:
    referral = get_scoped_or_404(Referral, referral_id, current_user)
    return _detail_page(referral, StatusForm(referral.status), WithdrawForm())


def _detail_page(referral: Referral, status_form: StatusForm, withdraw_form: WithdrawForm,
                 code: int = 200) -> Page:
    client = db.session.get_one(Client, referral.client_id)
    page = render_template("referrals/detail.html", referral=referral, client=client,
                           facility=referral.facility, status_form=status_form,
                           withdraw_form=withdraw_form)
    return (page, code) if code != 200 else page


@bp.route("/<int:referral_id>/status", methods=["POST"])
@case_worker_required
def status(referral_id: int) -> Page:
    referral = get_scoped_or_404(Referral, referral_id, current_user)
    form = StatusForm(referral.status)

    def done(_moved: Referral) -> Response:
        flash(_("Status saved."), "success")
        return redirect(url_for("referrals.detail", referral_id=referral.id))

    return form_page(form, lambda: services.set_status(
        referral, form.status.data, form.on.data, form.outcome.data or None, current_user),
        "referrals/detail.html", done, rollback=True, referral=referral,
        client=db.session.get_one(Client, referral.client_id), facility=referral.facility,
        status_form=form, withdraw_form=WithdrawForm(formdata=None))


@bp.route("/<int:referral_id>/withdraw", methods=["POST"])
@case_worker_required
def withdraw(referral_id: int) -> Page:
    referral = get_scoped_or_404(Referral, referral_id, current_user)
    form = WithdrawForm()
    if not form.validate_on_submit():
        return _detail_page(referral, StatusForm(referral.status, formdata=None), form, 400)
    if services.withdraw_consent(referral, current_user):
        flash(_("Consent withdrawn: the facility no longer sees this client."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))

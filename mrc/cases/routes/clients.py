"""Registering, finding, viewing, editing and erasing clients; the printed card."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import segno
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.audit import services as audit
from mrc.auth.models import Role
from mrc.auth.services import case_worker_required
from mrc.cases import awareness, bp, services, vocab
from mrc.cases.correction_forms import ClientCorrectionForm
from mrc.cases.duplicates import possible_duplicates
from mrc.cases.forms import (
    CodeSearchForm,
    EraseForm,
    PhoneSearchForm,
    RegisterForm,
)
from mrc.cases.handouts import leaflets_given
from mrc.cases.models import Client, CounsellingSession, FollowUp
from mrc.cases.routes.common import (
    Page,
    invalid,
    no_errors,
    redirect_erased,
    user_country,
    user_mrc,
    wave_label,
)
from mrc.forms import attach_errors
from mrc.i18n import page_locale
from mrc.org.contact import mrc_contact
from mrc.places import province_name
from mrc.privacy.codes import format_code
from mrc.routing import form_page
from mrc.scope import get_scoped_or_404, scoped


@bp.route("/register", methods=["GET", "POST"])
@case_worker_required
def register() -> Page:
    mrc = user_mrc()
    country = user_country()
    form = RegisterForm(country=country, nationality=country)
    # A possible duplicate is shown before anything is created; "Register anyway" goes on.
    if not request.form.get("register_anyway") and form.validate_on_submit():
        matches = possible_duplicates(scoped(Client, current_user), mrc, form.client_data())
        if matches:
            return render_template("cases/register.html", form=form, duplicates=matches)

    def done(client: Client) -> Response:
        flash(_("Client registered. The client code is %(code)s: write it on the card.",
                code=format_code(str(client.code))), "success")
        return redirect(url_for("cases.client", client_id=client.id))

    return form_page(form, lambda: services.register_client(mrc, form.client_data(),
                                                            current_user),
                     "cases/register.html", done, error_context=no_errors)


@bp.route("/find", methods=["GET", "POST"])
@case_worker_required
def find() -> Page:
    # Both searches are POSTed: neither a code nor a phone number may end up in a URL or log.
    kind = request.form.get("search") if request.method == "POST" else None
    code_form = CodeSearchForm(formdata=request.form if kind == "code" else None)
    phone_form = PhoneSearchForm(formdata=request.form if kind == "phone" else None)
    scope = scoped(Client, current_user)
    matches: list[Client] | None = None
    if kind == "code" and code_form.validate():
        try:
            found = services.find_by_code(scope, code_form.code.data or "")
        except services.InvalidCode:
            code_form.code.errors = [_(
                "This is not a valid client code. Check the code on the card: "
                "8 letters and digits, like K7Q3-M9XP.")]
        else:
            if found is not None:
                return redirect(url_for("cases.client", client_id=found.id))
            matches = []
    elif kind == "phone" and phone_form.validate():
        try:
            matches = services.find_by_phone(scope, phone_form.phone.data or "", user_mrc())
        except services.ValidationError as exc:
            attach_errors(phone_form, exc.errors)
        else:
            if len(matches) == 1:
                return redirect(url_for("cases.client", client_id=matches[0].id))
    status = 400 if kind and matches is None else 200
    return render_template("cases/find.html", code_form=code_form, phone_form=phone_form,
                           kind=kind, matches=matches), status


@dataclass
class TimelineEntry:
    """One line of the client page: a session or a follow-up wave, ready to display."""

    date: date
    kind: str
    record: Any
    topics: list[str] = field(default_factory=list)
    referrals: list[str] = field(default_factory=list)
    notes: str | None = None
    max_score: int | None = None
    wave: str = ""
    leaflets: list[tuple[str, str, int]] = field(default_factory=list)


def _labels(mask: int, vocabulary: tuple[tuple[str, Any], ...]) -> list[str]:
    names = dict(vocabulary)
    return [str(names[code]) for code in vocab.from_mask(mask, vocabulary)]


def _timeline(client: Client) -> list[TimelineEntry]:
    entries = []
    given = leaflets_given((s.id for s in client.sessions), current_user, str(get_locale()))
    for when, kind, record in services.client_timeline(client):
        if kind == "session":
            s: CounsellingSession = record
            entries.append(TimelineEntry(
                when, kind, s,
                topics=_labels(s.topics, vocab.TOPICS),
                referrals=_labels(s.referrals, vocab.REFERRALS),
                notes=services.decrypt_notes(s),
                max_score=awareness.max_score(s.awareness_version),
                leaflets=given.get(s.id, [])))
        else:
            f: FollowUp = record
            entries.append(TimelineEntry(
                when, kind, f, wave=wave_label(f.wave),
                max_score=awareness.max_score(f.awareness_version)
                if f.awareness_version else None))
    return entries


@bp.route("/clients/<int:client_id>")
@case_worker_required
def client(client_id: int) -> Page:
    record = get_scoped_or_404(Client, client_id, current_user)
    audit.record("view", "client", record.id, mrc_id=record.mrc_id)
    return render_template(
        "cases/client.html", client=record, phone=services.decrypt_phone(record),
        baseline=services.baseline_date(record), timeline=_timeline(record),
        is_manager=current_user.role_enum == Role.MANAGER,
        province_name=_province_name(record.province))


def _province_name(code: str | None) -> str:
    return province_name(code)


@bp.route("/clients/<int:client_id>/card")
@case_worker_required
def card(client_id: int) -> Page:
    record = get_scoped_or_404(Client, client_id, current_user)
    if record.code is None:
        return redirect_erased(record)
    code = format_code(record.code)
    # The QR code holds the client code and nothing else.
    qr = segno.make_qr(code, error="m").svg_data_uri(scale=6, border=2)
    mrc = user_mrc()
    return render_template("cases/card.html", client=record, code=code, qr=qr, mrc=mrc,
                           contact=mrc_contact(mrc, page_locale().code))


@bp.route("/clients/<int:client_id>/edit", methods=["GET", "POST"])
@case_worker_required
def edit(client_id: int) -> Page:
    record = get_scoped_or_404(Client, client_id, current_user)
    if record.erased_at is not None:
        return redirect_erased(record)
    current = {f: getattr(record, f) for f in services.CLIENT_EDITABLE}
    current["phone"] = services.decrypt_phone(record)
    current["province"] = current["province"] or ""
    current["nationality"] = current["nationality"] or ""
    if current["consent_date"] is None:
        current["consent_date"] = date.today()
    # Every change is a correction: it needs a reason from the coded list (issue #10).
    form = ClientCorrectionForm(country=user_country(), data=current)

    def done(changed: object) -> Response:
        if changed:
            flash(_("Changes saved."), "success")
        else:
            flash(_("Nothing was changed."), "info")
        return redirect(url_for("cases.client", client_id=record.id))

    return form_page(form, lambda: services.correct_client(record, form.client_data(),
                                                           form.reason.data, current_user),
                     "cases/edit.html", done, error_context=no_errors, client=record)


@bp.route("/clients/<int:client_id>/erase", methods=["GET", "POST"])
@case_worker_required
def erase(client_id: int) -> Page:
    if current_user.role_enum != Role.MANAGER:
        abort(403)
    record = get_scoped_or_404(Client, client_id, current_user)
    if record.erased_at is not None:
        flash(_("This client was already erased."), "info")
        return redirect(url_for("cases.client", client_id=record.id))
    form = EraseForm()
    if form.validate_on_submit():
        services.erase_client(record, current_user)
        flash(_("The client was erased: the code, phone number and notes are gone."), "success")
        return redirect(url_for("cases.client", client_id=record.id))
    if form.is_submitted():
        return invalid("cases/erase.html", form=form, client=record)
    return render_template("cases/erase.html", form=form, client=record)

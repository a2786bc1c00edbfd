"""The counsellor's pages: register, find, view, edit and erase clients, log sessions,
work through due follow-ups.

Views are thin: parse a form, call ``mrc.cases.services``, commit once, render or redirect.
Every record is fetched through ``mrc.scope``, so a record of another MRC is a 404.
Codes and phone numbers are only ever sent in POST bodies, never in URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from math import ceil
from typing import Any

import pycountry
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
from mrc.cases.forms import (
    AttemptForm,
    CodeSearchForm,
    EditClientForm,
    EraseForm,
    PhoneSearchForm,
    RegisterForm,
    SessionForm,
    WorklistFilter,
    country_choices,
    default_session_language,
)
from mrc.cases.models import Client, CounsellingSession, FollowUp
from mrc.forms import attach_errors
from mrc.leaflets.services import leaflet_choices, low_stock
from mrc.org.models import MRC
from mrc.privacy.codes import format_code
from mrc.routing import form_page, page_arg
from mrc.scope import get_scoped_or_404, scoped
from mrc.settings import settings

Page = str | Response | tuple[str, int]


def _mrc() -> MRC:
    mrc: MRC = current_user.mrc
    return mrc


def _country() -> str:
    return services.mrc_country_code(_mrc())


def _invalid(template: str, **context: Any) -> tuple[str, int]:
    """A form that failed validation, re-rendered with what was typed."""
    return render_template(template, **context), 400


def _no_errors(_other: dict[str, str]) -> dict[str, Any]:
    return {}


def _awareness_errors(other: dict[str, str]) -> dict[str, Any]:
    """The session and attempt pages show awareness-answer errors by the questions."""
    rest = dict(other)
    return {"awareness_error": rest.pop("awareness_answers", None), "other_errors": rest}


def _redirect_erased(client: Client) -> Response:
    flash(_("This client was erased and cannot be changed."), "error")
    return redirect(url_for("cases.client", client_id=client.id))


def wave_label(wave: int) -> str:
    offsets = services.wave_offsets()
    if 1 <= wave <= len(offsets):
        return _("Wave %(wave)s (+%(days)s days)", wave=wave, days=offsets[wave - 1])
    return _("Wave %(wave)s", wave=wave)


@bp.context_processor
def case_helpers() -> dict[str, Any]:
    names = dict(country_choices())
    return {"country_label": lambda code: names.get(code or "", code or ""),
            "today": date.today()}


# --- registering, finding, viewing ---------------------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
@case_worker_required
def register() -> Page:
    mrc = _mrc()
    country = _country()
    form = RegisterForm(country=country, nationality=country)

    def done(client: Client) -> Response:
        flash(_("Client registered. The client code is %(code)s: write it on the card.",
                code=format_code(str(client.code))), "success")
        return redirect(url_for("cases.client", client_id=client.id))

    return form_page(form, lambda: services.register_client(mrc, form.client_data(),
                                                            current_user),
                     "cases/register.html", done, error_context=_no_errors)


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
            matches = services.find_by_phone(scope, phone_form.phone.data or "", _mrc())
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


def _labels(mask: int, vocabulary: tuple[tuple[str, Any], ...]) -> list[str]:
    names = dict(vocabulary)
    return [str(names[code]) for code in vocab.from_mask(mask, vocabulary)]


def _timeline(client: Client) -> list[TimelineEntry]:
    entries = []
    for when, kind, record in services.client_timeline(client):
        if kind == "session":
            s: CounsellingSession = record
            entries.append(TimelineEntry(
                when, kind, s,
                topics=_labels(s.topics, vocab.TOPICS),
                referrals=_labels(s.referrals, vocab.REFERRALS),
                notes=services.decrypt_notes(s),
                max_score=awareness.max_score(s.awareness_version)))
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
    if not code:
        return ""
    entry = pycountry.subdivisions.get(code=code)
    return str(entry.name) if entry is not None else code


@bp.route("/clients/<int:client_id>/card")
@case_worker_required
def card(client_id: int) -> Page:
    record = get_scoped_or_404(Client, client_id, current_user)
    if record.code is None:
        return _redirect_erased(record)
    code = format_code(record.code)
    # The QR code holds the client code and nothing else.
    qr = segno.make_qr(code, error="m").svg_data_uri(scale=6, border=2)
    return render_template("cases/card.html", client=record, code=code, qr=qr, mrc=_mrc())


@bp.route("/clients/<int:client_id>/edit", methods=["GET", "POST"])
@case_worker_required
def edit(client_id: int) -> Page:
    record = get_scoped_or_404(Client, client_id, current_user)
    if record.erased_at is not None:
        return _redirect_erased(record)
    current = {f: getattr(record, f) for f in services.CLIENT_EDITABLE}
    current["phone"] = services.decrypt_phone(record)
    current["province"] = current["province"] or ""
    current["nationality"] = current["nationality"] or ""
    if current["consent_date"] is None:
        current["consent_date"] = date.today()
    form = EditClientForm(country=_country(), data=current)

    def done(changed: object) -> Response:
        if changed:
            flash(_("Changes saved."), "success")
        else:
            flash(_("Nothing was changed."), "info")
        return redirect(url_for("cases.client", client_id=record.id))

    return form_page(form, lambda: services.update_client(record, form.client_data(),
                                                          current_user),
                     "cases/edit.html", done, error_context=_no_errors, client=record)


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
        return _invalid("cases/erase.html", form=form, client=record)
    return render_template("cases/erase.html", form=form, client=record)


# --- sessions ------------------------------------------------------------------------------

@bp.route("/clients/<int:client_id>/sessions/new", methods=["GET", "POST"])
@case_worker_required
def new_session(client_id: int) -> Page:
    record = get_scoped_or_404(Client, client_id, current_user)
    if record.erased_at is not None:
        return _redirect_erased(record)
    form = SessionForm(language=default_session_language(str(get_locale()), _country()),
                       leaflets=leaflet_choices(str(get_locale())))

    def done(_session: object) -> Response:
        flash(_("Session saved."), "success")
        return redirect(url_for("cases.client", client_id=record.id))

    return form_page(form, lambda: services.log_session(record, form.session_data(),
                                                        current_user),
                     "cases/session.html", done, error_context=_awareness_errors, client=record)


# --- follow-ups ----------------------------------------------------------------------------

@bp.route("/worklist")
@case_worker_required
def worklist() -> Page:
    filters = WorklistFilter(request.args.get("horizon"), page_arg())
    per_page = settings().page_size
    rows, total = services.due_followups(scoped(FollowUp, current_user),
                                         horizon_days=filters.horizon_days,
                                         page=filters.page, per_page=per_page)
    # The manager's dashboard alert: leaflets running low in this MRC.
    low = low_stock(current_user.mrc_id) if current_user.role == Role.MANAGER.value else []
    return render_template("cases/worklist.html", rows=rows, total=total, filters=filters,
                           page=filters.page, total_pages=max(ceil(total / per_page), 1),
                           today=date.today(), wave_label=wave_label, low_stock=low)


@bp.route("/followups/<int:followup_id>/attempt", methods=["GET", "POST"])
@case_worker_required
def attempt(followup_id: int) -> Page:
    followup = get_scoped_or_404(FollowUp, followup_id, current_user)
    record = followup.client
    if followup.status != "pending":
        flash(_("This follow-up is already closed."), "info")
        return redirect(url_for("cases.client", client_id=record.id))
    form = AttemptForm()

    def done(_attempt: object) -> Response:
        if followup.status == "reached":
            flash(_("Follow-up completed."), "success")
        elif followup.status == "unreachable":
            flash(_("Follow-up closed as not reached."), "info")
        else:
            flash(_("Attempt recorded. The follow-up stays on the list."), "info")
        return redirect(url_for("cases.worklist"))

    return form_page(form, lambda: services.record_attempt(followup, form.attempt_data(),
                                                           current_user),
                     "cases/attempt.html", done, error_context=_awareness_errors,
                     followup=followup, client=record, wave=wave_label(followup.wave),
                     baseline=services.baseline_date(record))

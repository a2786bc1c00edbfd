"""Correcting mistakes: editing or deleting a session, editing an attempt (issue #10).

Each correction asks for a reason from the coded list; the services audit it with the
before/after of the coarse fields. A record of another MRC, or a deleted session, is a 404.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.auth.services import case_worker_required
from mrc.cases import bp, services
from mrc.cases.correction_forms import AttemptEditForm, SessionDeleteForm, SessionEditForm
from mrc.cases.models import CounsellingSession, FollowUpAttempt
from mrc.cases.routes.common import Page, awareness_errors, redirect_erased, wave_label
from mrc.routing import form_page
from mrc.scope import get_scoped_or_404


def _session_or_404(session_id: int) -> CounsellingSession:
    record = get_scoped_or_404(CounsellingSession, session_id, current_user)
    if record.deleted_at is not None:
        abort(404)
    return record


def _back_to(client_id: int, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("cases.client", client_id=client_id))


def _corrected(client_id: int, message: str) -> Callable[[object], Response]:
    """After a correction form: back to the client, saying whether anything changed."""
    def done(changed: object) -> Response:
        if not changed:
            flash(_("Nothing was changed."), "info")
            return redirect(url_for("cases.client", client_id=client_id))
        return _back_to(client_id, message)
    return done


def _stored(stored: dict[str, object]) -> dict[str, object] | None:
    """Fill the form from the record on GET only: a POST shows what was typed."""
    return stored if request.method == "GET" else None


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@case_worker_required
def edit_session(session_id: int) -> Page:
    record = _session_or_404(session_id)
    client = record.client
    if client.erased_at is not None:
        return redirect_erased(client)
    form = SessionEditForm(data=_stored(SessionEditForm.stored(record)))

    return form_page(form, lambda: services.edit_session(record, form.session_data(),
                                                         form.reason.data, current_user),
                     "cases/session_edit.html",
                     _corrected(client.id, _("The session was corrected.")),
                     error_context=awareness_errors,
                     client=client, session=record)


@bp.route("/sessions/<int:session_id>/delete", methods=["GET", "POST"])
@case_worker_required
def delete_session(session_id: int) -> Page:
    record = _session_or_404(session_id)
    client = record.client
    if client.erased_at is not None:
        return redirect_erased(client)
    form = SessionDeleteForm()
    return form_page(form, lambda: services.delete_session(record, form.reason.data,
                                                           current_user),
                     "cases/session_delete.html",
                     lambda _none: _back_to(client.id, _("The session was deleted.")),
                     client=client, session=record)


@bp.route("/attempts/<int:attempt_id>/edit", methods=["GET", "POST"])
@case_worker_required
def edit_attempt(attempt_id: int) -> Page:
    attempt = get_scoped_or_404(FollowUpAttempt, attempt_id, current_user)
    followup = attempt.followup
    client = followup.client
    if client.erased_at is not None:
        return redirect_erased(client)
    form = AttemptEditForm(data=_stored(AttemptEditForm.stored(attempt)))

    return form_page(form, lambda: services.edit_attempt(attempt, form.attempt_data(),
                                                         form.reason.data, current_user),
                     "cases/attempt_edit.html",
                     _corrected(client.id, _("The follow-up attempt was corrected.")),
                     error_context=awareness_errors,
                     attempt=attempt, followup=followup, client=client,
                     wave=wave_label(followup.wave))

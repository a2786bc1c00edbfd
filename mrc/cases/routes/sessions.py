"""Logging a counselling session."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.auth.services import case_worker_required
from mrc.cases import bp, services
from mrc.cases.forms import (
    SessionForm,
    client_session_language,
)
from mrc.cases.models import Client
from mrc.cases.routes.common import (
    Page,
    awareness_errors,
    redirect_erased,
    user_country,
)
from mrc.leaflets.services import leaflet_choices
from mrc.routing import form_page
from mrc.scope import get_scoped_or_404


@bp.route("/clients/<int:client_id>/sessions/new", methods=["GET", "POST"])
@case_worker_required
def new_session(client_id: int) -> Page:
    record = get_scoped_or_404(Client, client_id, current_user)
    if record.erased_at is not None:
        return redirect_erased(record)
    form = SessionForm(language=client_session_language(record, str(get_locale()),
                                                        user_country()),
                       leaflets=leaflet_choices(str(get_locale())))

    def done(_session: object) -> Response:
        flash(_("Session saved."), "success")
        return redirect(url_for("cases.client", client_id=record.id))

    return form_page(form, lambda: services.log_session(record, form.session_data(),
                                                        current_user),
                     "cases/session.html", done, error_context=awareness_errors, client=record)

"""Record routes for case workers (counsellors and managers of one MRC): clients, sessions,
follow-ups and attempts. Thin: the web's forms check the bodies (:mod:`mrc.api.formdata`),
the web's services save, the web's scoping function finds (another MRC's record is a 404)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from mrc.api import bp, shapes
from mrc.api import record_schemas as S
from mrc.api.auth import case_work
from mrc.api.conditional import corrected, page, representation
from mrc.api.formdata import BadBody, bound, json_body, refused
from mrc.api.openapi import documented
from mrc.api.problems import problem
from mrc.capture import codes
from mrc.cases import services
from mrc.cases.correction_forms import SessionEditForm
from mrc.cases.forms import AttemptForm, CodeSearchForm, PhoneSearchForm, RegisterForm, SessionForm
from mrc.cases.models import Client, CounsellingSession, FollowUp
from mrc.extensions import db
from mrc.leaflets.services import leaflet_choices
from mrc.scope import get_scoped_or_404, scoped

PREFIX = shapes.PREFIX


def _mrc() -> Any:
    return current_user.mrc


def _saved(form: FlaskForm, save: Callable[[], Any]) -> Any:
    """The service's record (flushed: its last-change stamp is final), or the response
    refusing the body."""
    if not form.validate():
        return refused(form.errors)
    try:
        saved = save()
    except services.ValidationError as exc:
        return refused(exc.errors)
    db.session.flush()
    return saved


@bp.route("/clients")
@documented(_l("The MRC's clients, by last change"), tags=["clients"], parameters=S.PAGE_PARAMETERS,
            responses={200: S.items(S.CLIENT, paged=True)})
@case_work()
def clients() -> Any:
    """The MRC's clients, by last change (``updated_since``, ``cursor``, ``limit``)."""
    mrc = _mrc()
    return page(scoped(Client, current_user), Client.updated_at, Client.id,
                lambda c: shapes.client(c, mrc))


@bp.route("/clients", methods=["POST"])
@documented(_l("Register a client"), tags=["clients"], request=S.NEW_CLIENT,
            responses={201: S.made(S.CLIENT)}, problems=[409, 422])
@case_work()
def register() -> Any:
    mrc, body = _mrc(), json_body()
    form = bound(RegisterForm, body, country=services.mrc_country_code(mrc))
    # A code given offline by a capture device: only one of the blocks reserved for this
    # very token (mrc.capture.codes), used up with the registration.
    saved = _saved(form, lambda: services.register_client(
        mrc, form.client_data(), current_user,
        code=codes.claim(g.api_token, mrc.id, body["code"]) if "code" in body else None))
    if isinstance(saved, Response):
        return saved
    return representation(shapes.client(saved, mrc), 201, f"{PREFIX}/clients/{saved.id}")


@bp.route("/clients/<int:client_id>")
@documented(_l("A client's coarse fields"), tags=["clients"], parameters=[S.CLIENT_ID],
            responses={200: S.read(S.CLIENT), 304: S.NOT_MODIFIED})
@case_work()
def client(client_id: int) -> Any:
    mrc = _mrc()
    return representation(shapes.client(get_scoped_or_404(Client, client_id, current_user),
                                        mrc))


@bp.route("/clients/search", methods=["POST"])
@documented(_l("Find a client by code or phone number"), tags=["clients"],
            request=S.SEARCH, responses={200: S.items(S.CLIENT)})
@case_work(idempotent=False)
def search() -> Any:
    """Find by ``code`` or ``phone`` (POSTed: neither may be in an address or a log)."""
    mrc, body = _mrc(), json_body()
    scope = scoped(Client, current_user)
    if "code" in body:
        form: FlaskForm = bound(CodeSearchForm, {"code": body["code"]})
        if not form.validate():
            return refused(form.errors)
        try:
            found = services.find_by_code(scope, form.data["code"])
        except services.InvalidCode:
            return refused({"code": "invalid"})
        found_clients = [found] if found is not None else []
    elif "phone" in body:
        form = bound(PhoneSearchForm, {"phone": body["phone"]})
        found_clients = _saved(form, lambda: services.find_by_phone(scope, form.data["phone"], mrc))
        if isinstance(found_clients, Response):
            return found_clients
    else:
        raise BadBody("code")
    return representation({"items": [shapes.client(c, mrc) for c in found_clients]})


def _session_form(form_class: type[SessionForm], values: dict[str, Any]) -> SessionForm:
    return bound(form_class, values, leaflets=leaflet_choices(str(get_locale())))


@bp.route("/clients/<int:client_id>/sessions")
@documented(_l("A client's sessions, by last change"), tags=["sessions"],
            parameters=[S.CLIENT_ID, *S.PAGE_PARAMETERS],
            responses={200: S.items(S.SESSION, paged=True)})
@case_work()
def client_sessions(client_id: int) -> Any:
    record = get_scoped_or_404(Client, client_id, current_user)
    return page(scoped(CounsellingSession, current_user).where(
        CounsellingSession.client_id == record.id), CounsellingSession.updated_at,
        CounsellingSession.id, shapes.session)


@bp.route("/sessions")
@documented(_l("The MRC's sessions, by last change"), tags=["sessions"],
            parameters=S.PAGE_PARAMETERS, responses={200: S.items(S.SESSION, paged=True)})
@case_work()
def sessions() -> Any:
    """The MRC's sessions by last change, deleted ones included (``"deleted": true``)."""
    return page(scoped(CounsellingSession, current_user), CounsellingSession.updated_at,
                CounsellingSession.id, shapes.session)


@bp.route("/clients/<int:client_id>/sessions", methods=["POST"])
@documented(_l("Log a counselling session"), tags=["sessions"], parameters=[S.CLIENT_ID],
            request=S.NEW_SESSION, responses={201: S.made(S.SESSION)}, problems=[409, 422])
@case_work()
def log_session(client_id: int) -> Any:
    record = get_scoped_or_404(Client, client_id, current_user)
    if record.erased_at is not None:
        return problem(404)
    form = _session_form(SessionForm, json_body())
    saved = _saved(form, lambda: services.log_session(record, form.session_data(),
                                                      current_user))
    if isinstance(saved, Response):
        return saved
    return representation(shapes.session(saved), 201, f"{PREFIX}/sessions/{saved.id}")


@bp.route("/sessions/<int:session_id>")
@documented(_l("A session"), tags=["sessions"], parameters=[S.SESSION_ID],
            responses={200: S.read(S.SESSION), 304: S.NOT_MODIFIED})
@case_work()
def session(session_id: int) -> Any:
    return representation(shapes.session(
        get_scoped_or_404(CounsellingSession, session_id, current_user)))


SESSION_FIELDS = ("date", "channel", "language", "intention", "destination", "route",
                  "fee_band", "info_source", "topics", "referrals", "duration_minutes",
                  "notes", "awareness")


@bp.route("/sessions/<int:session_id>", methods=["PATCH"])
@documented(_l("Correct a session"), tags=["sessions"], parameters=[S.SESSION_ID],
            request=S.CORRECTION, responses={200: S.read(S.SESSION)},
            problems=[409, 412, 428])
@case_work()
def correct_session(session_id: int) -> Any:
    """Correct a session (``{"reason", "changes": {field: value}, "base"?}``, If-Match)."""
    record = get_scoped_or_404(CounsellingSession, session_id, current_user)
    if record.deleted_at is not None or record.client.erased_at is not None:
        return problem(404)
    asked = corrected(shapes.session(record), SESSION_FIELDS,
                      ("session", record.id, record.mrc_id))
    if isinstance(asked, Response):
        return asked
    values, reason = asked
    form = _session_form(SessionEditForm, {**values, "reason": reason})
    saved = _saved(form, lambda: services.edit_session(record, form.session_data(),
                                                       form.reason.data, current_user))
    if isinstance(saved, Response):
        return saved
    return representation(shapes.session(record))


@bp.route("/clients/<int:client_id>/followups")
@documented(_l("A client's follow-up waves and their attempts"), tags=["follow-ups"],
            parameters=[S.CLIENT_ID], responses={200: S.items(S.FOLLOWUP)})
@case_work()
def client_followups(client_id: int) -> Any:
    record = get_scoped_or_404(Client, client_id, current_user)
    waves = db.session.scalars(scoped(FollowUp, current_user).where(
        FollowUp.client_id == record.id).order_by(FollowUp.wave))
    return representation({"items": [shapes.followup(f) for f in waves]})


@bp.route("/followups/<int:followup_id>/attempts", methods=["POST"])
@documented(_l("Record a follow-up attempt"), tags=["follow-ups"],
            parameters=[S.FOLLOWUP_ID], request=S.NEW_ATTEMPT,
            responses={201: S.made(S.FOLLOWUP)}, problems=[409, 422])
@case_work()
def record_attempt(followup_id: int) -> Any:
    followup = get_scoped_or_404(FollowUp, followup_id, current_user)
    if followup.client.erased_at is not None:
        return problem(404)
    if followup.status != "pending" or not services.open_on(followup, date.today()):
        return problem(400, detail="followup_closed")
    form = bound(AttemptForm, json_body())
    saved = _saved(form, lambda: services.record_attempt(followup, form.attempt_data(),
                                                         current_user))
    if isinstance(saved, Response):
        return saved
    return representation(shapes.followup(followup), 201,
                          f"{PREFIX}/clients/{followup.client_id}/followups")




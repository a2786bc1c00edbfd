"""API views of outreach events and leaflet stock (issue #13), for case workers of one MRC.

Thin, as the web's (:mod:`mrc.outreach.routes`, :mod:`mrc.leaflets.routes`): the same role
checks, the web's own forms check the bodies (:mod:`mrc.api.formdata`), the same services
save and audit, the scoping function finds (another MRC's event is a 404).

Events have no last-change stamp: their pages are ordered by creation then id, and take no
``updated_since`` (a correction does not bring an event back into a sync's pages; its ETag
changes)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date
from typing import Any

from flask import Blueprint, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.api import outreach_schemas as O
from mrc.api import record_schemas as S
from mrc.api.auth import case_work
from mrc.api.conditional import BadParameter, corrected, page, representation
from mrc.api.formdata import BadBody, bound, json_body, refused
from mrc.api.openapi import documented
from mrc.api.problems import problem
from mrc.api.shapes import PREFIX
from mrc.auth.models import Role
from mrc.cases import vocab as case_vocab
from mrc.extensions import db
from mrc.i18n import language_choices
from mrc.leaflets import services as stock
from mrc.leaflets.forms import AdjustForm, ReceiveForm
from mrc.leaflets.models import StockEntry
from mrc.org.services import provinces
from mrc.outreach import services, vocab
from mrc.outreach.forms import EventForm
from mrc.outreach.models import OutreachEvent
from mrc.scope import get_scoped_or_404, scoped
from mrc.settings import settings
from mrc.validation import ValidationError

# Nested in the ``api`` blueprint (mrc.api): endpoints ``api.outreach.*`` under /api/v1/.
bp = Blueprint("outreach", __name__)

STOCK_MANAGERS = (Role.MANAGER,)  # as mrc.leaflets.routes.receive and .adjust
EVENT_FIELDS = ("date", "type", "province", *vocab.ATTENDANCE_COLUMNS, "attendance_total",
                "estimated_reach", "topics", "partners")
HAND_OUT_FIELDS = ("leaflet", "language", "quantity")
MAX_HAND_OUTS = 20  # EventForm.leaflets' max_entries
STOCK_RULE = _l("The stock cannot change like this.")


# --- what is shown --------------------------------------------------------------------------

def event_shape(event: OutreachEvent, given: list[stock.HandOut]) -> dict[str, Any]:
    """An event as the web's form names its fields, with the leaflets handed out."""
    created = event.created_at
    return {"id": event.id, "mrc": current_user.mrc.code, "date": event.date.isoformat(),
            "type": event.type, "province": event.province,
            **{column: getattr(event, column) for column in vocab.ATTENDANCE_COLUMNS},
            "attendance_total": event.attendance_total,
            "estimated_reach": event.estimated_reach,
            "topics": case_vocab.from_mask(event.topics, case_vocab.TOPICS),
            "partners": event.partners,
            "leaflets": [{"leaflet": g.leaflet_code, "language": g.language,
                          "quantity": g.quantity} for g in given],
            # UTC, however the database hands it back (SQLite keeps no offset).
            "created_at": (created if created.tzinfo else created.replace(tzinfo=UTC))
            .astimezone(UTC).isoformat()}


def _shown(event: OutreachEvent) -> dict[str, Any]:
    return event_shape(event, stock.given_at_events([event.id]).get(event.id, []))


def stock_row(row: stock.StockRow) -> dict[str, Any]:
    return {"leaflet": row.leaflet_code, "language": row.language, "in_stock": row.stock,
            "received": row.received, "handed_out": row.handed_out, "low": row.low}


# --- bodies ---------------------------------------------------------------------------------

def _event_form(values: Mapping[str, Any]) -> EventForm:
    """The web's event form (mrc.outreach.routes._form) bound to a JSON body; the leaflet
    rows ``[{"leaflet", "language", "quantity"}]`` become the form's numbered rows."""
    flat = {name: value for name, value in values.items() if name != "leaflets"}
    rows = values.get("leaflets") or []
    if not isinstance(rows, list) or len(rows) > MAX_HAND_OUTS or not all(
            isinstance(row, dict) and set(row) <= set(HAND_OUT_FIELDS) for row in rows):
        raise BadBody("leaflets")
    for index, row in enumerate(rows):
        flat.update({f"leaflets-{index}-{name}": value for name, value in row.items()})
    return bound(EventForm, flat, provinces=provinces(current_user.mrc.country.code),
                 leaflets=[(x.code, x.code) for x in stock.active_leaflets()],
                 languages=language_choices())


def _form_errors(errors: Mapping[str, Any]) -> dict[str, Any]:
    """The form's errors by field, the leaflet rows' (a list of each row's) as one."""
    flat = {name: messages for name, messages in errors.items() if name != "leaflets"}
    for row in errors.get("leaflets") or []:
        for messages in (row.values() if isinstance(row, dict) else [row]):
            if messages and "leaflets" not in flat:
                flat["leaflets"] = messages
    return flat


def _unknown(body: Mapping[str, Any], known: tuple[str, ...]) -> None:
    extra = sorted(set(body) - set(known))
    if extra:
        raise BadBody(",".join(extra))


# --- events ---------------------------------------------------------------------------------

@bp.route("/outreach/events")
@documented(_l("The MRC's outreach events, in the order they were recorded"),
            tags=["outreach"], parameters=O.EVENT_PAGE_PARAMETERS,
            responses={200: S.items(O.EVENT, paged=True)})
@case_work()
def events() -> Any:
    """The MRC's events by creation then id (``cursor``, ``limit``); no ``updated_since``:
    events carry no last-change stamp."""
    if "updated_since" in request.args:
        raise BadParameter("updated_since")
    listed = page(scoped(OutreachEvent, current_user), OutreachEvent.created_at,
                  OutreachEvent.id, lambda event: {"event": event})
    found = [item["event"] for item in listed["items"]]
    given = stock.given_at_events(event.id for event in found)
    return {"items": [event_shape(event, given.get(event.id, [])) for event in found],
            "next": listed["next"]}


@bp.route("/outreach/events", methods=["POST"])
@documented(_l("Record an outreach event"), tags=["outreach"], request=O.NEW_EVENT,
            responses={201: S.made(O.EVENT)}, problems=[409, 422])
@case_work()
def record_event() -> Any:
    """Record an event of the MRC and the leaflets handed out at it, as the web's form."""
    body = json_body()
    _unknown(body, (*EVENT_FIELDS, "leaflets"))
    form = _event_form(body)
    if not form.validate():
        return refused(_form_errors(form.errors))
    items, row_error = form.hand_outs()
    if row_error:
        return refused({"leaflets": row_error})
    try:
        event = services.record_event(current_user.mrc, form.event_data(), current_user,
                                      leaflets=items)
    except ValidationError as exc:
        return refused(exc.errors)
    return representation(_shown(event), 201, f"{PREFIX}/outreach/events/{event.id}")


@bp.route("/outreach/events/<int:event_id>")
@documented(_l("An outreach event"), tags=["outreach"], parameters=[O.EVENT_ID],
            responses={200: S.read(O.EVENT), 304: S.NOT_MODIFIED})
@case_work()
def event(event_id: int) -> Any:
    return representation(_shown(get_scoped_or_404(OutreachEvent, event_id, current_user)))


@bp.route("/outreach/events/<int:event_id>", methods=["PATCH"])
@documented(_l("Correct an outreach event"), tags=["outreach"], parameters=[O.EVENT_ID],
            description=_l("Its fields, not its leaflets: those are stock ledger entries, "
                           "corrected by an adjustment."),
            request=O.EVENT_CORRECTION, responses={200: S.read(O.EVENT)},
            problems=[409, 412, 428])
@case_work()
def correct_event(event_id: int) -> Any:
    """Correct an event (``{"changes": {field: value}, "base"?}``, If-Match), as the web's
    edit page: the same form and ``services.update_event``, audited there."""
    record = get_scoped_or_404(OutreachEvent, event_id, current_user)
    asked = corrected(_shown(record), EVENT_FIELDS, ("outreach_event", record.id, record.mrc_id))
    if isinstance(asked, Response):
        return asked
    values, _reason = asked
    changes = json_body()["changes"]
    if "attendance_total" not in changes:
        values.pop("attendance_total")  # an optional check of the grid: it follows the grid
    form = _event_form(values)
    if not form.validate():
        return refused(_form_errors(form.errors))
    try:
        services.update_event(record, form.event_data(), current_user)
    except ValidationError as exc:
        return refused(exc.errors)
    return representation(_shown(record))


# --- leaflet stock --------------------------------------------------------------------------

@bp.route("/leaflets/stock")
@documented(_l("The MRC's leaflet stock"), tags=["leaflets"], responses={200: O.STOCK})
@case_work()
def stock_table() -> Any:
    """The stock page's table: each leaflet and language with entries, and the low flag."""
    return representation({"items": [stock_row(r) for r in stock.stock_table(
        current_user.mrc_id)], "low_stock_below": settings().low_stock})


def _moved(entry: StockEntry) -> Response:
    row = next(r for r in stock.stock_table(entry.mrc_id)
               if (r.leaflet_code, r.language) == (entry.leaflet_code, entry.language))
    return representation({"entry": {
        "id": entry.id, "kind": entry.kind, "leaflet": entry.leaflet_code,
        "language": entry.language, "quantity": entry.quantity,
        "on_date": entry.on_date.isoformat(), "reason": entry.reason},
        "stock": stock_row(row)}, 201, f"{PREFIX}/leaflets/stock")


def _movement(form_class: type[ReceiveForm] | type[AdjustForm]) -> Response:
    """The delivery and adjustment pages' form, then their service (mrc.leaflets.routes)."""
    body = json_body()
    _unknown(body, ("leaflet", "language", "quantity", "on_date", "reason"))
    form = bound(form_class, body, leaflets=[(x.code, x.code) for x in stock.active_leaflets()],
                 languages=language_choices())
    if not form.validate():
        return refused(form.errors)
    mrc_id, code, language = current_user.mrc_id, form.leaflet.data or "", form.language.data or ""
    on_date, quantity, reason = form.on_date.data or date.today(), form.quantity.data or 0, \
        form.reason.data or ""
    try:
        if form_class is ReceiveForm:
            entry = stock.receive(mrc_id, code, language, quantity, on_date, current_user,
                                  reason=reason)
        else:
            entry = stock.adjust(mrc_id, code, language, quantity, reason, on_date,
                                 current_user)
    except stock.StockError as exc:
        return problem(422, detail="stock", title=STOCK_RULE,
                       extra={"errors": {"stock": str(exc)}})
    db.session.flush()
    return _moved(entry)


@bp.route("/leaflets/stock/receipts", methods=["POST"])
@documented(_l("Record a delivery of leaflets"), tags=["leaflets"], request=O.RECEIPT,
            description=O.STOCK_RULES, responses={201: S.made(O.MOVED)},
            problems=[409, 422])
@case_work(roles=STOCK_MANAGERS)
def receive_stock() -> Any:
    return _movement(ReceiveForm)


@bp.route("/leaflets/stock/adjustments", methods=["POST"])
@documented(_l("Record a stock adjustment"), tags=["leaflets"], request=O.ADJUSTMENT,
            description=O.STOCK_RULES, responses={201: S.made(O.MOVED)},
            problems=[409, 422])
@case_work(roles=STOCK_MANAGERS)
def adjust_stock() -> Any:
    return _movement(AdjustForm)

"""JSON schemas of the outreach event and leaflet stock routes, for the OpenAPI document.
Names and codes are those of the web's forms (``mrc/outreach/forms.py``,
``mrc/leaflets/forms.py``; event types in ``mrc/outreach/vocab.py``, topics in
``mrc/cases/vocab.py``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mrc.api.openapi import Schema, component, path, query
from mrc.api.record_schemas import DAY, STAMP, TEXT
from mrc.outreach import vocab

COUNT: Schema = {"type": "integer", "minimum": 0}
ATTENDANCE: Schema = dict.fromkeys(vocab.ATTENDANCE_COLUMNS, COUNT)
HAND_OUT: Schema = {"type": "object", "required": ["leaflet", "language", "quantity"],
                    "properties": {"leaflet": TEXT, "language": TEXT,
                                   "quantity": {"type": "integer", "minimum": 1}}}
EVENT_PROPS: Schema = {
    "date": DAY, "type": {"enum": sorted(vocab.EVENT_TYPE)},
    "province": {**TEXT, "nullable": True, "description": _l("An ISO 3166-2 code.")},
    **ATTENDANCE,
    "attendance_total": {**COUNT, "description": _l(
        "The sum of the attendance grid; sent, it is checked against it.")},
    "estimated_reach": {"type": "integer", "nullable": True, "description": _l(
        "People reached by radio, television or social media.")},
    "topics": {"type": "array", "items": TEXT}, "partners": TEXT}
EVENT = component("OutreachEvent", {
    "type": "object", "required": ["id", "mrc", "date", "type", "attendance_total",
                                   "leaflets", "created_at"],
    "properties": {"id": {"type": "integer"}, "mrc": TEXT, **EVENT_PROPS,
                   "leaflets": {"type": "array", "items": HAND_OUT, "description": _l(
                       "Leaflets handed out at the event (stock ledger entries).")},
                   "created_at": STAMP}})
NEW_EVENT: Schema = {
    "type": "object", "required": ["date", "type"],
    "properties": {**EVENT_PROPS, "leaflets": {
        "type": "array", "maxItems": 20, "items": HAND_OUT, "description": _l(
            "Leaflets handed out, taken from the MRC's stock; more than is in stock is "
            "refused.")}}}
EVENT_CORRECTION: Schema = {
    "type": "object", "required": ["changes"],
    "properties": {"changes": {"type": "object", "properties": EVENT_PROPS,
                               "additionalProperties": False},
                   "base": {"type": "object", "description": _l(
                       "The event as the caller last read it: with it, an event changed "
                       "meanwhile merges, or answers 409 with the fields in conflict.")}}}
EVENT_PAGE_PARAMETERS = [
    query("cursor", _l("The next page's cursor, from the previous page."),
          example="MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHww"),
    query("limit", _l("Records a page (1 to 200, default 50)."),
          {"type": "integer", "minimum": 1, "maximum": 200}, example=2)]
EVENT_ID = path("event_id", _l("The outreach event's id."))

STOCK_ROW = component("StockRow", {
    "type": "object", "required": ["leaflet", "language", "in_stock", "low"],
    "properties": {"leaflet": TEXT, "language": TEXT, "in_stock": {"type": "integer"},
                   "received": {"type": "integer"}, "handed_out": {"type": "integer"},
                   "low": {"type": "boolean", "description": _l(
                       "Below the low-stock threshold.")}}})
STOCK = {"type": "object", "required": ["items", "low_stock_below"],
         "properties": {"items": {"type": "array", "items": STOCK_ROW},
                        "low_stock_below": {"type": "integer", "description": _l(
                            "A leaflet is low on stock below this many copies.")}}}
MOVEMENT_PROPS: Schema = {"leaflet": TEXT, "language": TEXT, "on_date": DAY}
RECEIPT: Schema = {"type": "object", "required": ["leaflet", "language", "quantity", "on_date"],
                   "properties": {**MOVEMENT_PROPS,
                                  "quantity": {"type": "integer", "minimum": 1,
                                               "maximum": 100_000},
                                  "reason": {**TEXT, "maxLength": 200, "description": _l(
                                      "A note: print run, supplier…")}}}
ADJUSTMENT: Schema = {"type": "object",
                      "required": ["leaflet", "language", "quantity", "on_date", "reason"],
                      "properties": {**MOVEMENT_PROPS,
                                     "quantity": {"type": "integer", "minimum": -100_000,
                                                  "maximum": 100_000, "description": _l(
                                                      "The change: negative to remove.")},
                                     "reason": {**TEXT, "maxLength": 200}}}
MOVED = {"type": "object", "required": ["entry", "stock"],
         "properties": {"entry": {"type": "object", "properties": {
             "id": {"type": "integer"}, "kind": {"enum": ["received", "adjustment"]},
             "leaflet": TEXT, "language": TEXT, "quantity": {"type": "integer"},
             "on_date": DAY, "reason": TEXT}}, "stock": STOCK_ROW}}
STOCK_RULES = _l("A movement the stock rules refuse (an adjustment that would make the stock "
                 "negative, a leaflet without that language) is a 422 problem whose "
                 "errors.stock says why, in the caller's language.")

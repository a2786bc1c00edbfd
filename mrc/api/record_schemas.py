"""JSON schemas of the record and job routes, for the OpenAPI document. Values are the
codes the web's forms take (``docs/api.md`` lists where the vocabularies are)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mrc.api.openapi import Reply, Schema, component, path, query

TEXT: Schema = {"type": "string"}
STAMP: Schema = {"type": "string", "format": "date-time"}
DAY: Schema = {"type": "string", "format": "date"}
ETAG = {"ETag": {"schema": TEXT, "description": _l("The representation's entity tag.")}}
CREATED = {**ETAG, "Location": {"schema": TEXT, "description": _l("Where it can be read.")}}

CLIENT = component("Client", {
    "type": "object", "required": ["id", "erased", "updated_at"],
    "description": _l("Coarse fields only; never the phone number. An erased client is "
                      "its id and \"erased\": true."),
    "properties": {"id": {"type": "integer"}, "code": TEXT, "mrc": TEXT, "sex": TEXT,
                   "birth_year": {"type": "integer", "nullable": True},
                   "province": {**TEXT, "nullable": True},
                   "nationality": {**TEXT, "nullable": True}, "migrant_status": TEXT,
                   "education": TEXT, "employment": TEXT, "followup_consent": {"type": "boolean"},
                   "consent_date": {**DAY, "nullable": True}, "registered_on": DAY,
                   "erased": {"type": "boolean"}, "updated_at": STAMP,
                   "links": {"type": "object"}}})
CLIENT_PROPS: Schema = {"sex": TEXT, "birth_year": {"type": "integer"}, "province": TEXT,
                        "nationality": TEXT, "migrant_status": TEXT, "education": TEXT,
                        "employment": TEXT, "followup_consent": {"type": "boolean"},
                        "consent_date": DAY, "registered_on": DAY}
NEW_CLIENT: Schema = {"type": "object", "required": ["sex", "migrant_status", "education",
                                                     "employment", "registered_on"],
                      "properties": {**CLIENT_PROPS, "phone": TEXT, "code": {
                          **TEXT, "description": _l(
                              "Only from a capture device: an unused client code of a "
                              "block reserved for this token (docs/offline.md).")}}}
AWARENESS: Schema = {"type": "object", "additionalProperties": {"enum": ["T", "F", "?"]},
                     "description": _l("Answers by question key.")}
SESSION_PROPS: Schema = {
    "date": DAY, "channel": TEXT, "language": TEXT, "intention": TEXT,
    "destination": {**TEXT, "nullable": True}, "route": {**TEXT, "nullable": True},
    "fee_band": {**TEXT, "nullable": True}, "info_source": {**TEXT, "nullable": True},
    "topics": {"type": "array", "items": TEXT}, "referrals": {"type": "array", "items": TEXT},
    "duration_minutes": {"type": "integer", "nullable": True}, "notes": TEXT,
    "awareness": AWARENESS}
SESSION = component("Session", {
    "type": "object", "required": ["id", "client_id", "deleted", "updated_at"],
    "properties": {"id": {"type": "integer"}, "client_id": {"type": "integer"},
                   **SESSION_PROPS, "is_baseline": {"type": "boolean"},
                   "deleted": {"type": "boolean"}, "updated_at": STAMP}})
NEW_SESSION: Schema = {"type": "object", "required": ["date", "channel", "language",
                                                      "intention"],
                       "properties": {**SESSION_PROPS, "leaflets": {"type": "array",
                                                                    "items": TEXT},
                                      "leaflet_language": TEXT}}
CORRECTION: Schema = {
    "type": "object", "required": ["reason", "changes"],
    "properties": {"reason": {"enum": ["typing_error", "wrong_client", "wrong_date",
                                       "duplicate", "other"]},
                   "changes": {"type": "object", "properties": SESSION_PROPS},
                   "base": {"type": "object", "description": _l(
                       "The record as the caller last read it: with it, a record changed "
                       "meanwhile merges, or answers 409 with the fields in conflict.")}}}
ATTEMPT_PROPS: Schema = {"date": DAY, "method": TEXT, "reached": {"enum": ["yes", "no"]},
                         "location_status": TEXT, "intention": TEXT,
                         "used_mrc_info": {"enum": ["yes", "no"]}, "awareness": AWARENESS}
NEW_ATTEMPT: Schema = {"type": "object", "required": ["date", "method", "reached"],
                       "properties": {**ATTEMPT_PROPS, "give_up": {"type": "boolean"}}}
FOLLOWUP = component("FollowUp", {
    "type": "object", "required": ["id", "client_id", "wave", "due_date", "status"],
    "properties": {"id": {"type": "integer"}, "client_id": {"type": "integer"},
                   "wave": {"type": "integer"}, "due_date": DAY, "status": TEXT,
                   "completed_on": {**DAY, "nullable": True},
                   "attempts": {"type": "array", "items": {"type": "object",
                                                           "properties": ATTEMPT_PROPS}},
                   "links": {"type": "object"}}})
SEARCH: Schema = {"type": "object", "properties": {"code": TEXT, "phone": TEXT},
                  "description": _l("One of code or phone.")}


def items(schema: Schema, paged: bool = False) -> Schema:
    properties: Schema = {"items": {"type": "array", "items": schema}}
    if paged:
        properties["next"] = {**TEXT, "nullable": True, "description": _l(
            "The cursor of the next page; null on the last.")}
    return {"type": "object", "required": list(properties), "properties": properties}


PAGE_PARAMETERS = [
    query("updated_since", _l("Only records changed at or after this time."),
          STAMP, example="2026-01-01T00:00:00Z"),
    query("cursor", _l("The next page's cursor, from the previous page."),
          example="MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHww"),
    query("limit", _l("Records a page (1 to 200, default 50)."),
          {"type": "integer", "minimum": 1, "maximum": 200}, example=2)]
CLIENT_ID = path("client_id", _l("The client's id."))
SESSION_ID = path("session_id", _l("The session's id."))
FOLLOWUP_ID = path("followup_id", _l("The follow-up wave's id."))
JOB_ID = path("job_id", _l("The job's id."))
STUDY_ID = path("study_id", _l("The study's id."))


def read(schema: Schema) -> Reply:
    return Reply(schema, headers=ETAG)


def made(schema: Schema) -> Reply:
    return Reply(schema, headers=CREATED)


JOB: Schema = component("Job", {
    "type": "object", "required": ["id", "state", "progress"],
    "properties": {"id": {"type": "integer"}, "state": TEXT, "progress": {"type": "integer"},
                   "message": TEXT, "download": {**TEXT, "nullable": True}}})
STARTED = Reply({"type": "object", "properties": {"job": JOB}},
                headers={"Location": {"schema": TEXT}})
REPORT_REQUEST: Schema = {"type": "object", "required": ["year", "quarter"],
                          "properties": {"year": {"type": "integer"},
                                         "quarter": {"type": "integer"}, "lang": TEXT,
                                         "formats": {"type": "array", "items": TEXT},
                                         "area": TEXT}}
IMPACT: Schema = {"type": "object", "description": _l(
    "The impact page's estimates for the scope; counts the page withholds are null.")}
FILE = Reply(None, description=_l("The file, once."), media="application/octet-stream")
NOT_MODIFIED = Reply(None, description=_l("Not modified: the copy named in If-None-Match "
                                          "is current."), headers=ETAG)

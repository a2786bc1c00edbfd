"""JSON schemas of the API's answers, for the OpenAPI document (:mod:`mrc.api.openapi`):
plain dicts, each the shape its view really returns (``tests/api/test_openapi.py``
validates the answers against them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mrc.aggregates.breakdowns import BREAKDOWNS
from mrc.api.openapi import Schema, component, query
from mrc.auth.models import Role

ROLE = {"type": "string", "enum": [role.value for role in Role]}

ME: Schema = {
    "type": "object", "required": ["username", "role", "mrcs", "token"],
    "additionalProperties": False,
    "properties": {
        "username": {"type": "string"},
        "role": ROLE,
        "mrcs": {"type": "array", "items": {"type": "string", "example": "PK-ISB"},
                 "description": _l("The codes of the MRCs in the user's scope.")},
        "token": {"type": "object", "required": ["name", "expires_at"],
                  "additionalProperties": False,
                  "properties": {"name": {"type": "string"},
                                 "expires_at": {"type": "string", "format": "date-time"}}},
    },
}

PUBLISHED_TABLE = component("PublishedTable", {
    "type": "object", "required": ["key", "title", "kind", "note", "columns", "rows"],
    "additionalProperties": False,
    "description": _l("One of the dashboard's tables, protected as the dashboard publishes "
                      "it."),
    "properties": {
        "key": {"type": "string", "example": "clients"},
        "title": {"type": "string", "description": _l("In the caller's Accept-Language.")},
        "kind": {"type": "string", "enum": ["count", "percent", "mean"]},
        "note": {"type": "string"},
        "columns": {"type": "array", "items": {
            "type": "object", "required": ["code", "label"], "additionalProperties": False,
            "properties": {"code": {"type": "string"}, "label": {"type": "string"}}},
            "description": _l("The last column is the total where there is one.")},
        "rows": {"type": "array", "items": {
            "type": "object", "required": ["key", "label", "level", "cells", "suppressed"],
            "additionalProperties": False,
            "properties": {
                "key": {"type": "string", "description": _l(
                    "Empty for the total, else a region, country or MRC code, or a month.")},
                "label": {"type": "string"},
                "level": {"type": "integer", "minimum": 0, "maximum": 3, "description": _l(
                    "0 total, 1 region, 2 country, 3 MRC.")},
                "cells": {"type": "array", "items": {"type": "number", "nullable": True},
                          "description": _l("One per column; null when suppressed or not "
                                            "defined.")},
                "suppressed": {"type": "array", "items": {"type": "boolean"}},
            }}},
    },
})

AGGREGATES: Schema = {
    "type": "object", "required": ["period", "breakdown", "area", "method", "tables"],
    "additionalProperties": False,
    "properties": {
        "period": {"type": "string", "example": "2026-Q3"},
        "breakdown": {"type": "string", "enum": list(BREAKDOWNS)},
        "area": {"type": "string", "description": _l("Empty for the token's whole scope.")},
        "method": {"type": "string", "enum": ["cellkey", "suppression"], "description": _l(
            "How the counts are protected (docs/disclosure.md).")},
        "tables": {"type": "array", "items": PUBLISHED_TABLE},
    },
}

AGGREGATES_PARAMETERS = [
    # The dashboard's own words (the same msgid as its filter form).
    query("period", _l("A year (2026), quarter (2026-Q3), month (2026-07) or months "
                       "2026-01..2026-06."), example="2026-Q3"),
    query("breakdown", _l("The tables' columns."),
          {"type": "string", "enum": list(BREAKDOWNS), "default": "mrc"}, example="sex"),
    query("area", _l("A country or MRC code inside the token's scope; the whole scope when "
                     "not given."), example="PK-ISB"),
]

"""Capture without a connection (issue #13): the counsellor's forms as an installable web
app under ``/capture/`` (a service worker keeps the page; entries wait on the device,
encrypted, and are sent through the JSON API with their idempotency keys).

The server's part is small: the page, its manifest and service worker, issuing a *device*
(an API token of the counsellor's own and a block of client codes reserved for it), and
checking on ``POST /api/v1/clients`` that a code given offline is one of that block
(:mod:`mrc.capture.codes`). ``docs/offline.md`` describes the whole design."""

from flask import Blueprint

bp = Blueprint("capture", __name__, url_prefix="/capture")

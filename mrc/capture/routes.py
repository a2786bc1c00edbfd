"""The capture page, its manifest and service worker, and the device it sets up. Web
log-in (counsellors and managers of an MRC). The posts are plain form bodies (the web's
views take no JSON: :func:`mrc.routing.refuse_what_forms_never_send`) answered with JSON;
they take the CSRF token in the ``X-CSRFToken`` header, which the page reads from
``/capture/state`` (the kept page has none)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from mrc.auth.services import case_worker_required
from mrc.capture import bp, codes, devices, page
from mrc.capture.words import words
from mrc.config import API_PATH
from mrc.i18n import page_locale
from mrc.transactions import keep_writes


def _json(status: int = 200, **values: Any) -> Response:
    response = jsonify(values)
    response.status_code = status
    return response


@bp.route("/")
@case_worker_required
def index() -> str:
    return render_template("capture/index.html", forms=page.forms(current_user.mrc),
                           words=words(), version=page.asset_version(),
                           api=f"{API_PATH}v1", refill_below=codes.REFILL_BELOW)


@bp.route("/manifest.webmanifest")
def manifest() -> Response:
    """Public: browsers fetch a manifest without cookies. Holds no data."""
    locale = page_locale()
    body = {"name": _("MRC capture"), "short_name": "MRC", "lang": locale.tag,
            "dir": locale.dir, "start_url": url_for("capture.index"),
            "scope": url_for("capture.index"), "display": "standalone",
            "background_color": "#ffffff", "theme_color": "#1d4f91",
            "icons": [{"src": url_for("static", filename="capture/icon.svg"),
                       "sizes": "any", "type": "image/svg+xml"}]}
    response = current_app.response_class(current_app.json.dumps(body),
                                          mimetype="application/manifest+json")
    return response


@bp.route("/sw.js")
def service_worker() -> Response:
    """Public (a browser checks it for updates whether logged in or not); its first line
    carries the assets' version, so a change of them installs a new worker."""
    source = (page.STATIC / "sw.js").read_text(encoding="utf-8")
    assets = [url_for("capture.index"), *(url_for("static", filename=f"capture/{name}")
                                          for name in page.ASSETS)]
    head = f"const VERSION = {page.asset_version()!r};\nconst SHELL = {assets!r};\n"
    response = Response(head + source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = url_for("capture.index")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/state")
@case_worker_required
def state() -> Response:
    """Who is logged in on this browser, and a CSRF token for the posts below."""
    return _json(user=current_user.id, csrf=generate_csrf())


@bp.route("/device", methods=["POST"])
@case_worker_required
def device() -> Response:
    """Set this browser up as a capture device: ``password`` → its token (shown this
    once), expiry, salt and iterations for the key, and its client codes."""
    password = request.form.get("password", "")
    if not password:
        return _json(400, error="password")
    try:
        issued = devices.issue_device(current_user, password)
    except devices.WrongPassword:
        keep_writes()  # the refusal is audited
        return _json(403, error="password")
    record = issued.token.record
    return _json(201, token=issued.token.secret, token_id=record.id,
                 expires_at=record.expires_at.isoformat(), user=current_user.id,
                 salt=issued.salt, iterations=devices.PBKDF2_ITERATIONS, codes=issued.codes)


@bp.route("/codes", methods=["POST"])
@case_worker_required
def device_codes() -> Response:
    """``device`` (its token's id) → the device's unused codes (a new block when it runs
    low)."""
    typed = request.form.get("device", "")
    if not typed.strip():
        return _json(400, error="device")
    token = devices.own_device(current_user, typed)
    if token is None:
        return _json(404, error="device")
    return _json(codes=codes.device_codes(token, current_user.mrc_id))

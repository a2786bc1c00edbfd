from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from mrc.auth.models import Role
from mrc.auth.services import case_worker_required, roles_required
from mrc.extensions import db
from mrc.i18n import language_choices, page_locale
from mrc.jobs import services as jobs
from mrc.leaflets import bp, render
from mrc.leaflets import services as stock
from mrc.leaflets.forms import AdjustForm, ReceiveForm, RenderForm
from mrc.leaflets.library import LANGUAGES, Leaflet
from mrc.leaflets.tasks import render_params
from mrc.org.models import MRC
from mrc.routing import flash_submitted


def _choices() -> dict[str, Any]:
    return {"leaflets": [(x.code, x.code) for x in stock.active_leaflets()],
            "languages": language_choices()}


@bp.route("/stock")
@case_worker_required
def stock_page() -> str:
    rows = stock.stock_table(current_user.mrc_id)
    return render_template("leaflets/stock.html", rows=rows,
                           can_manage=current_user.role == Role.MANAGER.value)


def _movement(form_class: type[ReceiveForm] | type[AdjustForm], title: str,
              action: str) -> str | Response | tuple[str, int]:
    """The delivery and adjustment pages: one form page, two services."""
    template = "leaflets/movement.html"
    form = form_class(**_choices())
    if form.validate_on_submit():
        try:
            if action == "receive":
                stock.receive(current_user.mrc_id, form.leaflet.data or "", form.language.data or "",
                              form.quantity.data or 0, form.on_date.data or date.today(), current_user,
                              reason=form.reason.data or "")
            else:
                stock.adjust(current_user.mrc_id, form.leaflet.data or "", form.language.data or "",
                             form.quantity.data or 0, form.reason.data or "", form.on_date.data or date.today(),
                             current_user)
        except stock.StockError as exc:
            db.session.rollback()
            return render_template(template, form=form, error=str(exc), title=title), 400
        flash(_("Stock updated."), "success")
        return redirect(url_for("leaflets.stock_page"))
    status = 400 if form.is_submitted() else 200
    return render_template(template, form=form, error=None, title=title), status


@bp.route("/stock/receive", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def receive() -> str | Response | tuple[str, int]:
    return _movement(ReceiveForm, _("Record a delivery"), "receive")


@bp.route("/stock/adjust", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def adjust() -> str | Response | tuple[str, int]:
    return _movement(AdjustForm, _("Record an adjustment"), "adjust")


# --- the leaflet library: read online, download PDFs, render the whole library -------------
# URL parameters are leaflet codes, language codes and page sizes (not record ids). The
# language is "language", not "lang": ?lang= switches the interface language.
LANGUAGE = f"<any({', '.join(LANGUAGES)}):language>"
SIZE = f"<any({', '.join(render.PAGE_SIZES)}):size>"
RENDER_ROLES = (Role.MANAGER, Role.ADMIN)


def _leaflet_or_404(code: str) -> Leaflet:
    leaflet = render.find_leaflet(code)
    if leaflet is None:
        abort(404)
    return leaflet


def _title(leaflet: Leaflet, ui_lang: str) -> tuple[str, str]:
    """(title, its language): in the interface language, else English."""
    lang = ui_lang if ui_lang in leaflet.titles else "en"
    return leaflet.titles[lang], lang


def _render_form() -> RenderForm:
    ui_lang = page_locale().code
    return RenderForm(leaflets=[(x.code, _title(x, ui_lang)[0]) for x in render.available_leaflets()],
                      languages=language_choices(),
                      sizes=[(size, size) for size in render.PAGE_SIZES])


def _users_mrc() -> render.MrcDetails | None:
    """The logged-in user's MRC for the leaflet's contact block (None: a neutral block)."""
    mrc = current_user.mrc if current_user.is_authenticated else None
    return render.MrcDetails.of(mrc) if mrc is not None and mrc.active else None


@bp.route("/")
@login_required
def library() -> str:
    ui_lang = page_locale().code
    entries = [(leaflet, *_title(leaflet, ui_lang)) for leaflet in render.available_leaflets()]
    can_render = current_user.role_enum in RENDER_ROLES
    return render_template("leaflets/library.html", entries=entries, sizes=render.PAGE_SIZES,
                           form=_render_form() if can_render else None, mrc=_users_mrc())


@bp.route(f"/<code>/{LANGUAGE}")
def read(code: str, language: str) -> str:
    """A leaflet online. Public: leaflets hold no personal data, and the QR code printed on
    them points here. ``?mrc=PK-ISB`` shows that (active) MRC's contact block."""
    leaflet = _leaflet_or_404(code)
    mrc_code = request.args.get("mrc", "").strip().upper()[:16]
    mrc = db.session.scalar(select(MRC).where(MRC.code == mrc_code, MRC.active)) if mrc_code else None
    details = render.MrcDetails.of(mrc) if mrc is not None else _users_mrc()
    return render_template(
        "leaflets/read.html", leaflet=leaflet, language=language, sizes=render.PAGE_SIZES,
        title=leaflet.titles[language], tag=render.language_tag(language),
        article=render.article_html(leaflet, language, details, show_qr=False))


@bp.route(f"/<code>/{LANGUAGE}/{SIZE}.pdf")
@login_required
def download(code: str, language: str, size: str) -> Response:
    """The leaflet as a PDF with the user's MRC block (a neutral one without an MRC)."""
    leaflet = _leaflet_or_404(code)
    pdf = render.render_leaflet(leaflet, language, size, _users_mrc())
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=render.pdf_file_name(leaflet.code, language, size))


@bp.route("/render", methods=["POST"])
@roles_required(*RENDER_ROLES)
def render_library() -> Response:
    """Start the background job that renders the library (or a selection) into a zip."""
    form = _render_form()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(url_for("leaflets.library"))
    job = jobs.create_job("leaflets_render",
                          render_params(form.codes.data, form.langs.data, form.sizes.data,
                                        current_user.mrc_id),
                          current_user.id, mrc_id=current_user.mrc_id)
    flash_submitted(jobs.submit(job).problem, _("Rendering of the leaflet library started."))
    return redirect(url_for("jobs.status", job_id=job.id))

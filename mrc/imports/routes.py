"""The manager's import page: upload a CSV file, see every problem or a summary."""

from __future__ import annotations

from flask import current_app, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from mrc.auth.models import Role
from mrc.auth.services import roles_required
from mrc.extensions import db
from mrc.imports import bp
from mrc.imports.forms import ImportForm
from mrc.imports.kinds import SPECS
from mrc.imports.services import IMPORTERS, import_csv
from mrc.org.models import MRC
from mrc.routing import takes_files

SUMMARY_KEY = "import_summary"
MAX_SHOWN_ERRORS = 1000


def _render(form: ImportForm, status: int = 200, **context: object) -> tuple[str, int]:
    limit_mb = max(1, (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024))
    specs = [SPECS[name] for name in IMPORTERS]
    return render_template("imports/upload.html", form=form, specs=specs, limit_mb=limit_mb,
                           max_shown=MAX_SHOWN_ERRORS, **context), status


@bp.route("/", methods=["GET", "POST"])
@takes_files
@roles_required(Role.MANAGER)
def upload() -> tuple[str, int] | Response:
    try:
        form = ImportForm()
    except RequestEntityTooLarge:
        form = ImportForm(formdata=None)
        form.file.errors = [_("The file is too large to upload. Split it into smaller files.")]
        return _render(form, 413)
    if form.validate_on_submit():
        mrc = db.session.get_one(MRC, current_user.mrc_id)
        kind = form.kind.data or ""
        result = import_csv(kind, form.file.data.read(), target_mrc=mrc, user=current_user)
        if not result.ok:
            db.session.rollback()
            return _render(form, errors=result.errors, kind_label=SPECS[kind].label,
                           saved=result.added)
        session[SUMMARY_KEY] = {"kind": kind, "added": result.added,
                                "skipped": result.skipped}
        return redirect(url_for("imports.upload"))
    summary = session.pop(SUMMARY_KEY, None)
    if summary is not None and summary.get("kind") in SPECS:
        summary["label"] = SPECS[summary["kind"]].label
    else:
        summary = None
    return _render(form, summary=summary)

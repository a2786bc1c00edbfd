"""The referral slip as a PDF download, for the counsellor to print and hand to the client.

A withdrawn referral still has a slip: it says that consent was withdrawn and carries no
client code (the facility's contacts stay useful to the client). The file is named by the
reference only, and is kept out of every cache."""

from __future__ import annotations

from urllib.parse import quote

from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.audit import services as audit
from mrc.auth.services import case_worker_required
from mrc.referrals import bp
from mrc.referrals.models import Referral
from mrc.referrals.slip import slip_file_name, slip_pdf
from mrc.scope import get_scoped_or_404


@bp.route("/<int:referral_id>/slip.pdf")
@case_worker_required
def slip(referral_id: int) -> Response:
    referral = get_scoped_or_404(Referral, referral_id, current_user)
    pdf = slip_pdf(referral)
    audit.record("export", "referral", referral.id, mrc_id=referral.mrc_id, detail="slip")
    name = slip_file_name(referral)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"; "
                               f"filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})

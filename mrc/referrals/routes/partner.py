"""The partner facility's side: the referrals sent to it, found by the slip's reference, and
each one's status. A partner reads only ``services.shared`` of a referral."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.audit import services as audit
from mrc.auth.models import Role
from mrc.auth.services import roles_required
from mrc.extensions import db
from mrc.referrals import bp, services
from mrc.referrals.forms import ReferenceForm, StatusForm
from mrc.referrals.models import Referral
from mrc.referrals.routes.mrc_side import referral_list
from mrc.routing import Page, form_page
from mrc.scope import get_scoped_or_404, is_partner, scoped


def _partner_only() -> None:
    if not is_partner(current_user):
        abort(403)


@bp.route("/received", methods=["GET", "POST"])
@roles_required(Role.PARTNER)
def received() -> Page:
    """The facility's referrals, and the look-up by reference (POSTed: it is on a slip)."""
    _partner_only()
    form = ReferenceForm()
    if form.validate_on_submit():
        wanted = services.normalise_reference(form.reference.data or "")
        found = db.session.scalars(scoped(Referral, current_user)
                                   .where(Referral.reference == wanted)).first()
        if found is not None:
            return redirect(url_for("referrals.received_one", referral_id=found.id))
        form.reference.errors = [_("No referral to your facility has this reference.")]
    shown = referral_list(scoped(Referral, current_user), "referrals/received.html",
                          form=form, shared=services.shared)
    return (shown, 400) if form.is_submitted() else shown


@bp.route("/received/<int:referral_id>", methods=["GET", "POST"])
@roles_required(Role.PARTNER)
def received_one(referral_id: int) -> Page:
    _partner_only()
    referral = get_scoped_or_404(Referral, referral_id, current_user)
    form = StatusForm(referral.status)
    if not form.is_submitted():
        audit.record("view", "referral", referral.id, mrc_id=referral.mrc_id)

    def done(_moved: Referral) -> Response:
        flash(_("Status saved."), "success")
        return redirect(url_for("referrals.received_one", referral_id=referral.id))

    return form_page(form, lambda: services.set_status(
        referral, form.status.data, form.on.data, form.outcome.data or None, current_user),
        "referrals/received_one.html", done, rollback=True, seen=services.shared(referral),
        referral=referral)

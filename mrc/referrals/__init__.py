"""Referrals (#12): a directory of destination-country facilities, referrals from a session
with the client's recorded consent, a slip for the client, and the partner's view.

A referral is a record of its MRC (counsellors and managers there see it through
``mrc.scope.scoped``); a partner user sees only the referrals sent to their own facility, and
of each only what the client agreed to share (see ``services.shared``)."""

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

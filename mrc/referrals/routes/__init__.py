"""The referral pages: the MRC's referrals (counsellors and managers), the partner facility's
view, the facility directory and the client's slip.

Every referral is fetched through ``mrc.scope``: another MRC's, or for a partner another
facility's, is a 404. Client codes and references travel in POST bodies, never in URLs."""

from __future__ import annotations

from typing import Any

from mrc.i18n import NATIVE_NAMES
from mrc.places import country_name
from mrc.referrals import bp, vocab
from mrc.referrals.routes import directory, mrc_side, partner, slip
from mrc.referrals.services import service_codes

__all__ = ["directory", "mrc_side", "partner", "slip"]


@bp.context_processor
def referral_helpers() -> dict[str, Any]:
    return {"rvocab": vocab, "services_label": dict(vocab.SERVICES),
            "country_label": country_name, "service_codes": service_codes,
            "language_name": lambda code: NATIVE_NAMES.get(code, code)}

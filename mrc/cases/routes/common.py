"""What the counsellor's pages share: the user's MRC, re-rendering a refused form, wave labels."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.calendars import localise_digits
from mrc.cases import bp, services
from mrc.cases.lapse import lapse_cutoff
from mrc.cases.models import Client
from mrc.i18n import numbering_system
from mrc.org.models import MRC
from mrc.places import country_name

Page = str | Response | tuple[str, int]


def user_mrc() -> MRC:
    mrc: MRC = current_user.mrc
    return mrc


def user_country() -> str:
    return services.mrc_country_code(user_mrc())


def invalid(template: str, **context: Any) -> tuple[str, int]:
    """A form that failed validation, re-rendered with what was typed."""
    return render_template(template, **context), 400


def no_errors(_other: dict[str, str]) -> dict[str, Any]:
    return {}


def awareness_errors(other: dict[str, str]) -> dict[str, Any]:
    """The session and attempt pages show awareness-answer errors by the questions."""
    rest = dict(other)
    return {"awareness_error": rest.pop("awareness_answers", None), "other_errors": rest}


def redirect_erased(client: Client) -> Response:
    flash(_("This client was erased and cannot be changed."), "error")
    return redirect(url_for("cases.client", client_id=client.id))


def wave_label(wave: int) -> str:
    """The label "Wave 2 (+180 days)", its numbers in the page's digits (as its dates are)."""
    digits = numbering_system()
    offsets = services.wave_offsets()
    number = localise_digits(str(wave), digits)
    if 1 <= wave <= len(offsets):
        days = localise_digits(str(offsets[wave - 1]), digits)
        return _("Wave %(wave)s (+%(days)s days)", wave=number, days=days)
    return _("Wave %(wave)s", wave=number)


@bp.context_processor
def case_helpers() -> dict[str, Any]:
    return {"country_label": country_name,
            "today": date.today(),
            # A pending wave due before this has lapsed (mrc.cases.lapse): no attempt offered.
            "lapse_cutoff": lapse_cutoff()}

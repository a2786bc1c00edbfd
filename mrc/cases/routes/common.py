"""What the counsellor's pages share: the user's MRC, re-rendering a refused form, wave labels."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from mrc.cases import bp, services
from mrc.cases.forms import (
    country_choices,
)
from mrc.cases.models import Client
from mrc.org.models import MRC

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
    offsets = services.wave_offsets()
    if 1 <= wave <= len(offsets):
        return _("Wave %(wave)s (+%(days)s days)", wave=wave, days=offsets[wave - 1])
    return _("Wave %(wave)s", wave=wave)


@bp.context_processor
def case_helpers() -> dict[str, Any]:
    names = dict(country_choices())
    return {"country_label": lambda code: names.get(code or "", code or ""),
            "today": date.today()}

"""Jinja filters and globals: labels of codes, locale-aware numbers and dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from mrc.auth.models import ROLE_LABELS
from mrc.calendars import GREGORIAN, SOLAR_HIJRI, format_solar, localise_digits
from mrc.cases import vocab
from mrc.i18n import calendar_preference, fmt_number, numbering_system
from mrc.outreach import vocab as outreach_vocab
from mrc.privacy.codes import format_code


def label(value: str | None, vocabulary: dict[str, Any] | tuple[tuple[str, Any], ...]) -> str:
    """Translated label of a vocabulary code (the code itself if unknown)."""
    if value is None:
        return ""
    mapping = dict(vocabulary) if isinstance(vocabulary, tuple) else vocabulary
    return str(mapping.get(value, value))


def fmt_date(value: date | datetime | None, style: str = "medium") -> str:
    """A date in the user's calendar (Gregorian, Solar Hijri or both) and digits."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = str(format_datetime(value, style))
    else:
        text = str(format_date(value, style))
        calendar = calendar_preference()
        if calendar != GREGORIAN:
            solar = format_solar(value, str(get_locale()))
            text = solar if calendar == SOLAR_HIJRI else f"{solar} ({text})"
    return localise_digits(text, numbering_system())


JOB_STATES = {
    "queued": _l("Waiting for a worker…"),
    "running": _l("Running…"),
    "finished": _l("Finished."),
    "failed": _l("Failed."),
}


def job_state_label(state: str) -> str:
    return str(JOB_STATES.get(state, state))


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments changed (for pagination and switchers)."""
    args: dict[str, Any] = dict(request.view_args or {})
    args.update(request.args.to_dict())
    args.update({k: v for k, v in changes.items() if v is not None})
    return url_for(request.endpoint or "home.index", **args)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        client_code=lambda c: format_code(c) if c else "",
        fmt_date=fmt_date,
        fmt_number=fmt_number,
        # Digits only, no grouping: years, codes of numbers (1990, not 1,990).
        digits=lambda value: localise_digits(str(value), numbering_system()),
        # An LTR island (a date, a number) inside a translated sentence: keeps its order in RTL.
        bdi=lambda value: Markup("<bdi>{}</bdi>").format(value),
        # Left to right whatever the page: ISO dates, version numbers (also in WeasyPrint).
        ltr=lambda value: Markup('<span dir="ltr">{}</span>').format(value),
    )
    app.jinja_env.globals.update(
        outreach_types=outreach_vocab.EVENT_TYPE, age_bands=outreach_vocab.AGE_BANDS,
        attendance_sex=outreach_vocab.ATTENDANCE_SEX,
        topic_codes=lambda mask: vocab.from_mask(mask, vocab.TOPICS),
        job_state_label=job_state_label, label=label, vocab=vocab, roles=ROLE_LABELS, url_with=url_with)

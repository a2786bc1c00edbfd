"""What the capture page shows: the web's own form fields (their labels and choices, in the
user's language, from the same form classes the API checks bodies with) and the page's
words for its script. The page is kept by the service worker, so it holds no record and no
CSRF token: only the words and the forms of the user's MRC."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from hashlib import sha256
from pathlib import Path

from flask_babel import gettext as _
from wtforms import BooleanField, Field, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields import SelectMultipleField

from mrc.cases.correction_forms import SessionEditForm
from mrc.cases.forms import AttemptForm, RegisterForm, SessionForm
from mrc.cases.services import mrc_country_code
from mrc.forms import LocalDateField, date_hint
from mrc.i18n import language_choices
from mrc.leaflets.services import active_leaflets
from mrc.org.models import MRC
from mrc.org.services import provinces
from mrc.outreach.forms import EventForm
from mrc.outreach.vocab import ATTENDANCE_COLUMNS

STATIC = Path(__file__).resolve().parent.parent / "static" / "capture"
ASSETS = ("capture.js", "store.js", "capture.css", "icon.svg")
CLIENT_FIELDS = ("registered_on", "sex", "birth_year", "province", "nationality",
                 "migrant_status", "education", "employment", "phone", "followup_consent",
                 "consent_date")
SESSION_FIELDS = ("date", "channel", "language", "intention", "destination", "topics",
                  "duration_minutes", "notes")
ATTEMPT_FIELDS = ("date", "method", "reached", "location_status", "intention",
                  "used_mrc_info", "give_up")
EVENT_FIELDS = ("date", "type", "province", "estimated_reach", "topics", "partners")
CORRECTION_FIELDS = ("reason", "date", "channel", "language", "intention",
                     "duration_minutes")
REQUIRED = {"registered_on", "sex", "migrant_status", "education", "employment", "date",
            "channel", "language", "intention", "method", "reached", "reason", "type"}


@dataclass(frozen=True)
class Control:
    name: str
    label: str
    kind: str  # select, checks, check, number, date, text, textarea
    required: bool
    choices: list[tuple[str, str]] = field(default_factory=list)
    hint: str = ""
    default: str = ""


def _kind(form_field: Field) -> str:
    kinds: tuple[tuple[type, str], ...] = (
        (LocalDateField, "date"), (SelectMultipleField, "checks"), (RadioField, "select"),
        (SelectField, "select"), (BooleanField, "check"), (IntegerField, "number"),
        (TextAreaField, "textarea"))
    return next((kind for cls, kind in kinds if isinstance(form_field, cls)), "text")


def _control(form_field: Field) -> Control:
    kind = _kind(form_field)
    choices = [(str(v), str(label)) for v, label, *_ in (form_field.choices or [])] \
        if kind in ("select", "checks") else []
    required = form_field.name in REQUIRED
    if kind == "select" and required and (not choices or choices[0][0] != ""):
        choices = [("", _("Choose…")), *choices]
    default = "" if kind in ("date", "checks") else str(form_field.default or "")
    return Control(form_field.name, str(form_field.label.text), kind, required, choices,
                   date_hint() if kind == "date" else "", default if kind == "select" else "")


def forms(mrc: MRC) -> dict[str, list[Control]]:
    """The forms' controls, for ``mrc`` (its provinces). An outreach event's come in three
    parts: its fields, the attendance grid, and the leaflet lines (``leaflets-<n>-<field>``,
    as the web's form names them; the page sends them as the API's ``leaflets`` list)."""
    meta = {"csrf": False}
    client = RegisterForm(formdata=None, meta=meta, country=mrc_country_code(mrc))
    session = SessionForm(formdata=None, meta=meta, leaflets=[])
    attempt = AttemptForm(formdata=None, meta=meta)
    edit = SessionEditForm(formdata=None, meta=meta, leaflets=[])
    event = EventForm(formdata=None, meta=meta, provinces=provinces(mrc_country_code(mrc)),
                      leaflets=[(x.code, x.code) for x in active_leaflets()],
                      languages=language_choices())
    return {"event": [_control(event[n]) for n in EVENT_FIELDS],
            "attendance": [_control(event[n]) for n in ATTENDANCE_COLUMNS],
            "hand_outs": [_control(part) for row in event.leaflets for part in row],
            "client": [_control(client[n]) for n in CLIENT_FIELDS],
            "session": [_control(session[n]) for n in SESSION_FIELDS],
            "attempt": [_control(attempt[n]) for n in ATTEMPT_FIELDS],
            "correction": [_control(edit[n]) for n in CORRECTION_FIELDS]}


@cache
def asset_version() -> str:
    """A digest of the page's static files: a new one makes a new service worker, which
    caches the page afresh."""
    digest = sha256()
    for name in (*ASSETS, "sw.js"):
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:12]

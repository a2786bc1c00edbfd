"""The audit log's filter form (GET: filters are part of the address, no CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from mrc.audit.services import ACTIONS
from mrc.forms import LocalDateField

# Every action in ACTIONS has a label (a test checks it).
ACTION_LABELS = {
    "create": _l("created"),
    "update": _l("changed"),
    "view": _l("viewed"),
    "export": _l("exported"),
    "import": _l("imported"),
    "erase": _l("erased"),
    "login": _l("logged in"),
    "logout": _l("logged out"),
    "login_failed": _l("failed log-in"),
    "rotate_keys": _l("rotated keys"),
    # Translators: a client withdrew their consent to share a referral.
    "withdraw": _l("withdrew consent"),
    # Translators: an API token was revoked (it stops working).
    "revoke": _l("revoked"),
    # Translators: a correction sent from a device met a change made meanwhile; it was
    # returned to the counsellor to resolve, field by field.
    "conflict": _l("correction in conflict"),
}


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    user = StringField(_l("Username"), validators=[Optional(), Length(max=64)],
                       render_kw={"dir": "ltr", "spellcheck": "false"})
    action = SelectField(_l("Action"), choices=[], validators=[Optional()])
    entity = SelectField(_l("Record type"), choices=[], validators=[Optional()])
    mrc = SelectField(_l("MRC"), choices=[], validators=[Optional()])
    date_from = LocalDateField(_l("From"), validators=[Optional()])
    date_to = LocalDateField(_l("To"), validators=[Optional()])

    def __init__(self, *args: Any, entities: list[str], mrcs: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = ("", str(_l("All")))
        self.action.choices = [everything, *((a, str(ACTION_LABELS[a])) for a in ACTIONS)]
        self.entity.choices = [everything, *((e, e) for e in entities)]
        self.mrc.choices = [everything, *mrcs]

    def validate_date_to(self, field: Field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(str(_l("The end date is before the start date.")))

"""The subscription form: what the API's body is checked with (:mod:`mrc.api.formdata`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from mrc.webhooks.events import EVENT_TYPES
from mrc.webhooks.transport import MAX_URL_LENGTH


class WebhookForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(), Length(max=64)])
    # Translators: the address (URL) to which the events are sent.
    url = StringField(_l("Receiver address"), [DataRequired(), Length(max=MAX_URL_LENGTH)])
    events = SelectMultipleField(_l("Events"), [DataRequired()],
                                 choices=[(t, t) for t in EVENT_TYPES])

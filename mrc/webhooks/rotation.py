"""Key rotation of the webhooks' signing secrets."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from mrc.extensions import db
from mrc.keys import keyring, rotation_step
from mrc.webhooks.models import WebhookSubscription


@rotation_step("webhooks")
def rotate_secrets(batch_size: int) -> list[str]:
    """Re-encrypt every kept secret under the primary key (safe to run twice)."""
    cipher = keyring().cipher
    count = last_id = 0
    while True:
        batch = list(db.session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.secret_enc != "",
                                              WebhookSubscription.id > last_id)
            .order_by(WebhookSubscription.id).limit(batch_size)))
        if not batch:
            break
        for record in batch:
            record.secret_enc = cipher.rotate(record.secret_enc)
            count += 1
        last_id = batch[-1].id
        db.session.flush()
    return [_("Re-encrypted %(n)s webhook secrets.", n=count)]

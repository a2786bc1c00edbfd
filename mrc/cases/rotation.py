"""Key rotation of the case records: phone numbers (and their blind index) and notes."""

from __future__ import annotations

from flask_babel import gettext as _

from mrc.cases.services import rotate_keys
from mrc.keys import rotation_step


@rotation_step("cases")
def rotate_case_records(batch_size: int) -> list[str]:
    counts = rotate_keys(batch_size=batch_size)
    return [_("Re-encrypted %(phones)s phone numbers and %(notes)s session notes.",
              phones=counts["phones"], notes=counts["notes"])]

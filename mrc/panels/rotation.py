"""Key rotation of the panel studies' own secret keys."""

from __future__ import annotations

from flask_babel import ngettext

from mrc.keys import rotation_step
from mrc.panels.services import rotate_study_keys


@rotation_step("panels")
def rotate_panel_study_keys(_batch_size: int) -> list[str]:
    studies = rotate_study_keys()
    return [ngettext("Re-encrypted the key of %(num)s panel study.",
                     "Re-encrypted the keys of %(num)s panel studies.", studies)]

"""What the dashboard tables can be broken down by, and the columns of each breakdown."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from mrc.aggregates.reader import Reader
from mrc.cases import vocab
from mrc.outreach import vocab as outreach_vocab
from mrc.places import country_name

TOP_DESTINATIONS = 10

BREAKDOWNS: dict[str, Any] = {
    "mrc": _l("MRC"),
    "country": _l("Country"),
    "sex": _l("Sex"),
    "age_band": _l("Age band"),
    "migrant_status": _l("Migrant status"),
    "channel": _l("Channel"),
    "topic": _l("Topic"),
    "destination": _l("Intended destination"),
}
AGE_BANDS: dict[str, Any] = {**outreach_vocab.AGE_BANDS, "unknown": _l("Not stated")}

# Which summary dimensions each family of indicators has: a breakdown outside its family's
# dimensions is shown by MRC, with a note.
CLIENT_DIMS = ("sex", "age_band", "migrant_status")
SESSION_DIMS = (*CLIENT_DIMS, "channel", "topic", "destination")
OUTREACH_DIMS = ("sex", "age_band")


def _fixed_vocabularies() -> dict[str, list[tuple[str, Any]]]:
    return {"sex": list(vocab.SEX.items()), "age_band": list(AGE_BANDS.items()),
            "migrant_status": list(vocab.MIGRANT_STATUS.items()),
            "channel": list(vocab.CHANNEL.items()), "topic": list(vocab.TOPICS)}


def categories(breakdown: str, reader: Reader) -> tuple[list[tuple[str, str]], list[str]]:
    """The columns ``(code, label)`` of a session breakdown and the codes folded into an
    "other" column (destinations beyond the most frequent ones, and not stated)."""
    fixed = _fixed_vocabularies().get(breakdown)
    if fixed is not None:
        return [(c, str(v)) for c, v in fixed], []
    if breakdown == "destination":
        totals = reader.destination_totals()
        ranked = sorted((c for c in totals if c), key=lambda c: (-totals[c], c))
        top, rest = ranked[:TOP_DESTINATIONS], ranked[TOP_DESTINATIONS:]
        cols = [(c, country_label(c)) for c in top]
        other = [*rest, ""]
        cols.append(("__other__", _("Other or not stated")))
        return cols, other
    return [], []


def country_label(code: str) -> str:
    """A country's name in the interface language (CLDR), or "Not stated"."""
    if not code:
        return _("Not stated")
    return country_name(code)


def outreach_categories(breakdown: str) -> list[tuple[str, str]]:
    """The attendance columns of an outreach breakdown (a key of :data:`OUTREACH_DIMS`)."""
    if breakdown == "sex":
        return [(c, str(v)) for c, v in outreach_vocab.ATTENDANCE_SEX.items()]
    return [(c, str(v)) for c, v in outreach_vocab.AGE_BANDS.items()]

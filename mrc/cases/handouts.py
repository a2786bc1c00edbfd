"""Leaflets given in a client's sessions, for the client timeline: read from the stock
ledger (hand-out entries point to their session), titled in the interface language."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from mrc.auth.models import User
from mrc.extensions import db
from mrc.i18n import NATIVE_NAMES
from mrc.leaflets.models import StockEntry
from mrc.leaflets.services import leaflet_choices
from mrc.scope import scoped


def leaflets_given(session_ids: Iterable[int], user: User,
                   locale: str) -> dict[int, list[tuple[str, str, int]]]:
    """session id → [(title, language name, copies)] of what the sessions handed out,
    net of any corrections; sessions without leaflets are absent."""
    ids = list(session_ids)
    if not ids:
        return {}
    entries = db.session.scalars(
        scoped(StockEntry, user).where(StockEntry.session_id.in_(ids),
                                       StockEntry.kind == "session")
        .order_by(StockEntry.id))
    copies: dict[int, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for entry in entries:
        if entry.session_id is not None:
            copies[entry.session_id][(entry.leaflet_code, entry.language)] -= entry.quantity
    titles = dict(leaflet_choices(locale))
    return {session_id: [(titles.get(code, code), NATIVE_NAMES.get(language, language), n)
                         for (code, language), n in given.items() if n > 0]
            for session_id, given in copies.items()
            if any(n > 0 for n in given.values())}

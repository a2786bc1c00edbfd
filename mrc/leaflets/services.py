"""Leaflet catalogue and stock ledger behaviour.

Stock of (MRC, leaflet, language) = sum of its ledger entries. Handing out more than is in
stock is refused: the counsellor records the delivery (or an adjustment with a reason)
first, so the ledger never shows negative stock without an explanation.

Handing leaflets out sends :data:`mrc.signals.leaflets_changed`, so the outputs that
summarise hand-outs follow in the same transaction without this package knowing them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from mrc import signals
from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.extensions import db
from mrc.leaflets.models import Leaflet, StockEntry
from mrc.settings import settings

ENTRY_KINDS = ("received", "session", "outreach", "adjustment")
MAX_QUANTITY = 100_000


class StockError(ValueError):
    """A stock movement breaks a rule; the message is translated and safe to show."""


@dataclass(frozen=True)
class HandOut:
    leaflet_code: str
    language: str
    quantity: int


def _now() -> datetime:
    return datetime.now(UTC)


def active_leaflets() -> list[Leaflet]:
    return list(db.session.scalars(select(Leaflet).where(Leaflet.active).order_by(Leaflet.code)))


@lru_cache(maxsize=1)
def _library_titles() -> dict[str, dict[str, str]]:
    from mrc.leaflets.library import load_library

    return {item.code: dict(item.titles) for item in load_library()}


def leaflet_choices(locale: str) -> list[tuple[str, str]]:
    """(code, title in the UI language or English) of the active catalogue leaflets."""
    titles = _library_titles()
    choices = []
    for leaflet in active_leaflets():
        names = titles.get(leaflet.code, {})
        choices.append((leaflet.code, names.get(locale) or names.get("en") or leaflet.code))
    return choices


def sync_catalogue(entries: Iterable[object]) -> int:
    """Create or update catalogue rows from the leaflet library on disk (objects with
    code, topic, destinations, version, reviewed, texts). Returns rows touched."""
    touched = 0
    for item in entries:
        code = str(item.code)  # type: ignore[attr-defined]
        row = db.session.get(Leaflet, code) or Leaflet(code=code)
        row.topic = str(item.topic)  # type: ignore[attr-defined]
        row.destinations = ",".join(getattr(item, "destinations", ()) or ())
        row.languages = ",".join(sorted(getattr(item, "texts", {}) or {}))
        row.version = str(item.version)  # type: ignore[attr-defined]
        row.reviewed = getattr(item, "reviewed", None)
        row.active = True
        db.session.add(row)
        touched += 1
    db.session.flush()
    return touched


def current_stock(mrc_id: int, leaflet_code: str, language: str) -> int:
    total = db.session.scalar(
        select(func.coalesce(func.sum(StockEntry.quantity), 0)).where(
            StockEntry.mrc_id == mrc_id, StockEntry.leaflet_code == leaflet_code,
            StockEntry.language == language))
    return int(total or 0)


@dataclass
class StockRow:
    leaflet_code: str
    language: str
    stock: int
    received: int
    handed_out: int

    @property
    def low(self) -> bool:
        return self.stock < settings().low_stock


def stock_table(mrc_id: int) -> list[StockRow]:
    """Current stock per leaflet × language of one MRC (only pairs with ledger entries)."""
    rows = db.session.execute(
        select(StockEntry.leaflet_code, StockEntry.language,
               func.sum(StockEntry.quantity),
               func.sum(case((StockEntry.kind == "received", StockEntry.quantity), else_=0)),
               func.sum(case((StockEntry.kind.in_(("session", "outreach")), -StockEntry.quantity),
                             else_=0)))
        .where(StockEntry.mrc_id == mrc_id)
        .group_by(StockEntry.leaflet_code, StockEntry.language)
        .order_by(StockEntry.leaflet_code, StockEntry.language))
    return [StockRow(code, lang, int(total or 0), int(rec or 0), int(out or 0))
            for code, lang, total, rec, out in rows]


def low_stock(mrc_id: int) -> list[StockRow]:
    return [row for row in stock_table(mrc_id) if row.low]


def _check_leaflet(code: str, language: str) -> None:
    leaflet = db.session.get(Leaflet, code)
    if leaflet is None or not leaflet.active:
        raise StockError(_("Unknown leaflet %(code)s.", code=code))
    if leaflet.languages and language not in leaflet.languages.split(","):
        raise StockError(_("Leaflet %(code)s has no %(language)s version.", code=code,
                           language=language))


def _entry(mrc_id: int, code: str, language: str, kind: str, quantity: int, *,
           on_date: date, reason: str = "", session_id: int | None = None,
           event_id: int | None = None, user: User | None = None) -> StockEntry:
    entry = StockEntry(mrc_id=mrc_id, leaflet_code=code, language=language, kind=kind,
                       quantity=quantity, reason=reason[:200], session_id=session_id,
                       event_id=event_id, at=_now(), on_date=on_date,
                       user_id=user.id if user is not None and user.is_authenticated else None)
    db.session.add(entry)
    return entry


def receive(mrc_id: int, code: str, language: str, quantity: int, on_date: date,
            user: User | None, reason: str = "") -> StockEntry:
    """A print run or delivery arrived."""
    _check_leaflet(code, language)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise StockError(_("Enter a quantity between 1 and %(max)s.", max=MAX_QUANTITY))
    entry = _entry(mrc_id, code, language, "received", quantity, on_date=on_date,
                   reason=reason, user=user)
    db.session.flush()
    audit.record("create", "stock_entry", entry.id, mrc_id=mrc_id, user=user, detail="received")
    return entry


def adjust(mrc_id: int, code: str, language: str, quantity: int, reason: str,
           on_date: date, user: User | None) -> StockEntry:
    """A correction (count, damage, loss…): signed quantity, reason required; the result
    may not be negative."""
    _check_leaflet(code, language)
    if not reason.strip():
        raise StockError(_("Give a reason for the adjustment."))
    if quantity == 0 or abs(quantity) > MAX_QUANTITY:
        raise StockError(_("Enter a non-zero quantity up to %(max)s.", max=MAX_QUANTITY))
    if current_stock(mrc_id, code, language) + quantity < 0:
        raise StockError(_("The adjustment would make the stock negative."))
    entry = _entry(mrc_id, code, language, "adjustment", quantity, on_date=on_date,
                   reason=reason.strip(), user=user)
    db.session.flush()
    audit.record("create", "stock_entry", entry.id, mrc_id=mrc_id, user=user, detail="adjustment")
    return entry


def check_hand_out(mrc_id: int, items: Iterable[HandOut]) -> dict[tuple[str, str], int]:
    """Quantities per (leaflet, language), or StockError if any exceeds the stock.
    Writes nothing, so callers can check before they change anything."""
    merged: dict[tuple[str, str], int] = {}
    for item in items:
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise StockError(_("Enter a quantity between 1 and %(max)s.", max=MAX_QUANTITY))
        _check_leaflet(item.leaflet_code, item.language)
        key = (item.leaflet_code, item.language)
        merged[key] = merged.get(key, 0) + item.quantity
    for (code, language), quantity in merged.items():
        available = current_stock(mrc_id, code, language)
        if quantity > available:
            raise StockError(_("Only %(n)s of %(code)s (%(language)s) in stock: record the "
                               "delivery or an adjustment first.", n=available, code=code,
                               language=language))
    return merged


def hand_out(mrc_id: int, items: Iterable[HandOut], *, kind: str, on_date: date,
             session_id: int | None = None, event_id: int | None = None,
             user: User | None = None) -> list[StockEntry]:
    """Leaflets given in a session or at an event; refused (StockError) if any item
    exceeds the stock, in which case nothing is recorded."""
    if kind not in ("session", "outreach"):
        raise ValueError(kind)
    merged = check_hand_out(mrc_id, items)
    signals.leaflets_changed.send(mrc_id, on_date=on_date)
    entries = [_entry(mrc_id, code, language, kind, -quantity, on_date=on_date,
                      session_id=session_id, event_id=event_id, user=user)
               for (code, language), quantity in merged.items()]
    db.session.flush()
    return entries


def given_in_session(session_id: int) -> list[HandOut]:
    rows = db.session.execute(
        select(StockEntry.leaflet_code, StockEntry.language, -func.sum(StockEntry.quantity))
        .where(StockEntry.session_id == session_id)
        .group_by(StockEntry.leaflet_code, StockEntry.language))
    return [HandOut(code, lang, int(qty)) for code, lang, qty in rows]


def given_at_events(event_ids: Iterable[int]) -> dict[int, list[HandOut]]:
    """The leaflets handed out at each of ``event_ids`` (one query for a page of events)."""
    ids = list(event_ids)
    given: dict[int, list[HandOut]] = {}
    if not ids:
        return given
    rows = db.session.execute(
        select(StockEntry.event_id, StockEntry.leaflet_code, StockEntry.language,
               -func.sum(StockEntry.quantity))
        .where(StockEntry.event_id.in_(ids))
        .group_by(StockEntry.event_id, StockEntry.leaflet_code, StockEntry.language)
        .order_by(StockEntry.event_id, StockEntry.leaflet_code, StockEntry.language))
    for event_id, code, lang, qty in rows:
        if event_id is not None:
            given.setdefault(event_id, []).append(HandOut(code, lang, int(qty)))
    return given

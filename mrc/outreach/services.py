"""Recording outreach events: validation, attendance grid, leaflets distributed.

Services add and flush; the caller commits. Creating or changing an event sends
:data:`mrc.signals.event_changed`, so the outputs that summarise events follow in the same
transaction without this package knowing them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pycountry
from flask_babel import gettext as _

from mrc import signals
from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.cases import vocab as case_vocab
from mrc.extensions import db
from mrc.leaflets import services as stock
from mrc.org.models import MRC
from mrc.outreach import vocab
from mrc.outreach.models import OutreachEvent
from mrc.validation import ValidationError

MAX_ATTENDANCE_CELL = 100_000
MAX_REACH = 500_000_000
MAX_PARTNERS_LENGTH = 300


def _attendance_errors(data: dict[str, Any], errors: dict[str, str]) -> int:
    """Every cell of the attendance grid in range, and the total (if typed) their sum.
    Returns the sum of the grid."""
    cells = []
    for column in vocab.ATTENDANCE_COLUMNS:
        value = data.get(column) or 0
        if not 0 <= value <= MAX_ATTENDANCE_CELL:
            errors[column] = _("Enter a number between 0 and %(max)s.", max=MAX_ATTENDANCE_CELL)
        cells.append(value)
    total = data.get("attendance_total")
    if total is not None and total != sum(cells):
        errors["attendance_total"] = _(
            "The total (%(total)s) does not match the sum of the attendance grid (%(sum)s).",
            total=total, sum=sum(cells))
    return sum(cells)


def _reach_errors(data: dict[str, Any], attendance: int, errors: dict[str, str]) -> None:
    """A media event has an estimated reach; any other event, an attendance."""
    event_type = data.get("type")
    reach = data.get("estimated_reach")
    if event_type in vocab.MEDIA_TYPES and reach is None:
        errors["estimated_reach"] = _("Enter the estimated reach of a media event.")
    if reach is not None and not 0 <= reach <= MAX_REACH:
        errors["estimated_reach"] = _("Enter a number between 0 and %(max)s.", max=MAX_REACH)
    if event_type is not None and event_type not in vocab.MEDIA_TYPES and not attendance:
        errors["attendance_total"] = _("Enter the attendance of the event.")


def validate_event(data: dict[str, Any], today: date | None = None) -> dict[str, str]:
    """Domain rules; returns field → translated message for every broken rule."""
    today = today or date.today()
    errors: dict[str, str] = {}
    when = data.get("date")
    if when is None or when > today:
        errors["date"] = _("The event date cannot be in the future.")
    if data.get("type") not in vocab.EVENT_TYPE:
        errors["type"] = _("Choose one of the listed values.")
    province = data.get("province")
    if province and pycountry.subdivisions.get(code=province) is None:
        errors["province"] = _("Unknown province code.")
    attendance = _attendance_errors(data, errors)
    _reach_errors(data, attendance, errors)
    if any(t not in case_vocab.codes(case_vocab.TOPICS) for t in data.get("topics") or []):
        errors["topics"] = _("Unknown topic.")
    if len(data.get("partners") or "") > MAX_PARTNERS_LENGTH:
        errors["partners"] = _("Partners are limited to %(max)s characters.", max=MAX_PARTNERS_LENGTH)
    return errors


def record_event(mrc: MRC, data: dict[str, Any], user: User | None,
                 leaflets: list[stock.HandOut] | None = None) -> OutreachEvent:
    """Create an event and its leaflet hand-outs in one go; ValidationError on bad input
    (including leaflets beyond stock), in which case nothing is written."""
    errors = validate_event(data)
    if errors:
        raise ValidationError(errors)
    cells = {column: data.get(column) or 0 for column in vocab.ATTENDANCE_COLUMNS}
    try:
        # One savepoint: an event whose leaflets exceed the stock is not kept either.
        with db.session.begin_nested():
            event = OutreachEvent(
                mrc_id=mrc.id, date=data["date"], type=data["type"],
                province=data.get("province") or None, **cells,
                attendance_total=sum(cells.values()),
                estimated_reach=data.get("estimated_reach"),
                topics=case_vocab.to_mask(data.get("topics") or [], case_vocab.TOPICS),
                partners=(data.get("partners") or "").strip(),
                external_id=data.get("external_id"),
                created_at=datetime.now(UTC),
                created_by_id=user.id if user is not None and user.is_authenticated else None,
            )
            db.session.add(event)
            db.session.flush()
            signals.event_changed.send(event)
            if leaflets:
                stock.hand_out(mrc.id, leaflets, kind="outreach", on_date=event.date,
                               event_id=event.id, user=user)
    except stock.StockError as exc:
        raise ValidationError({"leaflets": str(exc)}) from exc
    if user is not None:
        audit.record("create", "outreach_event", event.id, mrc_id=mrc.id, user=user)
    return event


def update_event(event: OutreachEvent, data: dict[str, Any], user: User | None) -> list[str]:
    """Change an event's fields (not its leaflets: those are ledger entries). Returns the
    names of changed fields."""
    signals.event_changed.send(event)  # before the change: its month now and, at commit, then
    fields = ("date", "type", "province", "estimated_reach", "partners", *vocab.ATTENDANCE_COLUMNS)
    merged: dict[str, Any] = {f: getattr(event, f) for f in fields}
    merged["topics"] = case_vocab.from_mask(event.topics, case_vocab.TOPICS)
    merged.update({k: v for k, v in data.items() if k in (*fields, "topics", "attendance_total")})
    errors = validate_event(merged)
    if errors:
        raise ValidationError(errors)
    changed = [f for f in fields if merged[f] != getattr(event, f)]
    for f in changed:
        setattr(event, f, merged[f])
    mask = case_vocab.to_mask(merged["topics"] or [], case_vocab.TOPICS)
    if mask != event.topics:
        event.topics = mask
        changed.append("topics")
    event.attendance_total = sum(getattr(event, c) for c in vocab.ATTENDANCE_COLUMNS)
    db.session.flush()
    if changed and user is not None:
        audit.record("update", "outreach_event", event.id, mrc_id=event.mrc_id, user=user,
                     detail="fields=" + ",".join(changed))
    return changed

"""Importer of outreach events (with the leaflets handed out at each), loaded through
``mrc.outreach.services.record_event`` and validated by its own ``validate_event``."""

from __future__ import annotations

from typing import Any

from mrc.imports import kinds
from mrc.imports.importer import Importer
from mrc.imports.rows import Context, ImportRow
from mrc.leaflets.services import HandOut
from mrc.outreach import services as outreach
from mrc.outreach import vocab as outreach_vocab
from mrc.outreach.models import OutreachEvent


class OutreachImporter(Importer):
    """Outreach events of the row's MRC, with their leaflet hand-outs."""

    spec = kinds.OUTREACH
    model = OutreachEvent

    @staticmethod
    def event_data(row: ImportRow) -> dict[str, Any]:
        """The row's values as the outreach service expects an event."""
        v = row.values
        data = {name: v.get(name) for name in (
            "date", "type", "province", "attendance_total", "estimated_reach", "partners",
            *outreach_vocab.ATTENDANCE_COLUMNS)}
        data["topics"] = v.get("topics") or []
        return data

    def check_fields(self, row: ImportRow, ctx: Context) -> None:
        if {"date", "type"} & row.failed:
            return
        for name, message in outreach.validate_event(self.event_data(row), ctx.today).items():
            if name not in row.failed:
                ctx.error(row, self.column_of(name) or "attendance_total", message)

    def load(self, row: ImportRow, ctx: Context) -> None:
        assert row.mrc is not None  # noqa: S101 (rows without an MRC never reach loading)
        data = self.event_data(row)
        data["external_id"] = row.record_id
        items = [HandOut(code, language, quantity)
                 for code, language, quantity in row.values.get("leaflets") or []]
        event = outreach.record_event(row.mrc, data, user=None, leaflets=items)
        if ctx.user is not None:
            event.created_by_id = ctx.user.id

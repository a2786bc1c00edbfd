"""Importers of case records: clients, counselling sessions and follow-up waves, loaded
through the cases services the forms use (``register_client``, ``log_session``,
``record_attempt``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, ClassVar

from flask_babel import gettext as _
from sqlalchemy import select

from mrc.cases import services as cases
from mrc.cases import vocab
from mrc.cases.lapse import OPEN_STATUSES
from mrc.cases.models import Client, CounsellingSession, FollowUp
from mrc.extensions import db
from mrc.imports import kinds
from mrc.imports.importer import Importer, not_future
from mrc.imports.rows import Context, ImportRow, in_chunks
from mrc.privacy.phones import InvalidPhone, normalise_phone

ClientKey = tuple[int, str]  # (MRC id, the file's client_id or client_code)
WaveKey = tuple[int, int]  # (client id, wave number)


class ClientsImporter(Importer):
    """Clients, registered through ``register_client`` (phones checked for the MRC's
    country)."""

    spec = kinds.CLIENTS
    model = Client

    def check_fields(self, row: ImportRow, ctx: Context) -> None:
        v = row.values
        not_future(row, ctx, "registered_on",
                   _("The registration date cannot be in the future."))
        year = v.get("birth_year")
        if year is not None and not cases.OLDEST_BIRTH_YEAR <= year <= ctx.today.year:
            ctx.error(row, "birth_year", _("Enter a birth year between %(low)s and %(high)s.",
                                           low=cases.OLDEST_BIRTH_YEAR, high=ctx.today.year))
        if v.get("followup_consent") and v.get("consent_date") is None \
                and "consent_date" not in row.failed:
            ctx.error(row, "consent_date",
                      _("Enter the date consent to follow-up was given."))
        not_future(row, ctx, "consent_date", _("The consent date cannot be in the future."))

    def check_new(self, rows: list[ImportRow], ctx: Context) -> None:
        countries: dict[int, str] = {}
        for row in rows:
            phone = row.values.get("phone")
            if not phone or row.mrc is None:
                continue
            if row.mrc.id not in countries:
                countries[row.mrc.id] = cases.mrc_country_code(row.mrc)
            try:
                normalise_phone(phone, countries[row.mrc.id])
            except InvalidPhone:
                ctx.error(row, "phone", _("This is not a valid phone number."))

    def load(self, row: ImportRow, ctx: Context) -> None:
        v = row.values
        assert row.mrc is not None  # noqa: S101 (rows without an MRC never reach loading)
        data = {name: v.get(name) for name in (
            "registered_on", "sex", "birth_year", "province", "nationality",
            "migrant_status", "education", "employment", "phone", "consent_date")}
        data["followup_consent"] = bool(v.get("followup_consent"))
        data["external_id"] = row.record_id
        client = cases.register_client(row.mrc, data, user=None)
        if ctx.user is not None:
            client.created_by_id = ctx.user.id


# --- finding the client a session or follow-up row is about ----------------------------

def resolve_clients(rows: list[ImportRow], ctx: Context) -> None:
    """Find each row's client in its MRC by the file's ``client_id`` or by ``client_code``;
    erased clients have neither, so they are never found."""
    by_id = _stored_clients("external_id", _wanted(rows, "client_id"))
    by_code = _stored_clients("code", _wanted(rows, "client_code"))
    for row in rows:
        row.client = _match_client(row, by_id, by_code, ctx)


def _wanted(rows: list[ImportRow], column: str) -> dict[int, set[str]]:
    """The values of ``column`` the rows name, by MRC id."""
    wanted: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        assert row.mrc is not None  # noqa: S101
        if row.values.get(column):
            wanted[row.mrc.id].add(row.values[column])
    return wanted


def _stored_clients(attribute: str, wanted: dict[int, set[str]]) -> dict[ClientKey, Client]:
    """Clients not erased whose ``attribute`` (external_id or code) is wanted in their MRC."""
    column = getattr(Client, attribute)
    found: dict[ClientKey, Client] = {}
    for mrc_id, values in wanted.items():
        for chunk in in_chunks(sorted(values)):
            for client in db.session.scalars(select(Client).where(
                    Client.mrc_id == mrc_id, Client.erased_at.is_(None), column.in_(chunk))):
                found[(mrc_id, str(getattr(client, attribute)))] = client
    return found


def _match_client(row: ImportRow, by_id: dict[ClientKey, Client],
                  by_code: dict[ClientKey, Client], ctx: Context) -> Client | None:
    """The row's client; errors when an id or code names nobody, or two different people."""
    assert row.mrc is not None  # noqa: S101
    external, code = row.values.get("client_id"), row.values.get("client_code")
    found_by_id = by_id.get((row.mrc.id, external)) if external else None
    found_by_code = by_code.get((row.mrc.id, code)) if code else None
    if external and found_by_id is None:
        ctx.error(row, "client_id", _("No client with this client_id at MRC %(mrc)s; "
                                      "import the clients file first.", mrc=row.mrc.code))
    if code and found_by_code is None:
        ctx.error(row, "client_code", _("No client with this code at MRC %(mrc)s.",
                                        mrc=row.mrc.code))
    if found_by_id and found_by_code and found_by_id.id != found_by_code.id:
        ctx.error(row, "client_code", _("client_id and client_code name different clients."))
    return found_by_id or found_by_code


class SessionsImporter(Importer):
    """Counselling sessions of clients already imported or registered."""

    spec = kinds.SESSIONS
    model = CounsellingSession

    def check_fields(self, row: ImportRow, ctx: Context) -> None:
        not_future(row, ctx, "date", _("The session date cannot be in the future."))
        duration = row.values.get("duration_minutes")
        if duration is not None and not 1 <= duration <= cases.MAX_DURATION_MINUTES:
            ctx.error(row, "duration_minutes",
                      _("Enter a duration between 1 and %(max)s minutes.",
                        max=cases.MAX_DURATION_MINUTES))

    def check_new(self, rows: list[ImportRow], ctx: Context) -> None:
        resolve_clients(rows, ctx)
        for row in rows:
            when = row.values.get("date")
            if row.client is not None and when is not None and when < row.client.registered_on:
                ctx.error(row, "date", _("The session date cannot be before the client "
                                         "was registered (%(date)s).",
                                         date=row.client.registered_on.isoformat()))

    def load_order(self, rows: list[ImportRow]) -> list[ImportRow]:
        # Oldest first, so each client's baseline is logged before later sessions.
        return sorted(rows, key=lambda row: row.values["date"])

    def load(self, row: ImportRow, ctx: Context) -> None:
        assert row.client is not None  # noqa: S101
        v = row.values
        data = {name: v.get(name) for name in (
            "date", "channel", "language", "destination", "intention", "awareness_answers",
            "duration_minutes", "notes", *vocab.CONTEXT_FIELDS)}
        data["topics"] = v.get("topics") or []
        data["referrals"] = v.get("referrals") or []
        data["external_id"] = row.record_id
        cases.log_session(row.client, data, user=None)


class FollowUpsImporter(Importer):
    """One row per follow-up wave: the attempt that closed it. A reached client closes the
    wave with its outcome; ``reached = no`` closes it as not reached."""

    spec = kinds.FOLLOWUPS
    model = FollowUp
    field_columns: ClassVar[dict[str, str]] = {"date": "attempt_date", "status": "wave"}

    def check_fields(self, row: ImportRow, ctx: Context) -> None:
        v = row.values
        not_future(row, ctx, "attempt_date", _("The attempt date cannot be in the future."))
        waves = len(cases.wave_offsets())
        wave = v.get("wave")
        if wave is not None and not 1 <= wave <= waves:
            ctx.error(row, "wave", _("Waves are numbered from 1 to %(n)s.", n=waves))
        if v.get("reached"):
            failed = row.failed
            for column in ("location_status", "intention"):
                if v.get(column) is None and column not in failed:
                    ctx.error(row, column, _("Required when the client was reached."))

    def check_new(self, rows: list[ImportRow], ctx: Context) -> None:
        resolve_clients(rows, ctx)
        found = [row for row in rows if row.client is not None]
        baselines, waves = _baselines_and_waves(found)
        seen: dict[WaveKey, int] = {}
        for row in found:
            client = row.client
            assert client is not None  # noqa: S101
            if _ready_for_followup(row, client, baselines.get(client.id), ctx):
                self._match_wave(row, client, waves, seen, ctx)

    @staticmethod
    def _match_wave(row: ImportRow, client: Client, waves: dict[WaveKey, FollowUp],
                    seen: dict[WaveKey, int], ctx: Context) -> None:
        """The pending wave the row closes; errors for a wave closed twice in the file, an
        unknown wave or one already closed."""
        wave = row.values.get("wave")
        if wave is None or "wave" in row.failed:
            return
        key = (client.id, wave)
        if key in seen:
            ctx.error(row, "wave", _("Row %(row)s already closes this wave of this client.",
                                     row=seen[key]))
            return
        seen[key] = row.number
        followup = waves.get(key)
        if followup is None:
            ctx.error(row, "wave", _("This client has no follow-up wave %(wave)s.",
                                     wave=wave))
        elif followup.status not in OPEN_STATUSES:  # a lapsed wave takes an earlier call
            ctx.error(row, "wave", _("This follow-up wave is already closed."))
        row.followup = followup

    def load(self, row: ImportRow, ctx: Context) -> None:
        assert row.followup is not None  # noqa: S101
        v = row.values
        data: dict[str, Any] = {"date": v["attempt_date"], "method": v["method"],
                                "reached": v["reached"], "give_up": True}
        if v["reached"]:
            data.update({name: v.get(name) for name in (
                "location_status", "intention", "awareness_answers", "used_mrc_info")})
        cases.record_attempt(row.followup, data, user=None)
        row.followup.external_id = row.record_id


def _baselines_and_waves(rows: list[ImportRow]
                         ) -> tuple[dict[int, date], dict[WaveKey, FollowUp]]:
    """Baseline session dates by client id, and the stored follow-up waves of the rows'
    clients."""
    client_ids = sorted({row.client.id for row in rows if row.client is not None})
    baselines: dict[int, date] = {}
    waves: dict[WaveKey, FollowUp] = {}
    for chunk in in_chunks(client_ids):
        for client_id, day in db.session.execute(
                select(CounsellingSession.client_id, CounsellingSession.date)
                .where(CounsellingSession.client_id.in_(chunk),
                       CounsellingSession.is_baseline, CounsellingSession.live())):
            baselines[client_id] = day
        for f in db.session.scalars(select(FollowUp).where(FollowUp.client_id.in_(chunk))):
            waves[(f.client_id, f.wave)] = f
    return baselines, waves


def _ready_for_followup(row: ImportRow, client: Client, baseline: date | None,
                        ctx: Context) -> bool:
    """Whether the client can be followed up at all (consent and a baseline session);
    also checks that the attempt is not before the baseline."""
    if not client.followup_consent:
        ctx.error(row, "wave", _("This client did not consent to follow-up."))
        return False
    if baseline is None:
        ctx.error(row, "wave", _("This client has no baseline session yet; "
                                 "import the sessions file first."))
        return False
    when = row.values.get("attempt_date")
    if when is not None and when < baseline:
        ctx.error(row, "attempt_date", _("A follow-up cannot be before the baseline "
                                         "session (%(date)s).",
                                         date=baseline.isoformat()))
    return True

"""Importing CSV files of clients, sessions and follow-ups: validated, all or nothing,
idempotent on the file's own record ids.

``import_csv`` reads the whole file and collects every problem as (row, column, message)
before anything is written. Only a file without problems is loaded, through the same
services the forms use (``register_client``, ``log_session``, ``record_attempt``), whose
own validation is the last line of defence, inside one savepoint: any failure rolls the
whole file back. The caller (upload page or CLI) commits once.

Rows whose id (``client_id``, ``session_id``, ``followup_id``) is already stored for the
row's MRC are skipped and counted as already imported — without comparing their content;
records are corrected in the application, not by re-importing.

Records are always looked up within the row's MRC (the manager's own MRC on the upload
page), which is the scope rule of ``mrc.scope`` for a caller that may be the system.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, TypeVar

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.cases import awareness
from mrc.cases import services as cases
from mrc.cases.models import Client, CounsellingSession, FollowUp
from mrc.extensions import db
from mrc.imports import kinds, parsing
from mrc.imports.kinds import KindSpec
from mrc.leaflets.services import HandOut
from mrc.org.models import MRC
from mrc.outreach import services as outreach
from mrc.outreach import vocab as outreach_vocab
from mrc.outreach.models import OutreachEvent
from mrc.privacy.phones import InvalidPhone, normalise_phone
from mrc.survey import services as survey
from mrc.survey.models import ComparisonRespondent, ComparisonResponse

# Rows per file. Each row goes through the cases services (a few ms each), and the upload
# page imports within its request; MRC_IMPORT_MAX_ROWS changes the cap.
DEFAULT_MAX_ROWS = 10_000
_CHUNK = 500
T = TypeVar("T")


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (the header is row 1; None for the whole file),
    the column (None for the whole row) and a translated message without cell content."""

    row: int | None
    column: str | None
    message: str

    def describe(self) -> str:
        if self.row is not None and self.column:
            return _("row %(row)s, column %(column)s: %(message)s",
                     row=self.row, column=self.column, message=self.message)
        if self.row is not None:
            return _("row %(row)s: %(message)s", row=self.row, message=self.message)
        return _("file: %(message)s", message=self.message)


@dataclass
class ImportResult:
    kind: str
    added: int = 0
    skipped: int = 0  # rows whose id was already imported
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportRow:
    number: int
    values: dict[str, Any]
    mrc: MRC | None = None
    failed: set[str | None] = field(default_factory=set)  # columns with an error
    client: Client | None = None
    followup: FollowUp | None = None
    respondent: ComparisonRespondent | None = None

    @property
    def record_id(self) -> str:
        return str(self.values["_id"])


@dataclass
class Context:
    today: date
    user: User | None
    target_mrc: MRC | None
    errors: list[RowError] = field(default_factory=list)

    def error(self, row: ImportRow | int | None, column: str | None, message: object) -> None:
        number = row.number if isinstance(row, ImportRow) else row
        if isinstance(row, ImportRow):
            row.failed.add(column)
        self.errors.append(RowError(number, column, str(message)))


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


# --- importers: one per kind -----------------------------------------------------------

class Importer:
    """The rules and the loading of one kind of file. Subclasses set ``spec`` and
    ``model`` (the record table whose ``external_id`` holds the file's ids)."""

    spec: ClassVar[KindSpec]
    model: ClassVar[Any]
    # Field names of the cases services' ValidationError → column of the file.
    field_columns: ClassVar[dict[str, str]] = {}

    def check_fields(self, row: ImportRow, ctx: Context) -> None:
        """Rules between the fields of one row (ranges, conditionally required fields)."""

    def check_new(self, rows: list[ImportRow], ctx: Context) -> None:
        """Rules that need the database, for the rows that will be added."""

    def load(self, row: ImportRow, ctx: Context) -> None:
        raise NotImplementedError

    def load_order(self, rows: list[ImportRow]) -> list[ImportRow]:
        return rows

    def column_of(self, service_field: str) -> str | None:
        name = self.field_columns.get(service_field, service_field)
        return name if name in self.spec.by_name else None


def _not_future(row: ImportRow, ctx: Context, column: str, message: str) -> None:
    value = row.values.get(column)
    if value is not None and value > ctx.today:
        ctx.error(row, column, message)


class ClientsImporter(Importer):
    spec = kinds.CLIENTS
    model = Client

    def check_fields(self, row: ImportRow, ctx: Context) -> None:
        v = row.values
        _not_future(row, ctx, "registered_on",
                    _("The registration date cannot be in the future."))
        year = v.get("birth_year")
        if year is not None and not cases.OLDEST_BIRTH_YEAR <= year <= ctx.today.year:
            ctx.error(row, "birth_year", _("Enter a birth year between %(low)s and %(high)s.",
                                           low=cases.OLDEST_BIRTH_YEAR, high=ctx.today.year))
        if v.get("followup_consent") and v.get("consent_date") is None \
                and "consent_date" not in row.failed:
            ctx.error(row, "consent_date",
                      _("Enter the date consent to follow-up was given."))
        _not_future(row, ctx, "consent_date", _("The consent date cannot be in the future."))

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


def _resolve_clients(rows: list[ImportRow], ctx: Context) -> None:
    """Find each row's client in its MRC by the file's ``client_id`` or by ``client_code``;
    erased clients have neither, so they are never found."""
    ids: dict[int, set[str]] = defaultdict(set)
    codes: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        assert row.mrc is not None  # noqa: S101
        if row.values.get("client_id"):
            ids[row.mrc.id].add(row.values["client_id"])
        if row.values.get("client_code"):
            codes[row.mrc.id].add(row.values["client_code"])
    by_id: dict[tuple[int, str], Client] = {}
    by_code: dict[tuple[int, str], Client] = {}
    for mrc_id, wanted in ids.items():
        for chunk in _chunks(sorted(wanted)):
            for c in db.session.scalars(select(Client).where(
                    Client.mrc_id == mrc_id, Client.erased_at.is_(None),
                    Client.external_id.in_(chunk))):
                by_id[(mrc_id, str(c.external_id))] = c
    for mrc_id, wanted in codes.items():
        for chunk in _chunks(sorted(wanted)):
            for c in db.session.scalars(select(Client).where(
                    Client.mrc_id == mrc_id, Client.erased_at.is_(None),
                    Client.code.in_(chunk))):
                by_code[(mrc_id, str(c.code))] = c
    for row in rows:
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
        row.client = found_by_id or found_by_code


class SessionsImporter(Importer):
    spec = kinds.SESSIONS
    model = CounsellingSession

    def check_fields(self, row: ImportRow, ctx: Context) -> None:
        _not_future(row, ctx, "date", _("The session date cannot be in the future."))
        duration = row.values.get("duration_minutes")
        if duration is not None and not 1 <= duration <= cases.MAX_DURATION_MINUTES:
            ctx.error(row, "duration_minutes",
                      _("Enter a duration between 1 and %(max)s minutes.",
                        max=cases.MAX_DURATION_MINUTES))

    def check_new(self, rows: list[ImportRow], ctx: Context) -> None:
        _resolve_clients(rows, ctx)
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
            "duration_minutes", "notes")}
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
        _not_future(row, ctx, "attempt_date", _("The attempt date cannot be in the future."))
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
        _resolve_clients(rows, ctx)
        found = [row for row in rows if row.client is not None]
        client_ids = sorted({row.client.id for row in found if row.client is not None})
        baselines: dict[int, date] = {}
        waves: dict[tuple[int, int], FollowUp] = {}
        for chunk in _chunks(client_ids):
            for client_id, day in db.session.execute(
                    select(CounsellingSession.client_id, CounsellingSession.date)
                    .where(CounsellingSession.client_id.in_(chunk),
                           CounsellingSession.is_baseline)):
                baselines[client_id] = day
            for f in db.session.scalars(select(FollowUp).where(FollowUp.client_id.in_(chunk))):
                waves[(f.client_id, f.wave)] = f
        seen: dict[tuple[int, int], int] = {}
        for row in found:
            client = row.client
            assert client is not None  # noqa: S101
            wave, when = row.values.get("wave"), row.values.get("attempt_date")
            baseline = baselines.get(client.id)
            if not client.followup_consent:
                ctx.error(row, "wave", _("This client did not consent to follow-up."))
                continue
            if baseline is None:
                ctx.error(row, "wave", _("This client has no baseline session yet; "
                                         "import the sessions file first."))
                continue
            if when is not None and when < baseline:
                ctx.error(row, "attempt_date", _("A follow-up cannot be before the baseline "
                                                 "session (%(date)s).",
                                                 date=baseline.isoformat()))
            if wave is None or "wave" in row.failed:
                continue
            key = (client.id, wave)
            if key in seen:
                ctx.error(row, "wave", _("Row %(row)s already closes this wave of this client.",
                                         row=seen[key]))
                continue
            seen[key] = row.number
            followup = waves.get(key)
            if followup is None:
                ctx.error(row, "wave", _("This client has no follow-up wave %(wave)s.",
                                         wave=wave))
            elif followup.status != "pending":
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


class OutreachImporter(Importer):
    spec = kinds.OUTREACH
    model = OutreachEvent

    @staticmethod
    def event_data(row: ImportRow) -> dict[str, Any]:
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


class ComparisonImporter(Importer):
    """The comparison survey: one row per respondent and wave (0 = baseline). The first
    row of a new respondent gives their sex and migrant status (and birth year, province);
    other rows may repeat these but not contradict them (a stored respondent is never
    changed by an import)."""

    spec = kinds.COMPARISON
    model = ComparisonResponse

    def check_fields(self, row: ImportRow, ctx: Context) -> None:
        v = row.values
        _not_future(row, ctx, "survey_date", _("The survey date cannot be in the future."))
        waves = len(cases.wave_offsets())
        wave = v.get("wave")
        if wave is not None and wave > waves:
            ctx.error(row, "wave", _("Waves are numbered from 0 (the baseline) to %(n)s.",
                                     n=waves))
        year = v.get("birth_year")
        if year is not None and not cases.OLDEST_BIRTH_YEAR <= year <= ctx.today.year:
            ctx.error(row, "birth_year", _("Enter a birth year between %(low)s and %(high)s.",
                                           low=cases.OLDEST_BIRTH_YEAR, high=ctx.today.year))
        score, answers = v.get("awareness_score"), v.get("awareness_answers")
        if score is not None and score > awareness.max_score():
            ctx.error(row, "awareness_score", _("Enter a score between 0 and %(max)s.",
                                                max=awareness.max_score()))
        elif score is not None and answers and awareness.score(answers) != score:
            ctx.error(row, "awareness_score",
                      _("The score does not match the awareness answers of this row."))

    def check_new(self, rows: list[ImportRow], ctx: Context) -> None:
        keys = {(row.mrc.id, str(row.values["respondent_id"])) for row in rows
                if row.mrc is not None and row.values.get("respondent_id")}
        stored: dict[tuple[int, str], ComparisonRespondent] = {}
        by_mrc: dict[int, set[str]] = defaultdict(set)
        for mrc_id, external in keys:
            by_mrc[mrc_id].add(external)
        for mrc_id, wanted in by_mrc.items():
            for chunk in _chunks(sorted(wanted)):
                for r in db.session.scalars(select(ComparisonRespondent).where(
                        ComparisonRespondent.mrc_id == mrc_id,
                        ComparisonRespondent.external_id.in_(chunk))):
                    stored[(mrc_id, r.external_id)] = r
        stored_waves: dict[tuple[int, int], date] = {}
        ids = sorted(r.id for r in stored.values())
        for id_chunk in _chunks(ids):
            for respondent_id, stored_wave, day in db.session.execute(
                    select(ComparisonResponse.respondent_id, ComparisonResponse.wave,
                           ComparisonResponse.survey_date)
                    .where(ComparisonResponse.respondent_id.in_(id_chunk))):
                stored_waves[(respondent_id, stored_wave)] = day
        # Baseline dates, stored or in this file, for the order of the waves.
        baselines: dict[tuple[int, str], date] = {
            key: stored_waves[(r.id, 0)] for key, r in stored.items()
            if (r.id, 0) in stored_waves}
        for row in rows:
            if row.mrc is not None and row.values.get("wave") == 0 \
                    and row.values.get("survey_date") is not None:
                baselines.setdefault((row.mrc.id, str(row.values.get("respondent_id"))),
                                     row.values["survey_date"])
        first: dict[tuple[int, str], ImportRow] = {}
        new_respondents: dict[tuple[int, str], ComparisonRespondent] = {}
        waves_in_file: dict[tuple[tuple[int, str], int], int] = {}
        for row in sorted(rows, key=lambda r: r.number):
            v = row.values
            if row.mrc is None or not v.get("respondent_id"):
                continue
            key = (row.mrc.id, str(v["respondent_id"]))
            respondent = stored.get(key)
            if respondent is not None:
                self._check_same(row, ctx, {name: getattr(respondent, name)
                                            for name in survey.RESPONDENT_FIELDS}, None)
            elif key in first:
                self._check_same(row, ctx, first[key].values, first[key].number)
                respondent = new_respondents.get(key)
                if respondent is not None:
                    for name in ("birth_year", "province"):
                        if getattr(respondent, name) is None and v.get(name) is not None:
                            setattr(respondent, name, v[name])
            else:
                first[key] = row
                missing = [name for name in ("sex", "migrant_status")
                           if v.get(name) is None and name not in row.failed]
                for name in missing:
                    ctx.error(row, name, _("Required on the first row of a respondent."))
                if not missing and not {"sex", "migrant_status"} & row.failed:
                    respondent = survey.new_respondent(row.mrc, key[1], v)
                    new_respondents[key] = respondent
            row.respondent = respondent
            wave, when = v.get("wave"), v.get("survey_date")
            if wave is None or "wave" in row.failed:
                continue
            stored_respondent = stored.get(key)
            if stored_respondent is not None and (stored_respondent.id, wave) in stored_waves:
                ctx.error(row, "wave", _("This respondent's wave %(wave)s is already "
                                         "imported (with another response_id).", wave=wave))
            elif (key, wave) in waves_in_file:
                ctx.error(row, "wave", _("Row %(row)s already holds this wave of this "
                                         "respondent.", row=waves_in_file[(key, wave)]))
            else:
                waves_in_file[(key, wave)] = row.number
            baseline = baselines.get(key)
            if wave > 0 and when is not None and baseline is not None and when <= baseline:
                ctx.error(row, "survey_date", _("A follow-up wave must be after the "
                                                "respondent's baseline (%(date)s).",
                                                date=baseline.isoformat()))

    @staticmethod
    def _check_same(row: ImportRow, ctx: Context, known: dict[str, Any],
                    first_row: int | None) -> None:
        for name in survey.RESPONDENT_FIELDS:
            value, earlier = row.values.get(name), known.get(name)
            if value is None or earlier is None or value == earlier:
                continue
            if first_row is None:
                ctx.error(row, name, _("This differs from the respondent already imported."))
            else:
                ctx.error(row, name, _("This differs from row %(row)s about the same "
                                       "respondent.", row=first_row))

    def load_order(self, rows: list[ImportRow]) -> list[ImportRow]:
        return sorted(rows, key=lambda row: (row.values["wave"], row.number))

    def load(self, row: ImportRow, ctx: Context) -> None:
        assert row.respondent is not None  # noqa: S101 (checked in check_new)
        survey.record_response(row.respondent, row.values, row.record_id)


IMPORTERS: dict[str, Importer] = {
    importer.spec.name: importer
    for importer in (ClientsImporter(), SessionsImporter(), FollowUpsImporter(),
                     OutreachImporter(), ComparisonImporter())
}


def kind_choices() -> list[tuple[str, Any]]:
    """(kind, translated label) of every importable kind."""
    return [(name, imp.spec.label) for name, imp in IMPORTERS.items()]


def max_rows() -> int:
    configured: int = current_app.config.get("MRC_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    return configured


# --- the import ------------------------------------------------------------------------

def import_csv(kind: str, raw: bytes, *, target_mrc: MRC | None, user: User | None,
               today: date | None = None) -> ImportResult:
    """Validate a whole CSV file and, only if it has no problem, add its new rows.

    ``target_mrc`` is the MRC the rows go to (the manager's MRC, or the CLI's ``--mrc``):
    rows naming another MRC in their ``mrc`` column are errors. Without it (the CLI as the
    system), every row must name its MRC. Returns counts or every error; the caller
    commits (success) or rolls back (errors). Audits one ``import`` event per MRC with
    counts only.
    """
    importer = IMPORTERS[kind]
    spec = importer.spec
    ctx = Context(today=today or date.today(), user=user, target_mrc=target_mrc)
    result = ImportResult(kind=kind)
    try:
        table = parsing.read_table(raw, max_rows())
    except parsing.FileError as exc:
        result.errors.append(RowError(exc.row, None, str(exc.message)))
        return result

    present = _check_header(spec, table, ctx)
    if ctx.errors:
        result.errors = ctx.errors
        return result
    rows = [_parse_row(spec, present, row, ctx) for row in table.rows]
    for row in rows:
        importer.check_fields(row, ctx)
    _check_duplicates(spec, rows, ctx)
    _assign_mrcs(rows, ctx)
    # Rows with an MRC and an id are checked against the database even when another of
    # their columns failed, so the user sees every problem at once.
    placed = [row for row in rows if row.mrc is not None and row.values.get("_id")]
    existing = _existing_ids(importer, placed)
    new_rows: list[ImportRow] = []
    skipped: list[ImportRow] = []
    for row in placed:
        assert row.mrc is not None  # noqa: S101
        (skipped if (row.mrc.id, row.record_id) in existing else new_rows).append(row)
    importer.check_new(new_rows, ctx)
    if ctx.errors:
        result.errors = sorted(ctx.errors, key=lambda e: e.row or 0)
        return result

    current: ImportRow | None = None
    try:
        with db.session.begin_nested():
            for current in importer.load_order(new_rows):
                importer.load(current, ctx)
            db.session.flush()
    except cases.ValidationError as exc:
        number = current.number if current is not None else None
        result.errors = [RowError(number, importer.column_of(name), message)
                         for name, message in exc.errors.items()]
        return result
    except IntegrityError:
        result.errors = [RowError(None, None, _(
            "Another import added some of these records at the same time; nothing was "
            "saved. Import the file again."))]
        return result

    result.added, result.skipped = len(new_rows), len(skipped)
    _audit(kind, new_rows, skipped, target_mrc, user)
    return result


def _check_header(spec: KindSpec, table: parsing.Table, ctx: Context) -> list[kinds.Column]:
    """The spec's columns present in the header; errors for unknown, repeated, unnamed
    and missing columns."""
    known = spec.by_name
    present: list[kinds.Column] = []
    seen: set[str] = set()
    row = table.header_row
    for position, name in table.header:
        if not name:
            if position in table.unnamed_with_data:
                ctx.error(row, None, _("Column %(n)s has data but no name.", n=position + 1))
            continue
        if name.startswith(kinds.IGNORED_PREFIX):
            continue
        if name in seen:
            ctx.error(row, name, _("This column appears more than once."))
            continue
        seen.add(name)
        if name not in known:
            ctx.error(row, name, _("Unknown column. The columns of this kind of file are: "
                                   "%(columns)s.", columns=", ".join(known)))
            continue
        present.append(known[name])
    for column in spec.columns:
        if column.required and column.name not in seen:
            ctx.error(row, column.name, _("This required column is missing."))
    if spec.one_of and not seen.intersection(spec.one_of):
        ctx.error(row, spec.one_of[0], _("Add one of these columns: %(columns)s.",
                                         columns=", ".join(spec.one_of)))
    return present


def _parse_row(spec: KindSpec, present: list[kinds.Column], row: parsing.Row,
               ctx: Context) -> ImportRow:
    result = ImportRow(number=row.number, values={})
    if row.extra_cells:
        ctx.error(result, None, _("This row has more cells than the header has columns."))
    for column in present:
        text = parsing.clean(row.cells.get(column.name, ""))
        if not text:
            result.values[column.name] = None
            if column.required:
                ctx.error(result, column.name, _("This value is required."))
            continue
        if len(text) > column.max_length:
            ctx.error(result, column.name, _("This value is too long (at most %(max)s "
                                             "characters).", max=column.max_length))
            continue
        try:
            result.values[column.name] = column.parse(text)
        except parsing.FieldError as exc:
            ctx.error(result, column.name, exc.message)
    if spec.one_of and not any(result.values.get(name) for name in spec.one_of) \
            and not result.failed.intersection(spec.one_of):
        ctx.error(result, spec.one_of[0], _("Fill in one of: %(columns)s.",
                                            columns=", ".join(spec.one_of)))
    result.values["_id"] = result.values.get(spec.id_column)
    return result


def _check_duplicates(spec: KindSpec, rows: list[ImportRow], ctx: Context) -> None:
    first: dict[str, int] = {}
    for row in rows:
        record_id = row.values.get("_id")
        if not record_id:
            continue
        if record_id in first:
            ctx.error(row, spec.id_column, _("This id is already used in row %(row)s.",
                                             row=first[record_id]))
        else:
            first[record_id] = row.number


def _assign_mrcs(rows: list[ImportRow], ctx: Context) -> None:
    """Each row's MRC: its ``mrc`` column, else the target MRC. With a target MRC, rows
    of any other MRC are refused."""
    cache: dict[str, MRC | None] = {}
    target = ctx.target_mrc
    for row in rows:
        code = row.values.get("mrc")
        if code is None and "mrc" in row.failed:
            continue
        if not code:
            if target is None:
                ctx.error(row, "mrc", _("Name the MRC of this row (the mrc column, or "
                                        "--mrc on the command line)."))
            row.mrc = target
            continue
        if target is not None:
            if code == target.code:
                row.mrc = target
            else:
                ctx.error(row, "mrc", _("This file may only hold rows of MRC %(mrc)s.",
                                        mrc=target.code))
            continue
        if code not in cache:
            cache[code] = db.session.scalar(select(MRC).where(MRC.code == code))
        row.mrc = cache[code]
        if row.mrc is None:
            ctx.error(row, "mrc", _("Unknown MRC code."))


def _existing_ids(importer: Importer, rows: Iterable[ImportRow]) -> set[tuple[int, str]]:
    """(MRC id, external id) of the rows' ids already stored."""
    model = importer.model
    wanted: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        if row.mrc is not None:
            wanted[row.mrc.id].add(row.record_id)
    found: set[tuple[int, str]] = set()
    for mrc_id, ids in wanted.items():
        for chunk in _chunks(sorted(ids)):
            found.update((mrc_id, str(external)) for external in db.session.scalars(
                select(model.external_id).where(model.mrc_id == mrc_id,
                                                model.external_id.in_(chunk))))
    return found


def _audit(kind: str, added: list[ImportRow], skipped: list[ImportRow],
           target_mrc: MRC | None, user: User | None) -> None:
    """One ``import`` event per MRC (a manager's file has one) with counts, never content."""
    added_by = Counter(row.mrc.id for row in added if row.mrc is not None)
    skipped_by = Counter(row.mrc.id for row in skipped if row.mrc is not None)
    mrc_ids: list[int | None] = [*sorted(set(added_by) | set(skipped_by))]
    if not mrc_ids:
        mrc_ids = [target_mrc.id if target_mrc is not None else None]
    for mrc_id in mrc_ids:
        counts = (added_by[mrc_id], skipped_by[mrc_id]) if mrc_id is not None else (0, 0)
        audit.record("import", kind, None, mrc_id=mrc_id, user=user,
                     detail=f"kind={kind},added={counts[0]},skipped={counts[1]}")

"""The facility directory (#12): administrators add and correct facilities, import and
export the directory as CSV.

One set of rules (:func:`value_errors`) guards every value, whether it comes from the form or
from a file. A file is read with the import readers of :mod:`mrc.imports` (UTF-8 with or
without a byte-order mark, rows numbered as a spreadsheet numbers them) and validated as a
whole before anything is written: one bad row and nothing changes, and every problem comes
back as (row, column, message). A row whose ``external_id`` is in the directory updates
that facility, with the columns the file has; any other row adds one. The audit records
codes and counts only.

Services flush; the request or the command commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import pycountry
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError

from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.extensions import db
from mrc.i18n import NATIVE_NAMES
from mrc.imports import checks, parsing
from mrc.imports.kinds import Column, KindSpec
from mrc.imports.rows import Context, ImportRow, RowError, in_chunks
from mrc.referrals import vocab
from mrc.referrals.models import Facility
from mrc.referrals.services import service_codes, services_mask
from mrc.spreadsheets import csv_text, starts_like_formula
from mrc.validation import ValidationError

COLUMNS = ("external_id", "name", "kind", "country", "city", "languages", "services",
           "phone", "email", "website", "address", "verified_on", "active")
MAX_BYTES, MAX_ROWS = 2 * 1024 * 1024, 5000  # the limits of an imported file
# The model's column sizes (the address is a text column: a limit of reason).
MAX_LENGTH = {"name": 160, "city": 80, "languages": 64, "phone": 40, "email": 254,
              "website": 200, "address": 1000, "external_id": 64}
# Prefix of the ids given to facilities added without one: an exported file updates them.
OWN_ID_PREFIX = "mrc-f"

_LANGUAGE = re.compile(r"[a-z]{2,3}(?:_[A-Z]{2})?", re.ASCII)
_SEPARATORS = re.compile(r"[;,\s]+")
_SERVICE_CODES = tuple(code for code, _label in vocab.SERVICES)
# Contacts, when given, have a shape: a pattern and what to say when it is not followed.
_SHAPES = {
    "phone": (re.compile(r"\+?[0-9][0-9 ()./-]*", re.ASCII),
              _l("Write the phone number with digits, spaces and + - ( ) only.")),
    "email": (re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+"), _l("This is not an e-mail address.")),
    # Shown as a link: only web addresses, never javascript: or data: URLs.
    "website": (re.compile(r"https?://[^\s/?#]+\.[^\s/?#]+\S*", re.IGNORECASE),
                _l("Write the full web address, starting with https:// or http://.")),
}


# --- the rules of a value -------------------------------------------------------------------

def is_language(code: str) -> bool:
    """An interface language (``fa_AF``) or an ISO 639 code (``ar``, ``tl``, ``ckb``)."""
    if code in NATIVE_NAMES:
        return True
    if _LANGUAGE.fullmatch(code) is None:
        return False
    base = code.split("_")[0]
    return pycountry.languages.get(**{"alpha_3" if len(base) == 3 else "alpha_2": base}) \
        is not None


def _is_country(code: object) -> bool:
    return isinstance(code, str) and len(code) == 2 and code.isupper() \
        and pycountry.countries.get(alpha_2=code) is not None


def _text_problem(name: str, value: Any) -> str | None:
    """A contact without its shape, or a text longer than its column."""
    text = " ".join(value) if isinstance(value, list) else value
    if not isinstance(text, str):
        return None
    shape = _SHAPES.get(name)
    if shape is not None and text and shape[0].fullmatch(text) is None:
        return str(shape[1])
    limit = MAX_LENGTH.get(name)
    if limit is not None and len(text) > limit:
        return _("This value is too long (at most %(max)s characters).", max=limit)
    return None


def _rule_problem(name: str, value: Any, today: date) -> str | None:
    """The rules of a field beyond its shape and length."""
    if name == "name" and not value:
        return _("Enter the facility's name.")
    if name == "kind" and value not in vocab.FACILITY_KIND:
        return _("Choose a type of the list.")
    if name == "country" and not _is_country(value):
        return _("Unknown country code; use ISO 3166 alpha-2 codes such as SA.")
    if name == "languages" and not all(is_language(code) for code in value):
        return _("Unknown language code; use ISO 639 codes separated by spaces, such as "
                 "ar en ur.")
    if name == "services" and not set(value) <= set(_SERVICE_CODES):
        return _("Unknown service code. Allowed codes: %(codes)s.",
                 codes=", ".join(_SERVICE_CODES))
    if name == "verified_on" and value is not None and value > today:
        return _("The date of verification cannot be in the future.")
    if name == "external_id" and value and not value.isprintable():
        return _("Ids may not contain control characters.")
    return None


def value_errors(values: dict[str, Any], today: date | None = None) -> dict[str, str]:
    """What is wrong with the given values of a facility (field → translated message);
    only the fields present are checked."""
    day = today or date.today()
    errors: dict[str, str] = {}
    for name, value in values.items():
        problem = _rule_problem(name, value, day) or _text_problem(name, value)
        if problem:
            errors[name] = problem
    return errors


# --- one facility ---------------------------------------------------------------------------

def split_codes(text: str) -> list[str]:
    """Codes written with spaces (or ``;`` or commas) between them, without repeats, in
    the order written; language codes keep their region in capitals (``fa_AF``)."""
    result: list[str] = []
    for part in _SEPARATORS.split(text.strip()):
        base, _sep, region = part.partition("_")
        code = base.lower() + (f"_{region.upper()}" if region else "")
        if code and code not in result:
            result.append(code)
    return result


def _apply(facility: Facility, values: dict[str, Any]) -> None:
    """Set the given values (typed as the form gives them) on ``facility``."""
    for name, value in values.items():
        if name == "services":
            facility.services = services_mask(value)
        elif name == "languages":
            facility.languages = " ".join(value)
        elif name == "external_id":
            facility.external_id = value or None
        elif name in COLUMNS:
            setattr(facility, name, value)


def _taken_id_error(values: dict[str, Any], facility_id: int | None) -> dict[str, str]:
    wanted = values.get("external_id")
    other = db.session.scalar(select(Facility.id).where(Facility.external_id == wanted)) \
        if wanted else None
    if other is None or other == facility_id:
        return {}
    return {"external_id": _("Another facility already has this identifier.")}


def _give_own_id(facility: Facility) -> None:
    """An identifier for a facility added without one (see :data:`OWN_ID_PREFIX`)."""
    own = f"{OWN_ID_PREFIX}{facility.id}"
    if db.session.scalar(select(Facility.id).where(Facility.external_id == own)) is None:
        facility.external_id = own


def _detail(facility: Facility) -> str:
    return (f"kind={facility.kind},country={facility.country},"
            f"active={'yes' if facility.active else 'no'}")


def create_facility(values: dict[str, Any], user: User | None = None) -> Facility:
    """Add a facility from the form's values (name, kind, country, city, languages and
    services as lists of codes, phone, email, website, address, verified_on, active,
    external_id). Raises ValidationError."""
    required = {"name": "", "kind": "", "country": ""}
    errors = value_errors({**required, **values}) | _taken_id_error(values, None)
    if errors:
        raise ValidationError(errors)
    facility = Facility(created_at=datetime.now(UTC), active=True, services=0)
    _apply(facility, values)
    db.session.add(facility)
    db.session.flush()
    if not facility.external_id:
        _give_own_id(facility)
    audit.record("create", "facility", facility.id, user=user, detail=_detail(facility))
    return facility


def update_facility(facility: Facility, values: dict[str, Any],
                    user: User | None = None) -> Facility:
    """Correct ``facility`` with the given values (as for :func:`create_facility`); inactive,
    it leaves the referral form (never deleted: referrals point at it). Raises ValidationError."""
    errors = value_errors(values) | _taken_id_error(values, facility.id)
    if errors:
        raise ValidationError(errors)
    _apply(facility, values)
    facility.updated_at = datetime.now(UTC)
    db.session.flush()
    audit.record("update", "facility", facility.id, user=user, detail=_detail(facility))
    return facility


# --- finding facilities ---------------------------------------------------------------------

@dataclass(frozen=True)
class Search:
    q: str = ""  # part of the name or the city
    country: str = ""
    kind: str = ""


def search(wanted: Search) -> Select[Any]:
    """The directory's facilities matching ``wanted`` (inactive ones too), by country,
    city and name."""
    query = select(Facility)
    if wanted.q:
        escaped = wanted.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(or_(Facility.name.ilike(pattern, escape="\\"),
                                Facility.city.ilike(pattern, escape="\\")))
    if wanted.country:
        query = query.where(Facility.country == wanted.country)
    if wanted.kind:
        query = query.where(Facility.kind == wanted.kind)
    return query.order_by(Facility.country, Facility.city, Facility.name, Facility.id)


def countries() -> list[str]:
    """The countries the directory has facilities in."""
    return list(db.session.scalars(select(Facility.country).distinct()
                                   .order_by(Facility.country)))


# --- the CSV file ---------------------------------------------------------------------------

def _text(cell: str) -> str:
    """A cell as it was typed: an export writes ``'+966…`` so that spreadsheets show it as
    text (:mod:`mrc.spreadsheets`)."""
    text = parsing.clean(cell)
    return text[1:] if text.startswith("'") and starts_like_formula(text[1:]) else text


def _codes(text: str) -> list[str]:
    return split_codes(_text(text))


SPEC = KindSpec(
    name="facilities",
    label=_l("Facility directory"),
    id_column="external_id",
    columns=(
        Column("external_id", _text, max_length=MAX_LENGTH["external_id"]),
        Column("name", _text, required=True, max_length=MAX_LENGTH["name"]),
        Column("kind", partial(parsing.parse_code, allowed=tuple(vocab.FACILITY_KIND)),
               required=True),
        Column("country", parsing.parse_country, required=True),
        Column("city", _text, max_length=MAX_LENGTH["city"]),
        Column("languages", _codes, max_length=MAX_LENGTH["languages"]),
        Column("services", partial(parsing.parse_codes, allowed=_SERVICE_CODES),
               max_length=1000),
        *(Column(name, _text, max_length=MAX_LENGTH[name])
          for name in ("phone", "email", "website", "address")),
        Column("verified_on", parsing.parse_date),
        Column("active", parsing.parse_bool),
    ),
)
# An empty cell (None once parsed) of these columns means the empty value.
_EMPTY: dict[str, Any] = {"city": "", "languages": [], "services": [], "phone": "",
                          "email": "", "website": "", "address": "", "active": True}


@dataclass
class DirectoryImport:
    """Counts of an imported file, or every problem of a refused one (nothing written)."""

    added: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _row_values(row: ImportRow) -> dict[str, Any]:
    values = {name: row.values[name] for name in COLUMNS if name in row.values}
    values.update({name: _EMPTY[name] for name, value in values.items()
                   if value is None and name in _EMPTY})
    return values


def _check_rows(table: parsing.Table, ctx: Context) -> list[ImportRow]:
    """Every row parsed, with the rules of each value (problems are in ``ctx.errors``)."""
    present = checks.check_header(SPEC, table, ctx)
    if ctx.errors:
        return []
    rows = [checks.parse_row(SPEC, present, row, ctx) for row in table.rows]
    for row in rows:
        for name, message in value_errors(_row_values(row), ctx.today).items():
            if name not in row.failed:
                ctx.error(row, name, message)
    checks.check_duplicates(SPEC, rows, ctx)
    return rows


def _known(rows: Iterable[ImportRow]) -> dict[str, Facility]:
    """The facilities of the directory with the rows' external ids."""
    ids = sorted({str(row.values["_id"]) for row in rows if row.values.get("_id")})
    found: dict[str, Facility] = {}
    for chunk in in_chunks(ids):
        query = select(Facility).where(Facility.external_id.in_(chunk))
        found.update((str(f.external_id), f) for f in db.session.scalars(query))
    return found


def _load(rows: list[ImportRow], result: DirectoryImport) -> None:
    known = _known(rows)
    now = datetime.now(UTC)
    added: list[Facility] = []
    for row in rows:
        values = _row_values(row)
        facility = known.get(str(row.values.get("_id") or ""))
        if facility is None:
            facility = Facility(created_at=now, active=True, services=0, city="",
                                languages="", phone="", email="", website="", address="")
            db.session.add(facility)
            added.append(facility)
        else:
            facility.updated_at = now
            result.updated += 1
        _apply(facility, values)
    db.session.flush()
    for facility in added:
        if not facility.external_id:
            _give_own_id(facility)
    result.added = len(added)


def import_directory(raw: bytes, user: User | None = None,
                     today: date | None = None) -> DirectoryImport:
    """Validate a whole CSV file of facilities (:data:`COLUMNS`) and, only if it has no
    problem, add and update its facilities. Errors are sorted by row; the caller commits,
    or rolls back on errors. Audits one ``import`` event with the counts."""
    result = DirectoryImport()
    if len(raw) > MAX_BYTES:
        return DirectoryImport(errors=[RowError(None, None, _(
            "The file is larger than %(size)s MB; split it into smaller files.",
            size=MAX_BYTES // (1024 * 1024)))])
    ctx = Context(today=today or date.today(), user=user, target_mrc=None)
    try:
        table = parsing.read_table(raw, MAX_ROWS)
    except parsing.FileError as exc:
        result.errors.append(RowError(exc.row, None, str(exc.message)))
        return result
    rows = _check_rows(table, ctx)
    if ctx.errors:
        result.errors = sorted(ctx.errors, key=lambda e: e.row or 0)
        return result
    try:
        with db.session.begin_nested():
            _load(rows, result)
    except IntegrityError:
        return DirectoryImport(errors=[RowError(None, None, _(
            "Another import changed the directory at the same time; nothing was saved. "
            "Import the file again."))])
    audit.record("import", "facility", None, user=user,
                 detail=f"added={result.added},updated={result.updated}")
    return result


def _cells(facility: Facility) -> list[object]:
    return [facility.external_id or "", facility.name, facility.kind, facility.country,
            facility.city, facility.languages, " ".join(service_codes(facility.services)),
            facility.phone, facility.email, facility.website, facility.address,
            facility.verified_on.isoformat() if facility.verified_on else "",
            "yes" if facility.active else "no"]


def export_rows() -> Iterator[list[object]]:
    """The header and every facility of the directory, in the columns of the import."""
    yield list(COLUMNS)
    for facility in db.session.scalars(select(Facility).order_by(Facility.id)):
        yield _cells(facility)


def export_csv(user: User | None = None) -> str:
    """The directory as CSV text (cells that a spreadsheet would run as formulas are
    neutralised, and read back as written by :func:`import_directory`). Audited."""
    rows = list(export_rows())
    audit.record("export", "facility", None, user=user, detail=f"rows={len(rows) - 1}")
    return csv_text(rows, lineterminator="\r\n")

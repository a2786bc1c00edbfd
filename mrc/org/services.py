"""Regions, countries and MRCs: look-ups, the reference network used by the demo, and the
administration services that create and change them (validated, audited)."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import pycountry
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mrc.audit import services as audit
from mrc.extensions import db
from mrc.org import contact
from mrc.org.models import MRC, Country, Region
from mrc.org.reference import REFERENCE_CONTACTS, REFERENCE_NETWORK
from mrc.spreadsheets import starts_like_formula
from mrc.validation import ValidationError


def country_name(alpha2: str) -> str:
    """The ISO 3166 name of a country code; LookupError for an unknown code."""
    entry = pycountry.countries.get(alpha_2=alpha2.upper())
    if entry is None:
        raise LookupError(_("Unknown country code %(code)s.", code=alpha2))
    return str(entry.name)


def provinces(alpha2: str) -> list[tuple[str, str]]:
    """(ISO 3166-2 code, name) of a country's first-level subdivisions, sorted by name."""
    subs = pycountry.subdivisions.get(country_code=alpha2.upper()) or []
    top = [s for s in subs if s.parent_code is None]
    return sorted(((s.code, s.name) for s in top), key=lambda item: item[1])


def ensure_reference_network() -> dict[str, MRC]:
    """Create the reference regions, countries and MRCs if missing; returns MRCs by code."""
    result: dict[str, MRC] = {}
    for region_code, (region_name, countries) in REFERENCE_NETWORK.items():
        region = db.session.scalar(select(Region).where(Region.code == region_code))
        if region is None:
            region = Region(code=region_code, name=region_name)
            db.session.add(region)
            db.session.flush()
        for alpha2, mrcs in countries.items():
            country = db.session.scalar(select(Country).where(Country.code == alpha2))
            if country is None:
                country = Country(code=alpha2, name=country_name(alpha2), region_id=region.id)
                db.session.add(country)
                db.session.flush()
            for code, name, city in mrcs:
                mrc = db.session.scalar(select(MRC).where(MRC.code == code))
                if mrc is None:
                    mrc = MRC(code=code, name=name, city=city, country_id=country.id,
                              active=True)
                    _reference_contact(mrc, alpha2)
                    db.session.add(mrc)
                    db.session.flush()
                result[code] = mrc
    return result


def _reference_contact(mrc: MRC, alpha2: str) -> None:
    hotline, texts = REFERENCE_CONTACTS.get(mrc.code, ("", {}))
    mrc.hotline = contact.validate_hotline(hotline, alpha2, {})
    contact.apply_texts(mrc, {locale: {"address": address, "opening_hours": hours}
                              for locale, (address, hours) in texts.items()})


def resolve_scope(mrc_code: str | None, country_code: str | None,
                  region_code: str | None) -> tuple[int | None, int | None, int | None]:
    """Ids for a scope given by codes; LookupError naming the unknown code."""
    mrc_id = country_id = region_id = None
    if mrc_code:
        mrc_id = db.session.scalar(select(MRC.id).where(MRC.code == mrc_code.upper()))
        if mrc_id is None:
            raise LookupError(_("Unknown MRC code %(code)s.", code=mrc_code))
    if country_code:
        country_id = db.session.scalar(
            select(Country.id).where(Country.code == country_code.upper()))
        if country_id is None:
            raise LookupError(_("Unknown country code %(code)s.", code=country_code))
    if region_code:
        region_id = db.session.scalar(select(Region.id).where(Region.code == region_code.upper()))
        if region_id is None:
            raise LookupError(_("Unknown region code %(code)s.", code=region_code))
    return mrc_id, country_id, region_id


# --- Administration: create and change regions, countries and MRCs -----------------------

REGION_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
MRC_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{2,5}$")
MAX_NAME = {"region": 120, "country": 120, "mrc": 160}
MAX_CITY = 120


def normalise_org_code(raw: str | None) -> str:
    """Codes are compared and stored upper-case without surrounding spaces."""
    return (raw or "").strip().upper()


def region_code_error(code: str) -> str | None:
    """Why ``code`` is not a valid region code (None if it is)."""
    if not REGION_CODE.fullmatch(code):
        return _("Use 2 to 32 capital letters, digits or underscores, starting with a letter "
                 "(for example SOUTH_ASIA).")
    return None


def country_code_error(code: str) -> str | None:
    """Why ``code`` is not an ISO 3166-1 alpha-2 country code (None if it is)."""
    if not COUNTRY_CODE.fullmatch(code) or pycountry.countries.get(alpha_2=code) is None:
        return _("This is not an ISO 3166 alpha-2 country code (for example PK).")
    return None


def mrc_code_error(code: str, country_code: str | None) -> str | None:
    """Why ``code`` is not a valid MRC code for the country (None if it is).

    An MRC code is the country's alpha-2 code, a hyphen and 2 to 5 capital letters or
    digits, e.g. ``PK-ISB``.
    """
    if not MRC_CODE.fullmatch(code):
        return _("Use the country code, a hyphen and 2 to 5 capital letters or digits "
                 "(for example PK-ISB).")
    if country_code is not None and code[:2] != country_code:
        return _("The code must start with the country code %(code)s.", code=country_code)
    return None


def name_error(name: str, kind: str) -> str | None:
    """Why ``name`` cannot name a region, country or MRC (``kind``), None if it can. A name
    is printed in every export: one a spreadsheet would run as a formula is refused (the
    exports neutralise such cells too, :mod:`mrc.spreadsheets`)."""
    if not name or len(name) > MAX_NAME[kind]:
        return _("Enter a name of 1 to %(max)s characters.", max=MAX_NAME[kind])
    if starts_like_formula(name):
        return _("A name cannot start with =, +, -, @ or a tab.")
    return None


def _text(data: dict[str, Any], key: str) -> str:
    return str(data.get(key) or "").strip()


def _taken(model: type[Region] | type[Country] | type[MRC], code: str, own_id: int | None) -> bool:
    query = select(model.id).where(func.upper(model.code) == code)
    if own_id is not None:
        query = query.where(model.id != own_id)
    return db.session.scalar(query) is not None


def _apply(record: Any, values: dict[str, Any]) -> list[str]:
    """Set attributes; returns the names of those that changed."""
    changed = []
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name)
    return changed


def _flush_unique(errors: dict[str, str]) -> None:
    """Flush; a unique constraint lost to a concurrent request is reported like a duplicate."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise ValidationError(errors) from exc


def _fields_detail(changed: list[str]) -> str:
    return "fields=" + ",".join(changed)


OrgRecord = TypeVar("OrgRecord", Region, Country, MRC)


def _save(record: OrgRecord, values: dict[str, Any] | None, *, entity: str,
          code_taken: str) -> list[str]:
    """Write a region, country or MRC and audit it; returns the names of changed fields.

    ``values`` None: ``record`` is new and is added (audited ``create``). Otherwise the
    validated ``values`` are set on the stored ``record``, and only if one changed is it
    flushed and audited ``update`` with their names. ``code_taken`` is the validator's own
    message for a code in use, given when a concurrent request took the code in between.
    An MRC's events are in its own scope (``mrc_id``).
    """
    if values is None:
        db.session.add(record)
        action, changed, detail = "create", [], ""
    else:
        changed = _apply(record, values)
        if not changed:
            return changed
        action, detail = "update", _fields_detail(changed)
    _flush_unique({"code": code_taken})
    audit.record(action, entity, record.id,
                 mrc_id=record.id if isinstance(record, MRC) else None, detail=detail)
    return changed


def validate_region(data: dict[str, Any], region: Region | None = None) -> dict[str, Any]:
    """Clean values of a region form; ValidationError (field → message) on bad input."""
    errors: dict[str, str] = {}
    code = normalise_org_code(data.get("code"))
    name = _text(data, "name")
    problem = region_code_error(code)
    if problem:
        errors["code"] = problem
    elif _taken(Region, code, region.id if region else None):
        errors["code"] = _("Another region already has this code.")
    if problem := name_error(name, "region"):
        errors["name"] = problem
    if errors:
        raise ValidationError(errors)
    return {"code": code, "name": name}


def create_region(data: dict[str, Any]) -> Region:
    """Add a region (audited); ValidationError on bad input."""
    region = Region(**validate_region(data))
    _save(region, None, entity="region", code_taken=_("Another region already has this code."))
    return region


def update_region(region: Region, data: dict[str, Any]) -> list[str]:
    """Change a region (audited with the names of changed fields); returns those names."""
    return _save(region, validate_region(data, region), entity="region",
                 code_taken=_("Another region already has this code."))


def validate_country(data: dict[str, Any], country: Country | None = None) -> dict[str, Any]:
    """Clean values of a country form. The name defaults to the ISO name of the code."""
    errors: dict[str, str] = {}
    code = normalise_org_code(data.get("code"))
    name = _text(data, "name")
    problem = country_code_error(code)
    if problem:
        errors["code"] = problem
    elif _taken(Country, code, country.id if country else None):
        errors["code"] = _("This country is already in the list.")
    elif country is not None and code != country.code and country.mrcs:
        errors["code"] = _("The code of a country that has MRCs cannot be changed.")
    if not name and "code" not in errors:
        name = country_name(code)
    if name and (problem := name_error(name, "country")):
        errors["name"] = problem
    region_id = data.get("region_id")
    if region_id is None or db.session.get(Region, region_id) is None:
        errors["region_id"] = _("Choose a region.")
    if errors:
        raise ValidationError(errors)
    return {"code": code, "name": name, "region_id": region_id}


def create_country(data: dict[str, Any]) -> Country:
    """Add a country to a region (audited); ValidationError on bad input."""
    country = Country(**validate_country(data))
    _save(country, None, entity="country", code_taken=_("This country is already in the list."))
    return country


def update_country(country: Country, data: dict[str, Any]) -> list[str]:
    """Change a country (audited); returns the names of the changed fields."""
    return _save(country, validate_country(data, country), entity="country",
                 code_taken=_("This country is already in the list."))


def validate_mrc(data: dict[str, Any], mrc: MRC | None = None) -> dict[str, Any]:
    """Clean values of an MRC form; the code's prefix must be its country's code."""
    errors: dict[str, str] = {}
    country_id = data.get("country_id")
    country = db.session.get(Country, country_id) if country_id is not None else None
    if country is None:
        errors["country_id"] = _("Choose a country.")
    code = normalise_org_code(data.get("code"))
    problem = mrc_code_error(code, country.code if country else None)
    if problem:
        errors["code"] = problem
    elif _taken(MRC, code, mrc.id if mrc else None):
        errors["code"] = _("Another MRC already has this code.")
    values: dict[str, Any] = {"code": code, "country_id": country_id, "name": _text(data, "name"),
              "city": _text(data, "city"),
              "hotline": contact.validate_hotline(data.get("hotline"),
                                                  country.code if country else None, errors)}
    if problem := name_error(values["name"], "mrc"):
        errors["name"] = problem
    if len(values["city"]) > MAX_CITY:
        errors["city"] = _("The city is limited to %(max)s characters.", max=MAX_CITY)
    texts = contact.validate_texts(data.get("texts") or {}, errors)
    if "active" in data:
        values["active"] = bool(data["active"])
    if errors:
        raise ValidationError(errors)
    return {**values, "texts": texts}


def create_mrc(data: dict[str, Any]) -> MRC:
    """Add an MRC, active, with its hotline and per-language address and opening hours
    (audited); ValidationError on bad input."""
    values = validate_mrc(data)
    texts = values.pop("texts")
    values["active"] = True
    mrc = MRC(**values)
    contact.apply_texts(mrc, texts)
    _save(mrc, None, entity="mrc", code_taken=_("Another MRC already has this code."))
    return mrc


def update_mrc(mrc: MRC, data: dict[str, Any]) -> list[str]:
    """Change an MRC, its hotline and contact texts (audited with the names of the changed
    fields, e.g. ``hotline,address_ar``); returns those names."""
    values = validate_mrc(data, mrc)
    texts = values.pop("texts")
    changed = _apply(mrc, values) + contact.apply_texts(mrc, texts)
    if changed:
        _flush_unique({"code": _("Another MRC already has this code.")})
        audit.record("update", "mrc", mrc.id, mrc_id=mrc.id, detail=_fields_detail(changed))
    return changed


def set_mrc_active(mrc: MRC, active: bool) -> bool:
    """Deactivate or reactivate an MRC (audited); False if it already was in that state.

    An inactive MRC keeps its records and users; it is only marked as no longer operating.
    """
    if mrc.active == active:
        return False
    mrc.active = active
    db.session.flush()
    audit.record("update", "mrc", mrc.id, mrc_id=mrc.id, detail="fields=active")
    return True


def org_counts() -> dict[str, int]:
    """Numbers of regions, countries and MRCs (active and all) for the admin landing page."""
    def count(query: Any) -> int:
        return int(db.session.scalar(query) or 0)

    return {
        "regions": count(select(func.count()).select_from(Region)),
        "countries": count(select(func.count()).select_from(Country)),
        "mrcs": count(select(func.count()).select_from(MRC)),
        "active_mrcs": count(select(func.count()).select_from(MRC).where(MRC.active.is_(True))),
    }

"""Possible duplicates at registration: before a new client is created, the clients of the
same MRC who may be the same person.

A match is either the same phone number (its blind index under every configured key, so a
number is found whatever key it was indexed with) or the same coarse fields registered on
the same day: sex, birth year, province and nationality (a field not stated matches a field
not stated). Erased clients are never offered: they have no code to go back to.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_

from mrc.cases.clients import mrc_country_code
from mrc.cases.models import Client
from mrc.extensions import db
from mrc.keys import keyring
from mrc.org.models import MRC
from mrc.privacy.phones import InvalidPhone, normalise_phone

MAX_SHOWN = 10


def _same(column: Any, value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value  # type: ignore[no-any-return]


def _phone_match(phone: str | None, mrc: MRC) -> ColumnElement[bool] | None:
    if not phone:
        return None
    try:
        e164 = normalise_phone(phone, mrc_country_code(mrc))
    except InvalidPhone:
        return None  # registration itself reports the malformed number
    return Client.phone_index.in_(keyring().phone_index_candidates(e164))


def possible_duplicates(mrc_scope: Select[Client], mrc: MRC,
                        data: dict[str, Any]) -> list[Client]:
    """Clients in ``mrc_scope`` who may be the person ``data`` (a registration form's
    ``client_data()``) describes, most recently registered first (at most ten)."""
    matches: list[ColumnElement[bool]] = []
    phone = _phone_match(data.get("phone"), mrc)
    if phone is not None:
        matches.append(phone)
    if data.get("sex") and data.get("registered_on"):
        nationality = (data.get("nationality") or "").upper() or None
        matches.append(and_(Client.sex == data["sex"],
                            Client.registered_on == data["registered_on"],
                            _same(Client.birth_year, data.get("birth_year")),
                            _same(Client.province, data.get("province") or None),
                            _same(Client.nationality, nationality)))
    if not matches:
        return []
    query = (mrc_scope.where(Client.erased_at.is_(None), or_(*matches))
             .order_by(Client.registered_on.desc(), Client.id.desc()).limit(MAX_SHOWN))
    return list(db.session.scalars(query))

"""Client codes for registering offline: a block of codes reserved for one device.

Client codes are random (:mod:`mrc.privacy.codes`), so a block is a list of fresh codes,
each checked against every client's code and every code reserved before. A device
registers a client with the next code of its block while offline; when the entry arrives
through ``POST /api/v1/clients`` with ``"code"``, the code is accepted only if it is an
unused code of a block reserved for the very token that sends it (:func:`claim`), and is
used up at once. When a device runs low, :func:`device_codes` reserves a new block.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from mrc.api.models import ApiToken
from mrc.capture.models import CaptureCode, CaptureCodeBlock
from mrc.cases.models import Client
from mrc.extensions import db
from mrc.privacy.codes import InvalidCode, format_code, generate_code, normalise_code
from mrc.validation import ValidationError

BLOCK_SIZE = 50
REFILL_BELOW = 10  # fewer unused codes than this: a new block is reserved


def _taken(codes: set[str]) -> set[str]:
    """Which of ``codes`` a client has or a block already holds."""
    return {*db.session.scalars(select(Client.code).where(Client.code.in_(codes))),
            *db.session.scalars(select(CaptureCode.code).where(CaptureCode.code.in_(codes)))}


def reserve_block(token: ApiToken, mrc_id: int, size: int = BLOCK_SIZE) -> CaptureCodeBlock:
    """A new block of ``size`` fresh codes for the device ``token``, at ``mrc_id``."""
    codes: set[str] = set()
    while len(codes) < size:
        wanted = {generate_code() for _n in range(size - len(codes))}
        codes |= wanted - _taken(wanted)
    block = CaptureCodeBlock(token_id=token.id, mrc_id=mrc_id, created_at=datetime.now(UTC))
    block.codes = [CaptureCode(code=code) for code in sorted(codes)]
    db.session.add(block)
    db.session.flush()
    return block


def unused(token: ApiToken) -> list[str]:
    """The device's unused codes (canonical), oldest block first."""
    return list(db.session.scalars(
        select(CaptureCode.code).join(CaptureCodeBlock)
        .where(CaptureCodeBlock.token_id == token.id, CaptureCode.used_at.is_(None))
        .order_by(CaptureCodeBlock.id, CaptureCode.id)))


def device_codes(token: ApiToken, mrc_id: int, size: int = BLOCK_SIZE) -> list[str]:
    """The device's unused codes in display form, with a new block reserved first when
    fewer than :data:`REFILL_BELOW` are left (a used-up block is never reused)."""
    left = unused(token)
    if len(left) < min(REFILL_BELOW, size):
        reserve_block(token, mrc_id, size)
        left = unused(token)
    return [format_code(code) for code in left]


def claim(token: ApiToken, mrc_id: int, typed: object) -> str:
    """The canonical code ``typed``, now used up, if it is an unused code of a block of
    ``token`` at ``mrc_id``; ValidationError on ``code`` otherwise (whatever the reason:
    malformed, another device's, used already)."""
    refused = ValidationError({"code": _("This client code was not reserved for this device.")})
    try:
        code = normalise_code(typed) if isinstance(typed, str) else None
    except InvalidCode:
        code = None
    if code is None:
        raise refused
    reserved = select(CaptureCode.id).join(CaptureCodeBlock).where(
        CaptureCode.code == code, CaptureCodeBlock.token_id == token.id,
        CaptureCodeBlock.mrc_id == mrc_id).scalar_subquery()
    # One conditional UPDATE: of two requests claiming one code, one gets it.
    done = db.session.execute(update(CaptureCode).where(
        CaptureCode.id == reserved, CaptureCode.used_at.is_(None))
        .values(used_at=datetime.now(UTC)).execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise refused
    # The web draws codes without looking at reserved ones: should it have drawn this one
    # meanwhile (about one chance in 10^7 per registration), the device's entry is refused
    # rather than given a code that is someone else's.
    if db.session.scalar(select(func.count()).where(Client.code == code)):
        raise refused
    return code

"""The referral slip (#12): the page the client carries to the facility, as a print document
(``templates/referrals/slip.html``, one A4 portrait page) and as a PDF.

The whole slip is in the client's language (``referral.language``), with its ``lang`` and
direction, whatever the counsellor's interface language: its template strings, the labels of
the vocabularies, the country's name and the date are rendered with that locale forced.

What it prints of the client follows the consent (:func:`mrc.referrals.services.shared`): the
client code while consent stands, never the phone number. Once consent is withdrawn the slip
says so and carries no client code; it still names the facility and its contacts, so the
client can go there on their own. The QR code holds the reference and nothing else: scanning
it tells the facility which referral to look up, nothing about the person.

The PDF is laid out by WeasyPrint through :func:`mrc.leaflets.pdf.html_to_pdf` (restricted URL
fetcher, Noto fonts from fontconfig). Needs an app context; no request is read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import segno
from babel import Locale
from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale

from mrc.calendars import localise_digits
from mrc.extensions import db
from mrc.i18n import PageLocale
from mrc.leaflets.pdf import html_to_pdf
from mrc.leaflets.text import text_direction
from mrc.org.contact import mrc_contact
from mrc.org.models import MRC
from mrc.places import country_name
from mrc.referrals import services, vocab
from mrc.referrals.models import Referral
from mrc.settings import settings

SLIP_TEMPLATE = "referrals/slip.html"


def _label(code: str, vocabulary: Mapping[str, object] | tuple[tuple[str, object], ...]) -> str:
    """The translated label of a vocabulary code (the code itself if unknown)."""
    return str(dict(vocabulary).get(code, code))


def qr_payload(referral: Referral) -> str:
    """What the slip's QR code holds: the printed reference, nothing about the person."""
    return referral.reference


def qr_data_uri(payload: str) -> str:
    """A QR code of ``payload`` as an SVG ``data:`` URI (error correction M, quiet zone 4),
    as on the client card and the leaflets."""
    return str(segno.make_qr(payload, error="m").svg_data_uri(border=4, dark="#000",
                                                               light="#fff"))


def slip_locale(referral: Referral) -> PageLocale:
    """The slip's language and direction: the referral's, English if no longer offered."""
    code = referral.language if referral.language in settings().supported_locales else "en"
    return PageLocale.for_code(code)


def long_date(day: date, locale: str) -> str:
    """``day`` as the locale writes it in full (Gregorian: the facility's calendar), with
    the locale's own digits."""
    babel_locale = Locale.parse(locale)
    text = format_date(day, "long", locale=babel_locale)
    return localise_digits(text, getattr(babel_locale, "default_numbering_system", "latn"))


def slip_file_name(referral: Referral) -> str:
    """The download's name: the reference only (nothing about the client)."""
    return f"{referral.reference}.pdf"


def _context(referral: Referral, locale: PageLocale) -> dict[str, Any]:
    # Called with the slip's locale forced: the lazy labels resolve in that language.
    mrc = db.session.get_one(MRC, referral.mrc_id)
    facility = referral.facility
    withdrawn = referral.withdrawn_at
    return {
        "locale": locale,
        "reference": referral.reference,
        "shared": services.shared(referral),
        "mrc": mrc,
        "contact": mrc_contact(mrc, locale.code),
        "facility": facility,
        "facility_kind": _label(facility.kind, vocab.FACILITY_KIND),
        "country": country_name(facility.country, locale.code),
        "service": _label(referral.service, vocab.SERVICES),
        "sent_on": long_date(referral.sent_on, locale.code),
        "withdrawn_on": long_date(withdrawn.date(), locale.code) if withdrawn else "",
        "qr": qr_data_uri(qr_payload(referral)),
        # Names and addresses are data, in whatever script they were typed in.
        "text_dir": text_direction,
    }


def slip_html(referral: Referral) -> str:
    """The slip as the print document WeasyPrint lays out, in the referral's language."""
    locale = slip_locale(referral)
    template = current_app.jinja_env.get_template(SLIP_TEMPLATE)
    with force_locale(locale.code):
        return template.render(**_context(referral, locale))


def slip_pdf(referral: Referral) -> bytes:
    """The slip as a (tagged) PDF."""
    return html_to_pdf(slip_html(referral))

"""The referral slip (#12): a PDF in the client's language that shows the reference, the
facility and its contacts, the MRC's contacts, and the client code only while consent stands
(never the phone); its QR code holds the reference only."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from mrc.audit.models import AuditEvent
from mrc.cases.models import Client
from mrc.extensions import db
from mrc.privacy.codes import format_code
from mrc.referrals import services, slip
from mrc.referrals.models import Referral
from tests.conftest import service_missing

ARABIC_LETTER = re.compile(r"[\u0620-\u064a]")
REFERENCE = re.compile(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}")
# A reference (R-XXXX-XXXX) or a client code (XXXX-XXXX) with stray spaces in it.
SPACED_CODE = re.compile(r"\b(?:R-)?(?:[0-9A-Z] ?){4}-\s?(?:[0-9A-Z] ?){3}[0-9A-Z]\b")


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as poppler's pdftotext reads it, Arabic presentation forms folded."""
    binary = shutil.which("pdftotext")
    if binary is None:
        service_missing("pdftotext (poppler-utils) is not installed")
    assert binary is not None
    run = subprocess.run([binary, "-q", "-enc", "UTF-8", "-", "-"], input=pdf,
                         capture_output=True, check=True, timeout=60)
    text = unicodedata.normalize("NFKC", run.stdout.decode("utf-8"))
    # pdftotext may read a gap between two glyphs of a code as a space ("R-3A J1-0DHX",
    # seen for client codes too).
    return SPACED_CODE.sub(lambda m: re.sub(r"\s", "", m.group()), text)


def client_code(referral: Referral) -> str:
    return format_code(db.session.get_one(Client, referral.client_id).code)


def download(browser: Any, referral: Referral) -> Any:
    response = browser.get(f"/referrals/{referral.id}/slip.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def test_the_slip_is_a_pdf_with_the_reference_the_facility_and_the_client_code(
        make_referral: Callable[..., Referral], make_user: Any,
        login: Callable[[Any], Any]) -> None:
    # The client agreed to share their phone with the facility: the slip still never shows it.
    referral = make_referral(share_phone=True)
    referral.language = "en"
    browser = login(make_user("counsellor", "PK-ISB"))
    response = download(browser, referral)
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="{referral.reference}.pdf"' in disposition
    assert client_code(referral) not in disposition
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.data)
    assert referral.reference in text and referral.facility.name in text
    assert client_code(referral) in text, text  # the whole text, should it ever fail
    assert "Help with a labour dispute or unpaid wages" in text  # the service needed
    assert "+966 11 000 0000" in text and "desk@example.org" in text  # the facility's contacts
    assert "+92 51 2100100" in text  # the MRC's hotline
    assert "They know you are coming" in text
    phone = services.shared(referral).phone
    assert phone and phone not in text and phone.replace(" ", "") not in text.replace(" ", "")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export",
                                                        AuditEvent.entity == "referral")).one()
    assert event.entity_id == referral.id and event.detail == "slip"
    assert event.mrc_id == referral.mrc_id


def test_after_consent_is_withdrawn_the_slip_says_so_and_has_no_client_code(
        make_referral: Callable[..., Referral], make_user: Any,
        login: Callable[[Any], Any]) -> None:
    referral = make_referral()
    referral.language = "en"
    user = make_user("counsellor", "PK-ISB")
    assert services.withdraw_consent(referral, user)
    text = pdf_text(download(login(user), referral).data)
    assert referral.reference in text and referral.facility.name in text
    assert "Consent withdrawn" in text and "They know you are coming" not in text
    assert client_code(referral) not in text


def test_another_mrcs_slip_is_not_found_and_a_partner_gets_none(
        make_referral: Callable[..., Referral], make_user: Any,
        login: Callable[[Any], Any]) -> None:
    other = make_referral("AF-KBL")
    browser = login(make_user("counsellor", "PK-ISB"))
    assert browser.get(f"/referrals/{other.id}/slip.pdf").status_code == 404
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).first() \
        is None


def test_an_arabic_slip_is_arabic_right_to_left_with_the_reference_left_to_right(
        make_referral: Callable[..., Referral], make_user: Any,
        login: Callable[[Any], Any]) -> None:
    referral = make_referral()
    referral.language = "ar"
    db.session.flush()
    html = slip.slip_html(referral)
    assert '<html lang="ar" dir="rtl">' in html
    assert f'<bdi dir="ltr">{referral.reference}</bdi>' in html
    assert "المملكة العربية السعودية" in html  # the facility's country, in Arabic
    text = pdf_text(download(login(make_user("counsellor", "PK-ISB")), referral).data)
    assert ARABIC_LETTER.search(text)
    # The reference reads left to right, not reversed, and is the only one on the slip.
    assert REFERENCE.findall(text) == [referral.reference]
    assert client_code(referral) in text


def test_the_slip_is_in_the_referrals_language_whatever_the_interface_language(
        app: Flask, make_referral: Callable[..., Referral]) -> None:
    referral = make_referral()  # Urdu, the fixture's default
    with app.test_request_context("/referrals/?lang=en"):
        html = slip.slip_html(referral)
    assert '<html lang="ur" dir="rtl">' in html
    assert '<bdi lang="ur" dir="rtl">پلاٹ 7' in html  # the MRC's address, in Urdu
    assert "Plot 7" not in html


def test_the_qr_code_holds_the_reference_only(make_referral: Callable[..., Referral]) -> None:
    referral = make_referral()
    assert slip.qr_payload(referral) == referral.reference
    html = slip.slip_html(referral)
    # The slip's only image is the QR code of that payload.
    images = re.findall(r'<img class="qr" src="([^"]+)"', html)
    assert images == [slip.qr_data_uri(referral.reference)]
    assert html.count("<img") == 1


def test_the_referral_page_links_to_the_slip(
        make_referral: Callable[..., Referral], make_user: Any,
        login: Callable[[Any], Any]) -> None:
    referral = make_referral()
    page = login(make_user("counsellor", "PK-ISB")).get(f"/referrals/{referral.id}")
    assert f'href="/referrals/{referral.id}/slip.pdf"' in page.get_data(as_text=True)

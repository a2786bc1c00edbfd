"""The client card prints its MRC's hotline, address and opening hours from the MRC's data,
in the interface language (falling back to English), and never a placeholder."""

from __future__ import annotations

import re

from mrc.extensions import db
from mrc.org.contact import apply_texts
from tests.cases.conftest import text


def card(browser, record, lang):
    return text(browser.get(f"/cases/clients/{record.id}/card?lang={lang}"))


def contact_block(html):
    match = re.search(r'<div class="card-contact">(.*?)</div>', html, re.S)
    assert match, "the card has no contact block"
    return match.group(1)


def test_card_prints_hotline_address_and_hours_in_english(counsellor, make_client):
    record = make_client("PK-ISB")
    db.session.commit()
    block = contact_block(card(counsellor, record, "en"))
    assert '<a href="tel:+92512100100" dir="ltr"><bdi>+92 51 2100100</bdi></a>' in block
    assert '<p lang="en" dir="ltr">Plot 7, Mauve Area, Sector G-9/4, Islamabad</p>' in block
    assert "Opening hours" in block and "Monday to Friday, 09:00–17:00" in block


def test_card_in_an_rtl_language_uses_its_own_texts(counsellor, make_client):
    record = make_client("PK-ISB")
    db.session.commit()
    html = card(counsellor, record, "ur")
    assert 'dir="rtl"' in html.split("<body", 1)[0] + html[:400]  # the page is RTL
    block = contact_block(html)
    assert '<p lang="ur" dir="rtl">پلاٹ 7، ماؤ ایریا، سیکٹر جی-9/4، اسلام آباد</p>' in block
    assert '<bdi lang="ur" dir="rtl">پیر تا جمعہ، صبح 9 بجے سے شام 5 بجے تک</bdi>' in block
    assert "Plot 7" not in block
    assert 'href="tel:+92512100100"' in block


def test_card_in_arabic_falls_back_to_english_marked_as_english(counsellor, make_client):
    # MRC Islamabad has no Arabic text: the English one, marked lang="en" dir="ltr".
    record = make_client("PK-ISB")
    db.session.commit()
    block = contact_block(card(counsellor, record, "ar"))
    assert '<p lang="en" dir="ltr">Plot 7, Mauve Area, Sector G-9/4, Islamabad</p>' in block
    assert '<bdi lang="en" dir="ltr">Monday to Friday, 09:00–17:00</bdi>' in block


def test_card_address_lines_are_kept(counsellor, make_client, network):
    mrc = network["PK-ISB"]
    apply_texts(mrc, {"en": {"address": "Floor 2\nBlue Area", "opening_hours": ""},
                      "ur": {"address": "", "opening_hours": ""}})
    record = make_client("PK-ISB")
    db.session.commit()
    block = contact_block(card(counsellor, record, "en"))
    assert "Floor 2<br>Blue Area" in block
    assert "Opening hours" not in block  # not filled: nothing printed


def test_card_without_contact_data_prints_nothing_and_no_placeholder(counsellor, make_client,
                                                                      network):
    mrc = network["PK-ISB"]
    mrc.hotline = ""
    apply_texts(mrc, {locale: {"address": "", "opening_hours": ""}
                      for locale in ("en", "ur")})
    mrc.contact = "[MRC hotline] · [opening hours]"  # legacy column: never printed
    record = make_client("PK-ISB")
    db.session.commit()
    for lang in ("en", "ar"):
        html = card(counsellor, record, lang)
        assert "card-contact" not in html
        assert "[MRC hotline]" not in html and "[opening hours]" not in html
        assert "tel:" not in html


def test_no_demo_mrc_card_shows_a_placeholder(app, make_user, make_client, network):
    from tests.conftest import TEST_PASSWORD

    for code in network:
        record = make_client(code)
        user = make_user("counsellor", code)
        db.session.commit()
        browser = app.test_client()
        assert browser.post("/login", data={"username": user.username,
                                            "password": TEST_PASSWORD}).status_code == 302
        for lang in ("en", "ar", "ckb"):
            html = card(browser, record, lang)
            assert "[MRC" not in html and "[opening" not in html and "[[" not in html
            assert 'href="tel:+' in contact_block(html)

"""The admin edits an MRC's hotline and, per language, its address and opening hours."""

from __future__ import annotations

import re

from sqlalchemy import select

from mrc.audit.models import AuditEvent
from mrc.config import RTL_LOCALES, SUPPORTED_LOCALES
from mrc.extensions import db
from mrc.org.models import MRC, MRCContactText


def form_data(mrc, **overrides):
    data = {"code": mrc.code, "name": mrc.name, "city": mrc.city,
            "country_id": str(mrc.country_id), "hotline": mrc.hotline}
    for row in mrc.contact_texts:
        data[f"address_{row.locale}"] = row.address
        data[f"opening_hours_{row.locale}"] = row.opening_hours
    data.update(overrides)
    return data


def test_form_has_a_fieldset_per_language_with_lang_and_dir(network, admin):
    mrc = network["IQ-EBL"]
    html = admin.get(f"/admin/mrcs/{mrc.id}/edit").get_data(as_text=True)
    assert html.count('<fieldset class="contact-language">') == len(SUPPORTED_LOCALES)
    assert '<legend lang="ckb">کوردی</legend>' in html
    for locale in SUPPORTED_LOCALES:
        tag, direction = locale.replace("_", "-"), "rtl" if locale in RTL_LOCALES else "ltr"
        for name in ("address", "opening_hours"):
            tag_html = re.search(rf'<[^>]+id="{name}_{locale}"[^>]*>', html).group(0)
            assert f'lang="{tag}"' in tag_html and f'dir="{direction}"' in tag_html
    # Filled from the stored rows (the demo's Kurdish text) and the hotline as stored.
    assert "بینای ٤، شەقامی ١٠٠ مەتری، هەولێر" in html
    assert 'value="+964660000100"' in html and 'type="tel"' in html


def test_admin_sets_hotline_and_texts_per_language(network, admin):
    mrc = network["PK-ISB"]
    data = form_data(mrc, hotline="0300 1234567", address_ar="  مبنى ١\r\n  إسلام آباد ",
                     opening_hours_ar="الاثنين إلى الجمعة", address_ur="", opening_hours_ur="")
    assert admin.post(f"/admin/mrcs/{mrc.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    stored = db.session.get(MRC, mrc.id)
    assert stored.hotline == "+923001234567"
    texts = {row.locale: (row.address, row.opening_hours) for row in stored.contact_texts}
    assert texts["ar"] == ("مبنى ١\nإسلام آباد", "الاثنين إلى الجمعة")
    assert "ur" not in texts  # both emptied: the row is gone
    assert texts["en"][0].startswith("Plot 7")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "mrc")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.detail == ("fields=hotline,address_ur,opening_hours_ur,"
                            "address_ar,opening_hours_ar")
    assert "1234567" not in event.detail


def test_unchanged_form_changes_and_audits_nothing(network, admin):
    mrc = network["BD-DAC"]
    before = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
    assert admin.post(f"/admin/mrcs/{mrc.id}/edit", data=form_data(mrc)).status_code == 302
    assert db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) == before


def test_invalid_hotline_and_overlong_texts_are_refused_at_their_fields(network, admin):
    mrc = network["AF-KBL"]
    data = form_data(mrc, hotline="12", address_ps="ک" * 301, opening_hours_bn="৯" * 201)
    response = admin.post(f"/admin/mrcs/{mrc.id}/edit", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This is not a telephone number in AF." in html
    assert "The address is limited to 300 characters." in html
    assert "The opening hours are limited to 200 characters." in html
    for field_id in ("hotline", "address_ps", "opening_hours_bn"):
        tag_html = re.search(rf'<[^>]+id="{field_id}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in tag_html
    db.session.expire_all()
    stored = db.session.get(MRC, mrc.id)
    assert stored.hotline == "+93202100100"
    assert db.session.get(MRCContactText, (mrc.id, "ps")).address == "کور ۱۲، څلورم سړک، شهر نو، کابل"


def test_hotline_is_read_in_the_mrcs_country(network, admin):
    iraq = network["IQ-BGW"]
    data = form_data(iraq, hotline="0770 123 4567")
    assert admin.post(f"/admin/mrcs/{iraq.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(MRC, iraq.id).hotline == "+9647701234567"
    too_long = admin.post(f"/admin/mrcs/{iraq.id}/edit", data=form_data(iraq, hotline="1" * 40))
    assert too_long.status_code == 400
    assert "The hotline is limited to 32 characters." in too_long.get_data(as_text=True)


def test_new_mrc_with_native_digits_and_no_texts(network, admin):
    pakistan = network["PK-ISB"].country
    data = {"code": "PK-KHI", "name": "MRC Karachi", "city": "Karachi",
            "country_id": str(pakistan.id), "hotline": "۰۲۱ ۱۲۳۴۵۶۷۸"}
    assert admin.post("/admin/mrcs/new", data=data).status_code == 302
    mrc = db.session.scalar(select(MRC).where(MRC.code == "PK-KHI"))
    assert mrc.hotline == "+922112345678" and mrc.contact_texts == []

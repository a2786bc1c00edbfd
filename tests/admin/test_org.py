"""Regions, countries and MRCs administered in the browser."""

import re

from sqlalchemy import select

from mrc.audit.models import AuditEvent
from mrc.extensions import db
from mrc.org.models import MRC, Country, Region


def audit_rows(entity):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.entity == entity)
                              .order_by(AuditEvent.id)).all()


def test_landing_page_shows_counts_and_links(network, admin):
    page = admin.get("/admin/").get_data(as_text=True)
    for endpoint in ("/admin/regions", "/admin/countries", "/admin/mrcs", "/admin/users",
                     "/admin/audit/"):
        assert f'href="{endpoint}' in page or f'href="http://mrc.test{endpoint}' in page
    numbers = re.findall(r'class="tile-number">([^<]+)<', page)
    # regions, countries, active MRCs, active users (the admin) of the reference network
    assert numbers == ["3", "5", "7", "1"]


def test_region_create_edit_and_duplicate(network, admin):
    response = admin.post("/admin/regions/new", data={"code": "gulf", "name": "Gulf"})
    assert response.status_code == 302
    region = db.session.scalar(select(Region).where(Region.code == "GULF"))
    assert region is not None and region.name == "Gulf"
    assert [(e.action, e.entity_id) for e in audit_rows("region")] == [("create", region.id)]

    duplicate = admin.post("/admin/regions/new", data={"code": "SOUTH_ASIA", "name": "Again"})
    assert duplicate.status_code == 400
    body = duplicate.get_data(as_text=True)
    assert "Another region already has this code." in body
    assert 'value="Again"' in body  # what was typed is kept

    response = admin.post(f"/admin/regions/{region.id}/edit",
                          data={"code": "GULF", "name": "Gulf States"})
    assert response.status_code == 302
    assert db.session.get(Region, region.id).name == "Gulf States"
    assert audit_rows("region")[-1].detail == "fields=name"
    assert admin.get("/admin/regions").get_data(as_text=True).count("Gulf States") == 1
    assert admin.get("/admin/regions/999999/edit").status_code == 404


def test_country_code_must_be_iso_and_name_defaults(network, admin):
    region_id = network["PK-ISB"].country.region_id
    bad = admin.post("/admin/countries/new", data={"code": "XX", "name": "", "region_id": region_id})
    assert bad.status_code == 400
    assert "not an ISO 3166 alpha-2 country code" in bad.get_data(as_text=True)
    assert db.session.scalar(select(Country).where(Country.code == "XX")) is None

    response = admin.post("/admin/countries/new",
                          data={"code": "np", "name": "", "region_id": str(region_id)})
    assert response.status_code == 302
    nepal = db.session.scalar(select(Country).where(Country.code == "NP"))
    assert nepal is not None and nepal.name == "Nepal" and nepal.region_id == region_id

    again = admin.post("/admin/countries/new", data={"code": "NP", "region_id": region_id})
    assert again.status_code == 400 and "already in the list" in again.get_data(as_text=True)
    no_region = admin.post("/admin/countries/new", data={"code": "LK", "region_id": ""})
    assert no_region.status_code == 400 and "Choose a region." in no_region.get_data(as_text=True)


def test_country_with_mrcs_keeps_its_code(network, admin):
    pakistan = network["PK-ISB"].country
    response = admin.post(f"/admin/countries/{pakistan.id}/edit",
                          data={"code": "IN", "name": "Pakistan", "region_id": pakistan.region_id})
    assert response.status_code == 400
    assert "cannot be changed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Country, pakistan.id).code == "PK"


def test_mrc_create_validates_code_prefix(network, admin):
    pakistan = network["PK-ISB"].country
    data = {"code": "AF-PSH", "name": "MRC Peshawar", "city": "Peshawar",
            "country_id": str(pakistan.id), "hotline": "051 2345678",
            "opening_hours_en": "Sun–Thu 9–16"}
    wrong_prefix = admin.post("/admin/mrcs/new", data=data)
    assert wrong_prefix.status_code == 400
    body = wrong_prefix.get_data(as_text=True)
    assert "must start with the country code PK" in body
    assert "MRC Peshawar" in body and "051 2345678" in body and "Sun–Thu 9–16" in body

    bad_format = admin.post("/admin/mrcs/new", data={**data, "code": "PK_PSH"})
    assert bad_format.status_code == 400 and "for example PK-ISB" in bad_format.get_data(as_text=True)
    duplicate = admin.post("/admin/mrcs/new", data={**data, "code": "PK-ISB"})
    assert duplicate.status_code == 400
    assert "Another MRC already has this code." in duplicate.get_data(as_text=True)

    response = admin.post("/admin/mrcs/new", data={**data, "code": "pk-psh"})
    assert response.status_code == 302
    mrc = db.session.scalar(select(MRC).where(MRC.code == "PK-PSH"))
    assert mrc is not None and mrc.active and mrc.hotline == "+92512345678"
    assert [(t.locale, t.opening_hours) for t in mrc.contact_texts] == [("en", "Sun–Thu 9–16")]
    listing = admin.get("/admin/mrcs").get_data(as_text=True)
    assert f'id="mrc-{mrc.id}"' in listing and "Pakistan" in listing


def test_mrc_edit_and_deactivate(network, admin):
    mrc = network["IQ-EBL"]
    data = {"code": "IQ-EBL", "name": "MRC Erbil", "city": "Erbil (Hawler)",
            "country_id": str(mrc.country_id), "hotline": mrc.hotline,
            **{f"{name}_{t.locale}": getattr(t, name) for t in mrc.contact_texts
               for name in ("address", "opening_hours")}}
    assert admin.post(f"/admin/mrcs/{mrc.id}/edit", data=data).status_code == 302
    assert audit_rows("mrc")[-1].detail == "fields=city"
    assert admin.post(f"/admin/mrcs/{mrc.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(MRC, mrc.id).active is False
    last = audit_rows("mrc")[-1]
    assert (last.action, last.entity_id, last.mrc_id, last.detail) == (
        "update", mrc.id, mrc.id, "fields=active")
    assert "Reactivate" in admin.get("/admin/mrcs").get_data(as_text=True)
    assert admin.post(f"/admin/mrcs/{mrc.id}/reactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(MRC, mrc.id).active is True


def test_overlong_and_garbage_input_is_a_form_error_not_a_crash(network, admin):
    response = admin.post("/admin/mrcs/new", data={
        "code": "PK-" + "X" * 40, "name": "n" * 500, "country_id": "not-a-number",
        "hotline": "1" * 100, "address_ar": "c" * 1000})
    assert response.status_code == 400
    assert db.session.scalar(select(MRC).where(MRC.name == "n" * 500)) is None
    assert admin.post("/admin/countries/new", data={}).status_code == 400

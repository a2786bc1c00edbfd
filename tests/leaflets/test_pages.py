"""The leaflet library pages: the list, the public online version, PDF downloads and the
"render the whole library" job, for each role."""

from __future__ import annotations

import re
import subprocess
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext

from mrc.extensions import db
from mrc.leaflets.library import load_library
from mrc.leaflets.models import Leaflet as CatalogueRow

CODES = [leaflet.code for leaflet in load_library()]



NEUTRAL_BLOCK = ("Migrant Resource Centres give free and confidential advice on safe migration. "
                 "Ask at the one nearest to you.")


def neutral_block(lang: str) -> str:
    """The contact block of a leaflet without an MRC, in the leaflet's language."""
    from markupsafe import escape

    with force_locale(lang):
        return str(escape(gettext(NEUTRAL_BLOCK)))

def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "download.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return "".join(text.split())


@pytest.mark.parametrize("role", ["counsellor", "manager", "supervisor", "evaluator", "admin"])
def test_library_lists_every_leaflet_for_every_role(make_user, login, role) -> None:
    browser = login(make_user(role))
    page = browser.get("/leaflets/").get_data(as_text=True)
    for code in CODES:
        assert f'href="/leaflets/{code}/ur"' in page
        assert f'href="/leaflets/{code}/bn/A4.pdf"' in page
    assert "Working in Saudi Arabia: what to know" in page
    assert 'href="/leaflets/"' in page  # the navigation link
    can_render = role in ("manager", "admin")
    assert ('action="/leaflets/render"' in page) is can_render


def test_library_titles_follow_the_interface_language(make_user, login) -> None:
    browser = login(make_user("counsellor"))
    page = browser.get("/leaflets/?lang=ur").get_data(as_text=True)
    assert '<html lang="ur" dir="rtl">' in page
    assert '<h2 id="leaflet-L03-recruitment-fees" lang="ur">بھرتی کی فیس: وہ رقم جو آپ کو نہیں دینی چاہیے</h2>' in page


def test_library_and_downloads_need_a_login(client, network) -> None:
    assert client.get("/leaflets/").status_code == 302
    response = client.get("/leaflets/L01-regular-pathways/en/A5.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/leaflets/render").status_code == 302


def test_online_version_is_public_with_the_leaflets_language(client, network) -> None:
    response = client.get("/leaflets/L01-regular-pathways/ps?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="en" dir="ltr">' in page  # the interface
    assert '<article class="leaflet" lang="ps" dir="rtl">' in page  # the leaflet
    assert "بهر ته د کار لپاره تګ: قانوني لاره" in page
    assert 'class="unfilled">[[MRC_NAME]]' in page  # no MRC chosen: visibly open
    assert neutral_block("ps") in page  # the block is in the leaflet's language
    assert ".pdf" not in page  # downloads are for logged-in users
    assert 'hreflang="bn"' in page and 'href="/leaflets/L01-regular-pathways/bn"' in page


def test_online_version_shows_the_mrc_from_the_qr_code(client, network) -> None:
    page = client.get("/leaflets/L04-labour-rights/en?mrc=pk-lhe").get_data(as_text=True)
    assert '<p dir="ltr" class="mrc-name">MRC Lahore</p>' in page
    assert "[[MRC_NAME]]" not in page and "MRC Lahore" in page
    network["PK-LHE"].active = False
    db.session.flush()
    page = client.get("/leaflets/L04-labour-rights/en?mrc=PK-LHE").get_data(as_text=True)
    assert "MRC Lahore" not in page  # a closed MRC is not advertised
    page = client.get("/leaflets/L04-labour-rights/en?mrc=NO-SUCH").get_data(as_text=True)
    assert NEUTRAL_BLOCK in page


@pytest.mark.parametrize("url", ["/leaflets/L99-missing/en", "/leaflets/L01-regular-pathways/de",
                                 "/leaflets/L01-regular-pathways/en/Letter.pdf"])
def test_unknown_leaflet_language_or_size_is_404(make_user, login, url) -> None:
    assert login(make_user("counsellor")).get(url).status_code == 404


def test_withdrawn_leaflet_is_hidden(make_user, login) -> None:
    db.session.add(CatalogueRow(code="L06-remittances", topic="remittances", version="1.0",
                                active=False))
    db.session.flush()
    browser = login(make_user("counsellor"))
    assert "L06-remittances" not in browser.get("/leaflets/").get_data(as_text=True)
    assert browser.get("/leaflets/L06-remittances/en").status_code == 404
    assert browser.get("/leaflets/L06-remittances/en/A5.pdf").status_code == 404


def test_download_carries_the_users_mrc(make_user, login, tmp_path) -> None:
    browser = login(make_user("counsellor", "BD-DAC"))
    response = browser.get("/leaflets/L05-safety-and-health/bn/A5.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=L05-safety-and-health_bn_A5.pdf")
    text = pdf_text(response.data, tmp_path)
    assert "MRCDhaka" in text
    assert "http://localhost:5000/leaflets/L05-safety-and-health/bn?mrc=BD-DAC" in text


def test_download_without_an_mrc_has_a_neutral_block(make_user, login, tmp_path) -> None:
    browser = login(make_user("supervisor", country="PK"))
    response = browser.get("/leaflets/L01-regular-pathways/en/A4.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data, tmp_path)
    assert "MigrantResourceCentresgivefreeandconfidentialadvice" in text
    assert "[[MRC_NAME]]" in text and "?mrc=" not in text


def test_read_page_offers_downloads_to_logged_in_users(make_user, login) -> None:
    page = login(make_user("counsellor")).get("/leaflets/L02-irregular-migration-risks/ckb")
    html = page.get_data(as_text=True)
    assert 'href="/leaflets/L02-irregular-migration-risks/ckb/A5.pdf"' in html
    assert 'href="/leaflets/L02-irregular-migration-risks/ckb/A4.pdf"' in html
    assert "MRC Islamabad" in html  # no ?mrc=: the reader's own MRC


def test_counsellor_cannot_start_the_render_job(make_user, login) -> None:
    browser = login(make_user("counsellor"))
    assert browser.post("/leaflets/render", data={"codes": CODES}).status_code == 403


def test_manager_renders_a_selection_and_downloads_the_zip(app, make_user, login, tmp_path,
                                                          monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MRC_OUTPUT_DIR", str(tmp_path))
    browser = login(make_user("manager", "IQ-EBL"))
    response = browser.post("/leaflets/render", data={
        "codes": ["L07-return-reintegration"], "langs": ["ckb", "ar"], "sizes": ["A5"]})
    assert response.status_code == 302
    status_url = response.headers["Location"]
    assert re.fullmatch(r"/jobs/\d+", status_url)
    status = browser.get(status_url).get_data(as_text=True)  # ran in-process: finished
    assert "Download the result" in status and 'value="100"' in status
    with browser.get(f"{status_url}/download") as download:
        assert download.status_code == 200
        assert download.headers["Content-Disposition"] == (
            "attachment; filename=leaflets-IQ-EBL.zip")
        data = download.data
    with zipfile.ZipFile(BytesIO(data)) as archive:
        assert archive.namelist() == ["L07-return-reintegration_ar_A5.pdf",
                                      "L07-return-reintegration_ckb_A5.pdf"]


def test_render_job_needs_a_selection(app, make_user, login, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MRC_OUTPUT_DIR", str(tmp_path))
    browser = login(make_user("admin", None))
    response = browser.post("/leaflets/render", data={"codes": CODES, "sizes": ["A4"]},
                            follow_redirects=True)
    assert "Choose at least one language." in response.get_data(as_text=True)
    assert list(tmp_path.iterdir()) == []
    response = browser.post("/leaflets/render", data={
        "codes": ["L01-regular-pathways"], "langs": ["xx"], "sizes": ["A4"]},
        follow_redirects=True)
    assert "is not a valid choice" in response.get_data(as_text=True)

"""Leaflets rendered to PDF, checked with poppler (pdfinfo, pdffonts, pdftotext, pdftoppm)
and a QR decoder: every leaflet in every language on A5 (rendered once for the module, in
two worker processes), a sample on A4; and the guards: the restricted URL fetcher and
Markdown that cannot fetch anything."""

from __future__ import annotations

import re
import socket
import subprocess
import unicodedata
from datetime import date
from pathlib import Path
from types import MappingProxyType

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from mrc.leaflets import render
from mrc.leaflets.library import LANGUAGES, Leaflet, load_library
from tests.leaflets.test_pages import neutral_block

LIBRARY = load_library()
CODES = [leaflet.code for leaflet in LIBRARY]
A4_SAMPLE = [("L01-regular-pathways", "en"), ("L03-recruitment-fees", "ur"),
             ("L08-saudi-arabia-guide", "ar"), ("L04-labour-rights", "bn"),
             ("L02-irregular-migration-risks", "ckb")]
PUBLIC = "https://mrc.example.org"
MRC = render.MrcDetails(code="PK-LHE", name="Migrant Resource Centre Lahore", city="Lahore",
                        hotline="+923001234567",
                        addresses=(("en", "12 Mall Road\nLahore"), ("ur", "12 مال روڈ، لاہور")),
                        opening_hours=(("en", "Mon-Fri 9:00-16:00"),
                                       ("ur", "پیر تا جمعہ، 9 سے 4 بجے")))
MRC_PLACEHOLDERS = {"MRC_NAME", "MRC_ADDRESS", "MRC_HOTLINE", "MRC_HOURS"}

EXPECTED_FONT = {"en": "Noto-Sans", "bn": "Noto-Sans-Bengali", "ur": "Noto-Nastaliq-Urdu"}
SCRIPT_RANGES = {
    "en": ((0x41, 0x5A), (0x61, 0x7A)),
    "bn": ((0x0980, 0x09FF),),
} | dict.fromkeys(("fa_AF", "ps", "ur", "ar", "ckb"),
                  ((0x0600, 0x06FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)))
PAGE_POINTS = {"A5": (419.5, 595.3), "A4": (595.3, 841.9)}


def leaflet(code: str) -> Leaflet:
    return next(item for item in LIBRARY if item.code == code)


def run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def pdf_info(path: Path) -> dict[str, str]:
    lines = run("pdfinfo", "-enc", "UTF-8", str(path)).splitlines()
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}


def pdf_fonts(path: Path) -> list[tuple[str, str]]:
    """(font name without subset prefix, "yes"/"no" embedded) per font."""
    lines = run("pdffonts", str(path)).splitlines()
    dashes = lines[1]
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", dashes)]
    fonts = []
    for line in lines[2:]:
        cells = [line[start:end + 1].strip() for start, end in spans]
        fonts.append((cells[0].split("+", 1)[-1], cells[3]))
    return fonts


def pdf_text(path: Path, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return run("pdftotext", "-enc", "UTF-8", *pages, str(path), "-")


def squeeze(text: str) -> str:
    """Compatibility-normalised (Arabic presentation forms → letters), without format
    characters (bidi controls, ZWNJ) and white space: pdftotext splits and marks RTL runs
    its own way."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


def base_letters(text: str) -> str:
    """Without vowel signs and other marks. WeasyPrint maps each glyph to one piece of text
    in the PDF, so a Bengali glyph shared by two clusters is extracted with the marks of
    the other one (দরকার comes out as দিরকার) although it is drawn correctly."""
    return "".join(ch for ch in squeeze(text) if unicodedata.category(ch)[0] != "M")


def script_letters(text: str, lang: str) -> int:
    return sum(1 for ch in text
               if any(lo <= ord(ch) <= hi for lo, hi in SCRIPT_RANGES[lang]) and ch.isalpha())


def decode_qr(path: Path, page: int, tmp: Path) -> list[str]:
    prefix = tmp / f"{path.stem}-qr"
    run("pdftoppm", "-png", "-r", "100", "-f", str(page), "-l", str(page), "-singlefile",
        str(path), str(prefix))
    with Image.open(f"{prefix}.png") as image:
        return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole library on A5 and the A4 sample, for PK-LHE, rendered once."""
    directory = tmp_path_factory.mktemp("leaflet-pdfs")
    specs = render.select_pdfs(sizes=["A5"], library=LIBRARY)
    specs += [render.PdfSpec(leaflet(code), lang, "A4") for code, lang in A4_SAMPLE]
    results = render.render_in_processes(specs, MRC, directory, processes=2, base_url=PUBLIC)
    assert sorted(r.path.name for r in results) == sorted(s.file_name for s in specs)
    assert not list(directory.glob(".partial-*"))
    return directory


MATRIX = [(code, lang, "A5") for code in CODES for lang in LANGUAGES]
MATRIX += [(code, lang, "A4") for code, lang in A4_SAMPLE]


@pytest.mark.parametrize(("code", "lang", "size"), MATRIX)
def test_pdf_of_every_leaflet_and_language(pdfs: Path, code: str, lang: str, size: str) -> None:
    path = pdfs / render.pdf_file_name(code, lang, size)
    item = leaflet(code)

    info = pdf_info(path)
    assert 1 <= int(info["Pages"]) <= 4
    width, height = (float(x) for x in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (width, height) == pytest.approx(PAGE_POINTS[size], abs=1)
    assert unicodedata.normalize("NFC", info["Title"]) == item.titles[lang]

    fonts = pdf_fonts(path)
    assert fonts and all(embedded == "yes" for _name, embedded in fonts), fonts
    assert all(name.startswith("Noto-") for name, _ in fonts), fonts  # no foreign fallback
    expected = EXPECTED_FONT.get(lang, "Noto-Naskh-Arabic")
    assert any(name.removesuffix("-Bold") == expected for name, _ in fonts), fonts

    text = pdf_text(path)
    assert script_letters(text, lang) >= 300
    flat = squeeze(text)
    if lang == "bn":
        assert base_letters(item.titles[lang]) in base_letters(text)
    elif lang != "ur":
        # Nastaliq glyphs are stacked ligatures that poppler cannot map back letter by
        # letter; the Urdu title is checked in the PDF's metadata above.
        assert squeeze(item.titles[lang]) in flat
    assert squeeze(MRC.name) in flat
    used = item.placeholders(lang)
    if "MRC_HOTLINE" in used:
        assert "3001234567" in flat
    for name in used - MRC_PLACEHOLDERS:  # national details an MRC block does not give
        # (pdftotext moves the brackets of an LTR island in RTL text around: name only)
        assert name in flat
    for name in used & MRC_PLACEHOLDERS:
        assert name not in flat
    assert squeeze(f"{code}") in flat  # the version line in the page footer
    assert item.reviewed.isoformat() in text


@pytest.mark.parametrize(("code", "lang", "size"),
                         [(code, lang, "A4") for code, lang in A4_SAMPLE]
                         + [("L06-remittances", lang, "A5") for lang in ("fa_AF", "ps")])
def test_qr_code_on_the_last_page_opens_the_leaflet_online(pdfs: Path, tmp_path: Path,
                                                           code: str, lang: str,
                                                           size: str) -> None:
    path = pdfs / render.pdf_file_name(code, lang, size)
    last = int(pdf_info(path)["Pages"])
    assert decode_qr(path, last, tmp_path) == [f"{PUBLIC}/leaflets/{code}/{lang}?mrc=PK-LHE"]


def test_print_html_has_language_direction_and_qr_url(app) -> None:
    with app.app_context():
        html = render.print_html(leaflet("L01-regular-pathways"), "ur", "A5", None,
                                 base_url=PUBLIC)
    assert '<html lang="ur" dir="rtl" class="page-A5">' in html
    assert '<article class="leaflet" lang="ur" dir="rtl">' in html
    assert f"{PUBLIC}/leaflets/L01-regular-pathways/ur<" in html  # no ?mrc= without an MRC
    assert 'src="data:image/svg+xml' in html
    assert neutral_block("ur") in html


def test_render_leaflet_returns_a_pdf_without_an_mrc(app, tmp_path: Path) -> None:
    with app.app_context():
        path = render.write_leaflet(leaflet("L07-return-reintegration"), "ps", "A5", None,
                                    tmp_path, base_url=PUBLIC)
    assert path.name == "L07-return-reintegration_ps_A5.pdf"
    assert path.read_bytes().startswith(b"%PDF-")
    text = squeeze(pdf_text(path))
    assert "MRC_NAME" in text and "Lahore" not in text
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_rendering_is_deterministic(app) -> None:
    with app.app_context():
        item = leaflet("L05-safety-and-health")
        first = render.render_leaflet(item, "bn", "A5", MRC, base_url=PUBLIC)
        assert render.render_leaflet(item, "bn", "A5", MRC, base_url=PUBLIC) == first


# --- placeholders and Markdown -----------------------------------------------------------

def test_mrc_values_come_from_the_structured_contact_in_the_leaflets_language() -> None:
    assert MRC.placeholder_values("en") == {
        "MRC_NAME": "Migrant Resource Centre Lahore", "MRC_ADDRESS": "12 Mall Road, Lahore",
        "MRC_HOTLINE": "+92 300 1234567", "MRC_HOURS": "Mon-Fri 9:00-16:00"}
    urdu = MRC.placeholder_values("ur")
    assert urdu["MRC_ADDRESS"] == "12 مال روڈ، لاہور"
    assert urdu["MRC_HOURS"] == "پیر تا جمعہ، 9 سے 4 بجے"
    assert urdu["MRC_HOTLINE"] == "+92 300 1234567"
    # No Arabic text: the English one, never an empty or placeholder value.
    assert MRC.placeholder_values("ar")["MRC_HOURS"] == "Mon-Fri 9:00-16:00"
    assert MRC.contact_lines("ur") == ("12 مال روڈ، لاہور", "+92 300 1234567",
                                       "پیر تا جمعہ، 9 سے 4 بجے")


def test_mrc_values_fall_back_to_any_language_and_the_city() -> None:
    details = render.MrcDetails(code="BD-DAC", name="MRC Dhaka", city="Dhaka",
                                opening_hours=(("bn", "রবিবার থেকে বৃহস্পতিবার"),))
    assert details.placeholder_values("en") == {"MRC_NAME": "MRC Dhaka", "MRC_ADDRESS": "Dhaka",
                                                "MRC_HOURS": "রবিবার থেকে বৃহস্পতিবার"}
    bare = render.MrcDetails(code="X", name="MRC")
    assert bare.placeholder_values("en") == {"MRC_NAME": "MRC"}
    assert bare.contact_lines("en") == ()


def test_mrc_details_of_a_row_carry_hotline_and_texts(network) -> None:
    from mrc.org.contact import apply_texts

    mrc = network["PK-ISB"]
    apply_texts(mrc, {"en": {"address": "1 Test Street", "opening_hours": "Always"},
                      "ur": {"address": "", "opening_hours": "ہمیشہ"}})
    details = render.MrcDetails.of(mrc)
    assert details.hotline == mrc.hotline and details.hotline.startswith("+92")
    values = details.placeholder_values("ur")
    assert values["MRC_HOURS"] == "ہمیشہ" and values["MRC_ADDRESS"] == "1 Test Street"


def test_open_placeholders_are_marked_and_filled_ones_isolated() -> None:
    html = render.leaflet_body_html("# T\n\nCall [[MRC_HOTLINE]] or [[EMBASSY_CONTACT]].",
                                    {"MRC_HOTLINE": "0300 1234567"})
    assert html == ('<p>Call \u20680300 1234567\u2069 or \u2068<span class="unfilled">'
                    '[[EMBASSY_CONTACT]]</span>\u2069.</p>\n')


def test_markdown_cannot_link_embed_or_inject() -> None:
    html = render.leaflet_body_html(
        "# T\n\n![x](file:///etc/passwd) [site](http://example.com/x) <http://example.com> "
        '<img src="http://example.com/x.png"> <script>alert(1)</script>\n\n'
        "[ref]: file:///etc/passwd\n", {})
    assert "<img" not in html and "<a" not in html and "<script" not in html
    assert "![x](file:///etc/passwd)" in html and "&lt;img" in html


TAG = re.compile(r"<[^>]*>")


def _blank(value: str) -> bool:
    """Nothing but white space and the renderer's own marks (private-use characters, which
    it removes from every value): such a value fills nothing."""
    return not value.replace("\ue000", "").replace("\ue001", "").strip()


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_a_value_never_changes_the_structure_of_the_leaflet(value: str) -> None:
    text = "# T\n\n## Help\n- [[MRC_NAME]], hotline [[MRC_HOTLINE]]: free advice.\n"
    benign = render.leaflet_body_html(text, {"MRC_NAME": "Name", "MRC_HOTLINE": "1"})
    unfilled = render.leaflet_body_html(text, {})
    other = render.leaflet_body_html(text, {"MRC_NAME": value, "MRC_HOTLINE": value})
    assert TAG.findall(other) == TAG.findall(unfilled if _blank(value) else benign)


def test_a_value_of_the_renderers_marks_alone_is_left_unfilled() -> None:
    html = render.leaflet_body_html("# T\n\nCall [[MRC_HOTLINE]].\n", {"MRC_HOTLINE": "\ue000"})
    assert '<span class="unfilled">' in html and "\ue000" not in html


def test_a_leaflet_with_a_file_image_renders_without_fetching_it(app, tmp_path: Path) -> None:
    text = ("# Test\n\nIntro ![secret](file:///etc/passwd) and "
            "![remote](http://example.com/x.png).\n\n## Help\n- [[MRC_NAME]]\n")
    item = Leaflet(code="L99-test", topic="documents", destinations=(), version="1.0",
                   reviewed=date(2026, 1, 1), titles=MappingProxyType({"en": "Test"}),
                   texts=MappingProxyType({"en": text}))
    with app.app_context():
        pdf = render.render_leaflet(item, "en", "A5", None, base_url=PUBLIC)
    path = tmp_path / "test.pdf"
    path.write_bytes(pdf)
    extracted = pdf_text(path)
    assert "root:" not in extracted
    assert "![secret](file:///etc/passwd)" in extracted


# --- the restricted URL fetcher --------------------------------------------------------

@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the fetcher tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://example.com/x.png",
    "https://example.com/x.css",
    "ftp://example.com/x",
    "file://example.com/etc/passwd",
    (render.STATIC_DIR / ".." / ".." / "pyproject.toml").as_uri(),
    render.STATIC_DIR.as_uri() + "/../../pyproject.toml",
    (render.STATIC_DIR / "missing.css").as_uri(),
    "javascript:alert(1)",
    "about:blank",
])
def test_fetcher_refuses(url: str, no_network: None) -> None:
    with pytest.raises(render.RefusedURL):
        render.RestrictedURLFetcher().fetch(url)


def test_fetcher_refuses_a_symlink_out_of_an_allowed_folder(tmp_path: Path) -> None:
    (tmp_path / "passwd").symlink_to("/etc/passwd")
    with pytest.raises(render.RefusedURL):
        render.RestrictedURLFetcher(roots=[tmp_path]).fetch((tmp_path / "passwd").as_uri())


def test_fetcher_serves_static_files_fonts_and_data(no_network: None) -> None:
    fetcher = render.RestrictedURLFetcher()
    css = fetcher.fetch((render.STATIC_DIR / "leaflet-print.css").as_uri())
    assert css.content_type == "text/css" and b"@page" in css.read()
    font = render.FONT_DIRS[0] / "NotoSans-Regular.ttf"
    assert fetcher.fetch(font.as_uri()).read() == font.read_bytes()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


@pytest.mark.parametrize("html", [
    '<img src="file:///etc/passwd">',
    '<img src="/etc/passwd">',  # relative to the static folder's file: URL
    '<img src="http://example.com/x.png">',
    '<link rel="stylesheet" href="https://example.com/x.css"><p>x</p>',
    '<style>@font-face { font-family: X; src: url(file:///etc/passwd) } p { font-family: X }'
    "</style><p>x</p>",
])
def test_rendering_stops_at_a_refused_url(html: str, no_network: None) -> None:
    with pytest.raises(render.RenderError, match="Error fetching"):
        render.html_to_pdf(f"<!doctype html><html><body>{html}</body></html>")


def test_selection_of_pdfs() -> None:
    assert len(render.select_pdfs(library=LIBRARY)) == len(CODES) * len(LANGUAGES) * 2
    chosen = render.select_pdfs(["L08-saudi-arabia-guide"], ["ar", "bn"], ["A4"], LIBRARY)
    assert [s.file_name for s in chosen] == ["L08-saudi-arabia-guide_bn_A4.pdf",
                                             "L08-saudi-arabia-guide_ar_A4.pdf"]
    with pytest.raises(LookupError, match="L99-nope, xx, Letter"):
        render.select_pdfs(["L99-nope"], ["xx"], ["Letter"], LIBRARY)


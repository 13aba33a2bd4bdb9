"""Badge names in every script, read back from the PDF: the font that drew each letter, the order
the letters stand in from left to right, and the printed shapes against a known-good rendering.

The references are independent of the app's text path: the order is python-bidi's Rust
implementation of UAX #9 (the app uses its Python one), and the shapes are Pillow's rendering of
the same font file through libraqm, which shapes with HarfBuzz, orders with FriBiDi and
rasterises with FreeType (the app uses neither FriBiDi nor FreeType, and PDFium rasterises).
"""
from __future__ import annotations

import ctypes
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import zxingcpp
from bidi import get_display
from PIL import Image, ImageChops, ImageDraw, ImageFont, features

from eventnet.badges import pdf as badges_pdf
from eventnet.badges.pdf import BadgeData
from tests.conftest import ARTIFACTS

DPI = 300
PX = DPI / 72  # pixels per point
MM = 72 / 25.4  # points per millimetre
URL = "https://meet.example.org/b/2f8Qx7TqYcKJm1vW0aZ3Lr9sDe4Nu6Bh"
FONTS = Path(badges_pdf.__file__).parent / "fonts"

# (name, the vendored font that must draw every letter of it)
ONE_SCRIPT = [
    pytest.param("נועה כהן", "NotoSansHebrew-Bold", id="hebrew"),
    pytest.param("ليلى حداد", "NotoSansArabic-Bold", id="arabic"),
    pytest.param("فاطمه رضایی", "NotoSansArabic-Bold", id="persian"),
    pytest.param("प्रिया शर्मा", "NotoSansDevanagari-Bold", id="devanagari"),
    pytest.param("王秀英", "WenQuanYiMicroHei-CJK", id="chinese"),
    pytest.param("佐藤さくら", "WenQuanYiMicroHei-CJK", id="japanese"),
    pytest.param("김민준", "WenQuanYiMicroHei-CJK", id="korean"),
    pytest.param("Zoë Ångström", "DejaVuSans-Bold", id="latin"),
    pytest.param("Ελένη Πάππα", "DejaVuSans-Bold", id="greek"),
    pytest.param("Ольга Ким", "DejaVuSans-Bold", id="cyrillic"),
]


@dataclass
class Glyph:
    char: str
    font: str  # base font name without the subset tag
    origin: float  # x where the glyph's pen position is, points (boxes of joined letters overlap)
    size: float


def _badge(name: str) -> pdfium.PdfDocument:
    # No event name, company or headline: the only text above the QR code is the name.
    return pdfium.PdfDocument(badges_pdf.render_sheet([BadgeData(name, "", "", "ABC1234", URL)], "", "badge"))


def _name_glyphs(page) -> list[Glyph]:
    """The characters PDFium reads back above the QR code (the name), in its text order."""
    textpage = page.get_textpage()
    found = []
    for index in range(pdfium_c.FPDFText_CountChars(textpage)):
        obj = pdfium_c.FPDFText_GetTextObject(textpage, index)
        if not obj:
            continue  # a line break PDFium inserted
        box = [ctypes.c_double() for _ in range(4)]  # left, right, bottom, top
        pdfium_c.FPDFText_GetCharBox(textpage, index, *(ctypes.byref(v) for v in box))
        if box[2].value < 45 * MM:
            continue  # the short code under the QR
        name = ctypes.create_string_buffer(128)
        pdfium_c.FPDFFont_GetBaseFontName(pdfium_c.FPDFTextObj_GetFont(obj), name, 128)
        x, y = ctypes.c_double(), ctypes.c_double()
        pdfium_c.FPDFText_GetCharOrigin(textpage, index, ctypes.byref(x), ctypes.byref(y))
        found.append(Glyph(chr(pdfium_c.FPDFText_GetUnicode(textpage, index)), name.value.decode().split("+")[-1],
                           x.value, pdfium_c.FPDFText_GetFontSize(textpage, index)))
    return found


def _left_to_right(glyphs: list[Glyph]) -> str:
    """The letters as they stand on the page from left to right, spaces left out. The letters of
    one ligature glyph (Arabic lam with alef maksura) share its origin and read back in stored
    order, so those of a right-to-left one count from its right."""
    def key(item: tuple[int, Glyph]) -> tuple[float, int]:
        index, glyph = item
        return round(glyph.origin, 2), -index if unicodedata.bidirectional(glyph.char) in ("R", "AL") else index
    return "".join(g.char for _, g in sorted(enumerate(glyphs), key=key) if not g.char.isspace())


def _ink(image: Image.Image) -> Image.Image:
    """Black-and-white image cropped to its ink: 255 where the ink is."""
    ink = image.convert("L").point(lambda v: 255 if v < 128 else 0)
    return ink.crop(ink.getbbox())


def _compare(printed: Image.Image, reference: Image.Image) -> tuple[float, float]:
    """(width ratio, overlap) of two inked texts: the ratio of their ink widths, and the share of
    ink that both have (intersection over union) once the reference is scaled onto the print."""
    printed, reference = _ink(printed), _ink(reference)
    ratio = printed.width / reference.width
    scaled = reference.resize(printed.size).point(lambda v: 255 if v >= 128 else 0)
    both = ImageChops.logical_and(printed.convert("1"), scaled.convert("1"))
    either = ImageChops.logical_or(printed.convert("1"), scaled.convert("1"))
    return ratio, both.histogram()[255] / either.histogram()[255]


def _printed_name(document) -> Image.Image:
    page = document[0].render(scale=PX).to_pil()
    return page.crop((0, 0, page.width, int((badges_pdf.BADGE_H - 45 * MM) * PX)))


def _reference(name: str, font_file: str, size: float, basic: bool = False) -> Image.Image:
    """`name` drawn by Pillow at `size` pt and DPI: shaped and ordered by libraqm, or, with
    `basic`, letter by letter in stored order, as a renderer without shaping and bidi would."""
    layout = ImageFont.Layout.BASIC if basic else ImageFont.Layout.RAQM
    font = ImageFont.truetype(f"{FONTS}/{font_file}.ttf", size=size * PX, layout_engine=layout)
    # The CJK face has no bold: the badge strokes its outlines SYNTHETIC_BOLD_STROKE of the size
    # wide; Pillow's stroke width is the distance out from the outline, half of that.
    stroke = 0.0
    if "WenQuanYi" in font_file:
        from eventnet.badges.text import SYNTHETIC_BOLD_STROKE
        stroke = SYNTHETIC_BOLD_STROKE * size * PX / 2
    image = Image.new("L", (int(len(name) * size * PX * 1.5) + 40, int(size * PX * 2)), 255)
    ImageDraw.Draw(image).text((20, 10), name, fill=0, font=font, features=None if basic else ["-liga"],
                               stroke_width=stroke, stroke_fill=0)
    return image


def test_levels_order_and_clusters_follow_the_standards():
    from eventnet.badges import text as badge_text

    # UAX #9: in a left-to-right paragraph Hebrew is level 1 and digits after it level 2 (I1);
    # the space between takes the direction around it (N1); a Hebrew paragraph is level 1.
    assert badge_text.embedding_levels("Noa נועה 12", 0) == [0] * 4 + [1] * 5 + [2] * 2
    assert badge_text.embedding_levels("נועה כהן Noa", 1) == [1] * 9 + [2] * 3
    # L2: reverse from the highest level down to the lowest odd one.
    assert badge_text.visual_order([0, 1, 1, 0]) == [0, 2, 1, 3]
    assert badge_text.visual_order([1, 2, 2, 1]) == [3, 1, 2, 0]
    # A line is cut only between clusters: not inside प्रि (pa, virama, ra, vowel sign i), nor
    # between a letter and its combining accent.
    assert badge_text.clusters("प्रिया") == ["प्रि", "या"]
    assert badge_text.clusters("Zoe\u0301") == ["Z", "o", "e\u0301"]
    assert badges_pdf._clip_text("प्रिया शर्मा प्रिया शर्मा", True, 24, 120) == "प्रिया शर्मा…"


def test_the_reference_renderer_shapes_and_orders():
    assert features.check("raqm"), "Pillow needs libraqm (and libfribidi) for the reference renderings"


@pytest.mark.parametrize("name, font_file", ONE_SCRIPT)
def test_a_name_in_one_script_prints_shaped_in_order_with_its_own_font(name, font_file):
    assert badges_pdf.missing_glyphs(name) == ""
    document = _badge(name)
    glyphs = _name_glyphs(document[0])
    size = glyphs[0].size
    assert size >= 24 and len({round(g.size, 1) for g in glyphs}) == 1  # one line, large

    if not any(0xE000 <= ord(g.char) <= 0xF8FF for g in glyphs):  # Devanagari conjuncts read back as private use
        assert _left_to_right(glyphs) == get_display(name).replace(" ", "")  # right to left where it should be

    printed = _printed_name(document)
    ratio, overlap = _compare(printed, _reference(name, font_file, size))
    assert 0.97 <= ratio <= 1.03 and overlap >= 0.85, (ratio, overlap)  # the shapes a shaping renderer draws
    if font_file.startswith(("NotoSansHebrew", "NotoSansArabic", "NotoSansDevanagari")):
        # Where shaping or order matters, the print is far from letter-by-letter drawing, so
        # the comparison above does tell joined from unjoined, shaped from not, and order.
        naive_ratio, naive_overlap = _compare(printed, _reference(name, font_file, size, basic=True))
        assert naive_overlap < overlap - 0.15 or not 0.97 <= naive_ratio <= 1.03, (naive_ratio, naive_overlap)

    assert {g.font for g in glyphs if not g.char.isspace()} == {font_file.replace("-CJK", "")}, glyphs
    image = document[0].render(scale=200 / 72).to_pil().convert("L")
    assert [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)] == [URL]


@pytest.mark.parametrize("name, fonts, visual", [
    pytest.param("Noa Cohen נועה", {"Noa": "DejaVuSans-Bold", "נועה": "NotoSansHebrew-Bold"}, "NoaCohenהעונ",
                 id="latin-then-hebrew"),
    pytest.param("נועה כהן Noa", {"Noa": "DejaVuSans-Bold", "כהן": "NotoSansHebrew-Bold"}, "Noaןהכהעונ",
                 id="hebrew-then-latin"),
    pytest.param("Omar عمر خالد", {"Omar": "DejaVuSans-Bold", "خالد": "NotoSansArabic-Bold"}, "Omarدلاخرمع",
                 id="latin-then-arabic"),
    pytest.param("李伟 Li Wei", {"李伟": "WenQuanYiMicroHei", "Wei": "DejaVuSans-Bold"}, "李伟LiWei",
                 id="chinese-then-latin"),
    pytest.param("Priya प्रिया", {"Priya": "DejaVuSans-Bold", "या": "NotoSansDevanagari-Bold"}, None,
                 id="latin-then-devanagari"),
])
def test_a_name_in_several_scripts_prints_each_run_in_its_font_in_visual_order(name, fonts, visual):
    assert badges_pdf.missing_glyphs(name) == ""
    glyphs = _name_glyphs(_badge(name)[0])
    if visual is not None:
        assert _left_to_right(glyphs) == visual == get_display(name).replace(" ", "")
    for word, font in fonts.items():
        letters = [g for g in glyphs if g.char in word]
        assert letters and {g.font for g in letters} == {font}, (word, letters)
    assert len({round(g.size, 1) for g in glyphs}) == 1  # measured as a whole: one line, one size


def test_long_names_in_any_script_wrap_then_shrink_and_stay_inside_the_badge():
    names = ["אלכסנדרה בת-שבע רוזנבלום-גולדשטיין מירושלים", "عبد الرحمن بن محمد بن عبد العزيز آل سعود",
             "सुब्रह्मण्यम चन्द्रशेखर वेंकटरमन अय्यर", "ウィリアムズ・アレクサンダー・ジョナサン・クリストファー"]
    for name in names:
        glyphs = _name_glyphs(_badge(name)[0])
        sizes = {round(g.size, 1) for g in glyphs}
        assert len(sizes) == 1 and badges_pdf.NAME_MIN <= sizes.pop() <= badges_pdf.NAME_WRAPPED, name
        inside = badges_pdf.PADDING - 1, badges_pdf.BADGE_W - badges_pdf.PADDING + 1
        assert all(inside[0] <= g.origin <= inside[1] for g in glyphs), name


def test_every_script_on_one_sheet_for_the_eye():
    """A sheet with a name in every script, saved as PNG to look at (test-artifacts/screenshots)."""
    people = [
        ("נועה כהן", "מעבדות אלפא", "מהנדסת תוכנה"), ("Noa Cohen נועה", "Wix", "Frontend engineer"),
        ("محمد عبد الله", "شركة النور", "مهندس بيانات"), ("فاطمه رضایی", "دیجی‌کالا", "مدیر محصول"),
        ("王秀英", "阿里巴巴", "数据工程师"), ("佐藤 さくら", "株式会社ソニー", "エンジニア"),
        ("김민준", "삼성전자", "소프트웨어 엔지니어"), ("प्रिया शर्मा", "इन्फोसिस", "डेटा वैज्ञानिक"),
        ("Zoë Ευάγγελος Дмитрий", "Ångström AB", "Инженер"), ("李伟 Li Wei", "Tencent 腾讯", "PM"),
        ("Omar عمر خالد", "Careem", "Backend"), ("Ada Nwosu", "Company 1", "Senior engineer, data platform"),
    ]
    pdf = badges_pdf.render_sheet([BadgeData(n, c, h, "ABCD7EF", URL) for n, c, h in people], "Konferenz für Ünïcode 2026")
    document = pdfium.PdfDocument(pdf)
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(len(document)):
        document[index].render(scale=150 / 72).to_pil().save(folder / f"badges-every-script-{index + 1}.png")
    words = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document))).split()
    for name, _, _ in people:
        if not any("\u0900" <= c <= "\u097f" for c in name):  # conjuncts read back as private use
            assert all(word in words for word in name.split()), name  # copy and search find the names
    assert all(badges_pdf.unprintable(*person) == "" for person in people)


def test_what_no_font_has_is_named_exactly_on_the_badges_page(client, make_event, make_attendee, login):
    event = make_event(slug="scripts", name="Scripts")
    organizer = make_attendee(event, email="o@example.org", name="Maren Lindqvist", role="organizer")
    for i, name in enumerate(["王秀英", "김민준", "प्रिया शर्मा", "فاطمه رضایی", "נועה כהן", "Ольга Ким"]):
        make_attendee(event, email=f"s{i}@example.org", name=name)
    make_attendee(event, email="u@example.org", name="Ada 🦄 Nwosu", headline="Reads 𐀀 (Linear B)")
    login(client, organizer)
    page = client.get("/e/scripts/organizer/badges").get_data(as_text=True)
    assert "cannot print" in page
    notice = page[page.index("cannot print"):page.index("</ul>", page.index("cannot print"))]
    assert "Ada 🦄 Nwosu" in notice and 'data-unprintable="U+1F984"' in notice and 'data-unprintable="U+10000"' in notice
    for name in ["王秀英", "김민준", "प्रिया शर्मा", "فاطمه رضایی", "נועה כהן", "Ольга Ким"]:
        assert name not in notice
    assert badges_pdf.unprintable("Ada 🦄 Nwosu", "", "Reads 𐀀") == "𐀀🦄"  # sorted by code point


def test_badges_page_lists_unprintable_characters_on_a_phone(live_server, phone, make_event, make_attendee):
    from playwright.sync_api import expect

    from eventnet.auth.services import create_login_link
    from eventnet.extensions import db
    from tests.conftest import screenshot

    event = make_event(slug="glyphs", name="Glyphs")
    organizer = make_attendee(event, email="o@example.org", name="Maren Lindqvist", role="organizer")
    make_attendee(event, email="n@example.org", name="נועה כהן", company="王秀英 Studio")
    make_attendee(event, email="u@example.org", name="Ada 🦄 Nwosu", headline="Reads 𐀀 and 𐀁 (Linear B)")
    with live_server.app.app_context():
        link = create_login_link(db.session.merge(organizer), "/e/glyphs/organizer/badges")
        db.session.commit()
    page = phone
    page.goto(link.url)
    page.get_by_role("button", name="Log in").click()
    notice = page.get_by_role("status").filter(has_text="cannot print")
    expect(notice).to_be_visible()
    expect(notice.get_by_role("listitem")).to_have_count(1)  # the Hebrew and Chinese details print
    expect(notice.get_by_role("listitem")).to_contain_text("Ada 🦄 Nwosu: 𐀀 U+10000, 𐀁 U+10001, 🦄 U+1F984")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "organizer-badges-unprintable-360")

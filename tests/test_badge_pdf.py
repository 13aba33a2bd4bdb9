"""The badge sheet PDF, parsed back: pages, fonts and sizes, and every QR decoded by a real reader."""
import ctypes
import io
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import zxingcpp

from eventnet.badges.services import badge_url
from eventnet.extensions import db
from eventnet.badges import pdf as badges_pdf
from tests.conftest import csrf_token

MM = 72 / 25.4  # points per millimetre
DPI = 200


@pytest.fixture
def event_with_people(make_event, make_attendee, login, client):
    event = make_event(slug="org", name="Konferenz für Ünïcode 2026")
    organizer = make_attendee(event, email="maren@example.org", name="Maren Lindqvist", role="organizer", company="Host")
    names = [
        "Ada Nwosu", "Łukasz Żółkiewski", "Ευάγγελος Παπαδόπουλος", "Дмитрий Иванов", "Zoë Ångström",
        "Maximilian Alexander Konstantin von Hohenzollern-Sigmaringen", "Bartholomew-Montgomery-Fitzwilliam-Smythe",
        "Li Wei", "Ola", "Priya Raghunathan", "Kenji Watanabe", "Søren Kierkegaard",
    ]
    people = [make_attendee(event, email=f"p{i}@example.org", name=n, company=f"Company {i}") for i, n in enumerate(names)]
    login(client, organizer)
    return event, [organizer] + people


def render(pdf: bytes):
    document = pdfium.PdfDocument(pdf)
    return document, [document[i].render(scale=DPI / 72).to_pil().convert("L") for i in range(len(document))]


def decoded(images):
    found = []
    for page_no, image in enumerate(images):
        for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
            found.append((page_no, result))
    return found


def width_mm(result) -> float:
    pos = result.position
    return (pos.top_right.x - pos.top_left.x) / DPI * 25.4


def test_a4_sheet_every_qr_decodes_to_its_owners_url(client, event_with_people):
    event, people = event_with_people
    response = client.get("/e/org/organizer/badges.pdf?paper=a4")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    document, images = render(response.data)
    assert len(document) == 3  # 13 badges, six per page
    assert [round(v) for v in document[0].get_size()] == [595, 842]  # A4 in points
    found = decoded(images)
    assert sorted(r.text for _, r in found) == sorted(badge_url(p) for p in people)
    for _, result in found:
        assert 27 <= width_mm(result) <= 29.5  # the symbol is 28 mm: readable at arm's length
    # the quiet zone: four modules of white all around every symbol
    for page_no, result in found:
        pos, image = result.position, images[page_no]
        module = (pos.top_right.x - pos.top_left.x) / 33
        margin = int(module * 3.5)
        x0, y0, x1, y1 = pos.top_left.x, pos.top_left.y, pos.bottom_right.x, pos.bottom_right.y
        for x in range(int(x0 - margin), int(x1 + margin)):
            assert image.getpixel((x, int(y0 - margin))) > 200 and image.getpixel((x, int(y1 + margin))) > 200


def test_names_short_codes_and_non_latin_text_are_real_text(client, event_with_people):
    event, people = event_with_people
    document, _ = render(client.get("/e/org/organizer/badges.pdf").data)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    flat = " ".join(text.split())
    joined = "".join(text.replace("\ufffe", "-").split())  # long names break at spaces and after hyphens
    for person in people:
        assert "".join(person.name.split()) in joined, person.name  # Greek, Cyrillic, Polish come back as written
        assert person.short_code in flat
        assert person.company in flat
    assert flat.count("Konferenz für Ünïcode 2026") == len(people)


def _name_sizes(pdf: bytes) -> dict[str, float]:
    """The font size and weight of the first letter of each badge's name."""
    document = pdfium.PdfDocument(pdf)
    sizes = {}
    for i in range(len(document)):
        textpage = document[i].get_textpage()
        count = pdfium_c.FPDFText_CountChars(textpage)
        chars = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, j)) for j in range(count))
        for name in ("Ada", "Ola", "Maximilian", "Bartholomew", "Ευάγγελος"):
            start = chars.find(name)
            if start >= 0:
                size = pdfium_c.FPDFText_GetFontSize(textpage, start)
                weight = pdfium_c.FPDFText_GetFontWeight(textpage, start)
                box = [ctypes.c_double() for _ in range(4)]
                end = start + len(name) - 1
                pdfium_c.FPDFText_GetCharBox(textpage, end, *(ctypes.byref(v) for v in box))
                sizes[name] = (size, weight, box[1].value)  # right edge of the word's last letter
    document.close()
    return sizes


def test_names_are_large_bold_and_long_ones_shrink_to_fit(client, event_with_people):
    pdf = client.get("/e/org/organizer/badges.pdf?paper=letter").data
    document = pdfium.PdfDocument(pdf)
    assert [round(v) for v in document[0].get_size()] == [612, 792]  # US Letter
    sizes = _name_sizes(pdf)
    for name in ("Ada", "Ola", "Ευάγγελος"):
        size, weight, _ = sizes[name]
        assert size >= 24, (name, size)  # readable at two metres
        assert weight >= 600, (name, weight)  # bold
    page_w = document[0].get_size()[0]
    left_margin = (page_w - 2 * badges_pdf.BADGE_W) / 2
    for name in ("Maximilian", "Bartholomew"):  # 60 letters; one 41-letter hyphenated word
        size, weight, right = sizes[name]
        assert badges_pdf.NAME_MIN <= size < 24 and weight >= 600, (name, size)
        assert right <= left_margin + 2 * badges_pdf.BADGE_W  # inside the badge, not over its edge


def test_selection_single_badge_and_bad_paper(client, event_with_people):
    event, people = event_with_people
    ada, ola = people[1], people[9]
    pdf = client.get(f"/e/org/organizer/badges.pdf?paper=a4&ids={ada.id}&ids={ola.id}&ids=junk").data
    _, images = render(pdf)
    assert sorted(r.text for _, r in decoded(images)) == sorted([badge_url(ada), badge_url(ola)])

    search = client.get("/e/org/organizer/badges.pdf?q=company 1").data  # Company 1, 10, 11
    assert len(decoded(render(search)[1])) == 3

    single = client.get(f"/e/org/organizer/attendees/{ada.id}/badge.pdf")
    assert single.status_code == 200
    document, images = render(single.data)
    assert len(document) == 1
    width, height = document[0].get_size()
    assert (round(width / MM), round(height / MM)) == (95, 80)  # the page is the badge
    assert [r.text for _, r in decoded(images)] == [badge_url(ada)]

    assert client.get("/e/org/organizer/badges.pdf?paper=a3").status_code == 400
    other = people[0]
    assert client.get("/e/org/organizer/attendees/999999/badge.pdf").status_code == 404
    assert other.id


def test_reissued_badge_prints_the_new_url(client, event_with_people):
    event, people = event_with_people
    ada = people[1]
    old_url = badge_url(ada)
    token = csrf_token(client, "/e/org/organizer/attendees")
    client.post(f"/e/org/organizer/attendees/{ada.id}/reissue-badge", data={"csrf_token": token})
    db.session.expire_all()
    fresh = db.session.get(type(ada), ada.id)
    texts = [r.text for _, r in decoded(render(client.get(f"/e/org/organizer/attendees/{ada.id}/badge.pdf").data)[1])]
    assert texts == [badge_url(fresh)] and texts != [old_url]


def test_badges_page_says_how_long_and_sets_the_download_cookie(client, event_with_people):
    page = client.get("/e/org/organizer/badges").get_data(as_text=True)
    assert "All 13 attendees" in page and "takes about 1 second" in page
    assert 'data-generating="' in page and "js/organizer.js" in page
    token = re.search(r'name="download_token" value="([^"]+)"', page).group(1)
    response = client.get(f"/e/org/organizer/badges.pdf?paper=a4&download_token={token}")
    assert f"badge_download={token}" in response.headers["Set-Cookie"]
    assert client.get("/e/org/organizer/badges?q=nobody-matches").status_code == 200


def test_empty_sheet_and_the_cli(app, runner, make_event, make_attendee, tmp_path):
    event = make_event(slug="cli")
    pdf = badges_pdf.render_sheet([], event.name)
    assert len(pdfium.PdfDocument(pdf)) == 1
    result = runner.invoke(args=["badges", "pdf", "cli", str(tmp_path / "none.pdf")])
    assert result.exit_code == 1 and "Nobody to print" in result.output
    people = [make_attendee(event, name=f"Person {i}") for i in range(7)]
    result = runner.invoke(args=["badges", "pdf", "cli", str(tmp_path / "b.pdf"), "--paper", "letter"])
    assert result.exit_code == 0, result.output
    assert "7 badges on 2 pages" in result.output
    document = pdfium.PdfDocument(io.BytesIO((tmp_path / "b.pdf").read_bytes()))
    assert len(document) == 2
    found = decoded([document[i].render(scale=DPI / 72).to_pil().convert("L") for i in range(2)])
    assert sorted(r.text for _, r in found) == sorted(badge_url(p) for p in people)
    assert runner.invoke(args=["badges", "pdf", "nope", str(tmp_path / "x.pdf")]).exit_code == 1


def test_missing_glyphs_are_reported(client, event_with_people, make_attendee):
    assert badges_pdf.missing_glyphs("Zoë Ευάγγελος Дмитрий 李伟 김민준 נועה محمد प्रिया") == ""
    assert badges_pdf.missing_glyphs("𐀁 Linear B 𐀀") == "𐀀𐀁"  # no vendored font has Linear B
    event, _ = event_with_people
    make_attendee(event, name="李伟 Li Wei")
    assert "cannot print" not in client.get("/e/org/organizer/badges").get_data(as_text=True)
    make_attendee(event, name="Ada Lovelace", company="𐀀 Labs")
    page = client.get("/e/org/organizer/badges").get_data(as_text=True)
    assert "Ada Lovelace" in page and "cannot print" in page and "U+10000" in page

"""The event's look (issue 13): an accent colour checked for WCAG contrast, and a logo
re-encoded like photos, on the pages, in the emails and on the badges.

Colours are checked against WCAG 2.x's own numbers; files go through the real upload route
(multipart, CSRF token and all) and are read back from the database; the email goes through a
real SMTP server; the badge sheet is rendered to pixels.
"""
from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from conftest import csrf_token
from PIL import ExifTags, Image, ImageDraw
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from eventnet.branding import colors, services
from eventnet.branding.colors import AccentRefused
from eventnet.branding.models import EventLogo
from eventnet.events.models import Event
from eventnet.extensions import db

LOOK = "/e/conf/organizer/look"
ACCENT = "/e/conf/organizer/look/accent"
LOGO = "/e/conf/organizer/look/logo"
REMOVE = "/e/conf/organizer/look/logo/remove"


# ----------------------------------------------------------------------------- the colour rule

@pytest.mark.parametrize("first, second, ratio", [
    ("#767676", "#ffffff", 4.54),  # the lightest grey that passes AA on white
    ("#000000", "#ffffff", 21.0),
    ("#ffffff", "#ffffff", 1.0),
    ("#0000ff", "#ffffff", 8.59),
    ("#777777", "#ffffff", 4.48),  # one step lighter than #767676: fails
    ("#ff0000", "#ffffff", 4.0),
])
def test_contrast_ratio_matches_wcag_values(first, second, ratio):
    assert round(colors.contrast_ratio(first, second), 2) == ratio
    assert colors.contrast_ratio(second, first) == colors.contrast_ratio(first, second)


def test_relative_luminance_follows_the_wcag_definition():
    assert colors.relative_luminance("#000000") == 0.0
    assert colors.relative_luminance("#ffffff") == pytest.approx(1.0)
    # Green weighs most (0.7152), blue least (0.0722).
    assert colors.relative_luminance("#00ff00") == pytest.approx(0.7152)
    assert colors.relative_luminance("#0000ff") == pytest.approx(0.0722)


@pytest.mark.parametrize("typed, stored", [
    ("#0B57D0", "#0b57d0"), ("0b57d0", "#0b57d0"), ("  #7b2cbf ", "#7b2cbf"), ("#000", "#000000"),
    ("#e4002b", "#e4002b"), ("", ""), ("   ", ""),
])
def test_good_colours_are_accepted_and_normalised(typed, stored):
    assert colors.check_accent(typed) == stored


@pytest.mark.parametrize("typed", ["blue", "#12345", "#gggggg", "rgb(0,0,0)", "#0b57d0; } body { x", "url(x)"])
def test_what_is_not_a_colour_is_refused(typed):
    with pytest.raises(AccentRefused) as refused:
        colors.check_accent(typed)
    assert refused.value.code == "not_a_color" and refused.value.suggestion is None


@pytest.mark.parametrize("typed", ["#ffff00", "#f0f0f0", "#00a86b", "#ff6600", "#8ab4f8"])
def test_too_light_colours_are_refused_with_the_nearest_passing_shade_of_the_same_hue(typed):
    with pytest.raises(AccentRefused) as refused:
        colors.check_accent(typed)
    error = refused.value
    assert error.code == "too_light" and error.status == 422
    assert "4.5:1" in error.message and error.suggestion in error.message
    suggestion = error.suggestion
    assert colors.worst_contrast(suggestion, colors.LIGHT_SURFACES) >= 4.5
    assert colors.check_accent(suggestion) == suggestion  # the suggestion is accepted as it is
    # Nearest: one HSL step lighter would fail, and the hue is kept.
    import colorsys

    def hls(color):
        return colorsys.rgb_to_hls(*(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)))

    assert colors.worst_contrast(colors._with_lightness(typed, hls(suggestion)[1] + 0.01), colors.LIGHT_SURFACES) < 4.5
    if hls(typed)[2] > 0.05:  # a grey has no hue to keep
        assert abs(hls(suggestion)[0] - hls(typed)[0]) < 0.02


def test_yellow_gets_an_olive_and_light_grey_a_mid_grey():
    for typed, expected in (("#ffff00", "#757500"), ("#f0f0f0", "#717171")):
        with pytest.raises(AccentRefused) as refused:
            colors.check_accent(typed)
        assert refused.value.suggestion == expected


@pytest.mark.parametrize("color", ["#0b57d0", "#000000", "#e4002b", "#7b2cbf", "#757500", "#004d40", "#c14d00"])
def test_every_colour_that_passes_gives_aa_in_light_and_dark_mode(color):
    accent = colors.accent_colors(color)
    assert accent.light == color
    for surface in colors.LIGHT_SURFACES:
        assert colors.contrast_ratio(accent.light, surface) >= 4.5  # links, text (SC 1.4.3)
    assert colors.contrast_ratio(accent.light, accent.light_text) >= 4.5  # button labels
    for surface in colors.DARK_SURFACES:
        assert colors.contrast_ratio(accent.dark, surface) >= colors.DARK_TARGET
    assert colors.contrast_ratio(accent.dark, accent.dark_text) >= 4.5
    assert colors.relative_luminance(accent.dark) > colors.relative_luminance(accent.light)  # made lighter


def test_the_theme_stylesheet_holds_only_normalised_colours():
    css = colors.theme_css(colors.accent_colors("#7b2cbf"))
    assert "--accent: #7b2cbf;" in css and "--accent-text: #ffffff;" in css
    assert "prefers-color-scheme: dark" in css
    assert set(re.findall(r"#[0-9a-f]{6}", css)) == {"#7b2cbf", "#ffffff", "#b785e3", "#0f1115"}
    bad = colors.Accent("#7b2cbf;}body{", "#fff", "#000000", "#ffffff", 1, 1)
    with pytest.raises(ValueError):
        colors.theme_css(bad)


# ----------------------------------------------------------------------------- images

def png_logo(size=(900, 300), *, background=None) -> bytes:
    """A red disc and a dark bar on transparency (or on `background`), as a designer exports."""
    image = Image.new("RGBA", size, background or (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((w // 30, h // 10, w // 30 + int(h * 0.8), h - h // 10), fill=(200, 30, 60, 255))
    draw.rectangle((w * 0.36, h * 0.33, w * 0.97, h * 0.66), fill=(20, 20, 20, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Scannermaker"
    exif[ExifTags.Base.Artist] = "SECRET-ARTIST"
    exif[ExifTags.Base.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0)}
    image = Image.new("RGB", (800, 400), (255, 255, 255))
    ImageDraw.Draw(image).rectangle((100, 100, 700, 300), fill=(11, 87, 208))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes(), comment=b"made at the agency")
    body = out.getvalue()
    assert b"SECRET-ARTIST" in body and b"made at the agency" in body
    return body


def png_header_only(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of width x height, built chunk by chunk: tiny on disk, huge decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes((width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def png_chunks(data: bytes) -> set[bytes]:
    """The kinds of chunk a PNG holds, read by its structure (length, kind, data, CRC)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    kinds, at = set(), 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        kinds.add(kind)
        at += 12 + length
    return kinds


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="600" height="200">'
       b'<script>alert(document.cookie)</script><rect width="600" height="200" fill="red"/></svg>')


# ----------------------------------------------------------------------------- through the app

@pytest.fixture
def world(make_event, make_attendee):
    event = make_event(slug="conf", name="Rail Data Summit")
    other = make_event(slug="other", name="Other Summit")
    return {
        "event": event, "other": other,
        "olu": make_attendee(event, "olu@example.org", "Olu Organizer", role="organizer"),
        "ada": make_attendee(event, "ada@example.org", "Ada Lovelace"),
        "sam": make_attendee(other, "sam@example.org", "Sam Stranger", role="organizer"),
        "bea": make_attendee(other, "bea@example.org", "Bea Other"),
    }


def event_row(slug: str = "conf") -> Event:
    db.session.expire_all()
    return db.session.execute(db.select(Event).filter_by(slug=slug)).scalar_one()


def logo_row(slug: str = "conf") -> EventLogo | None:
    return services.logo_row(event_row(slug), with_data=True)


def upload(client, body: bytes, filename="logo.png", mimetype="image/png", token: str | None = None):
    fields = {"logo": FileStorage(io.BytesIO(body), filename, content_type=mimetype),
              "csrf_token": token or csrf_token(client, LOOK)}
    boundary, encoded = encode_multipart(fields)
    return client.post(LOGO, data=encoded, content_type=f"multipart/form-data; boundary={boundary}")


def save_accent(client, value: str):
    return client.post(ACCENT, data={"accent_color": value, "csrf_token": csrf_token(client, LOOK)})


def test_an_organizer_sets_a_colour_and_a_too_light_one_is_refused_with_a_one_click_fix(client, login, world):
    login(client, world["olu"])
    refused = save_accent(client, "#ffff00")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "too light" in page and "4.5:1" in page and 'aria-invalid="true"' in page
    # The suggestion is a button of its own that posts the passing shade.
    assert re.search(r'name="accent_color" value="#757500">\s*<button type="submit" class="secondary">', page)
    assert event_row().accent_color == ""
    assert save_accent(client, "#757500").status_code == 303
    assert event_row().accent_color == "#757500"
    assert save_accent(client, "javascript:alert(1)").status_code == 422
    assert event_row().accent_color == "#757500"
    # Empty is the default blue again, and the audit log says who changed what.
    assert save_accent(client, "").status_code == 303
    assert event_row().accent_color == ""
    audit = client.get("/e/conf/organizer/audit").get_data(as_text=True)
    assert "Accent colour" in audit and "#757500" in audit


def test_attendee_pages_of_a_branded_event_carry_its_logo_and_accent_and_others_do_not(client, login, world):
    services.set_accent(world["event"], world["olu"], "#7b2cbf")
    services.set_logo(world["event"], world["olu"], png_logo())
    login(client, world["ada"])
    home = client.get("/e/conf/").get_data(as_text=True)
    event = event_row()
    css_url = f"/theme/7b2cbf.css?rule={services.THEME_RULE}"
    assert f'<link rel="stylesheet" href="{css_url}">' in home
    assert '<meta name="theme-color" content="#7b2cbf">' in home
    logo_url = f"/e/conf/logo/{event.logo_key}.png"
    # The logo beside the name: alt="" because the link's text is the event's name.
    assert re.search(rf'<a class="brand with-logo" href="/e/conf/" title="Rail Data Summit">'
                     rf'<img class="brand-logo" src="{re.escape(logo_url)}" alt="" width="112" height="32">'
                     rf'<span class="brand-name">Rail Data Summit</span></a>', home), home[:3000]
    css = client.get(css_url)
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "--accent: #7b2cbf;" in css.get_data(as_text=True) and "--accent: #b785e3;" in css.get_data(as_text=True)
    assert "immutable" in css.headers["Cache-Control"]
    # The login page (nobody logged in) shows them too: the event's own front door.
    anonymous = client.application.test_client().get("/e/conf/login").get_data(as_text=True)
    assert logo_url in anonymous and css_url in anonymous
    # Another event's pages are untouched.
    other = client.application.test_client().get("/e/other/login").get_data(as_text=True)
    assert "/theme/" not in other and "brand-logo" not in other
    assert '<meta name="theme-color" content="#0b57d0">' in other
    # A colour no page could use is no stylesheet.
    assert client.get("/theme/ffff00.css").status_code == 404
    assert client.get("/theme/zzzzzz.css").status_code == 404


def test_a_logo_is_trimmed_bounded_transparent_and_served_with_an_etag(client, login, world):
    login(client, world["olu"])
    response = upload(client, png_logo((2400, 900)))
    assert response.status_code == 303
    row = logo_row()
    assert row.content_type == "image/png"
    with Image.open(io.BytesIO(row.data)) as image:
        assert image.format == "PNG" and image.mode == "RGBA"
        assert image.width <= 600 and image.height <= 200 and (image.width, image.height) == (row.width, row.height)
        # Trimmed to the mark (2248 x 720 px of the 2400 x 900 canvas), its aspect kept.
        assert (image.width, image.height) == (600, 192)
        assert image.getpixel((image.width - 1, 0))[3] == 0  # transparency kept
        assert image.getpixel((image.width // 8, image.height // 2))[:3] == (200, 30, 60)
    url = f"/e/conf/logo/{event_row().logo_key}.png"
    served = client.get(url)
    assert served.status_code == 200 and served.data == row.data and served.mimetype == "image/png"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    again = client.get(url, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # A new logo is a new URL; the old one answers 404 at once.
    assert upload(client, png_logo((600, 200))).status_code == 303
    assert client.get(url).status_code == 404
    new_url = f"/e/conf/logo/{event_row().logo_key}.png"
    assert client.get(new_url).status_code == 200
    # Another event's slug with this key: nothing.
    assert client.get(new_url.replace("/e/conf/", "/e/other/")).status_code == 404
    # Removed: 404, and the header shows the name alone.
    assert client.post(REMOVE, data={"csrf_token": csrf_token(client, LOOK)}).status_code == 303
    assert client.get(new_url).status_code == 404
    assert logo_row() is None and event_row().logo_key is None
    assert "brand-logo" not in client.get("/e/conf/organizer/look").get_data(as_text=True)


def test_exif_comments_and_everything_but_pixels_are_stripped(client, login, world):
    login(client, world["olu"])
    assert upload(client, jpeg_with_exif(), "logo.jpg", "image/jpeg").status_code == 303
    row = logo_row()
    with Image.open(io.BytesIO(row.data)) as image:
        assert image.format == "PNG" and image.mode == "RGB"  # no alpha in a JPEG: none added
        assert len(image.getexif()) == 0
        assert not {"exif", "icc_profile", "comment", "xmp", "dpi"} & set(image.info)
    for secret in (b"SECRET-ARTIST", b"Scannermaker", b"made at the agency", b"Exif", b"eXIf", b"tEXt", b"iTXt"):
        assert secret not in row.data
    # Only the chunks a bare PNG needs: no eXIf, tEXt, iTXt, zTXt, iCCP, pHYs, tIME.
    assert png_chunks(row.data) <= {b"IHDR", b"PLTE", b"IDAT", b"IEND"}


@pytest.mark.parametrize("body, filename, mimetype, status, words", [
    (SVG, "logo.svg", "image/svg+xml", 422, "SVG is not accepted"),
    (b"%PDF-1.7 not a logo", "logo.pdf", "application/pdf", 422, "not an image we can use"),
    (b"", "empty.png", "image/png", 422, "Choose a logo file first"),
    (png_header_only(20_000, 20_000), "bomb.png", "image/png", 422, "too many pixels"),
    (png_logo()[:400], "cut.png", "image/png", 422, "could not be read to the end"),
    (png_logo((12, 12)), "tiny.png", "image/png", 422, "too small"),
])
def test_hostile_and_unusable_files_are_refused_with_a_message(client, login, world, body, filename, mimetype, status,
                                                               words):
    login(client, world["olu"])
    response = upload(client, body, filename, mimetype)
    assert response.status_code == status
    assert words in response.get_data(as_text=True)
    assert logo_row() is None and event_row().logo_key is None


def test_a_fully_transparent_image_is_no_logo(client, login, world):
    out = io.BytesIO()
    Image.new("RGBA", (600, 200), (0, 0, 0, 0)).save(out, "PNG")
    login(client, world["olu"])
    response = upload(client, out.getvalue())
    assert response.status_code == 422 and "entirely transparent" in response.get_data(as_text=True)


def test_a_file_over_the_limit_is_refused_with_the_logo_message(client, login, world):
    from eventnet.branding.images import MAX_BYTES

    login(client, world["olu"])
    token = csrf_token(client, LOOK)
    response = upload(client, b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES + 200_000), token=token)
    assert response.status_code == 413 and "A logo needs far less" in response.get_data(as_text=True)


def test_only_this_events_organizers_may_change_its_look(app, client, login, world):
    """An attendee of the event: 403. An organizer of another event is not logged in here at all:
    sent to this event's login. Either way nothing changes."""
    services.set_logo(world["event"], world["olu"], png_logo())
    key = event_row().logo_key
    for who, expected in (("ada", 403), ("sam", 303)):
        visitor = login(app.test_client(), world[who])
        token = csrf_token(visitor, "/e/conf/" if who == "ada" else "/e/other/")
        fields = {"logo": FileStorage(io.BytesIO(png_logo((600, 200))), "x.png", content_type="image/png"),
                  "csrf_token": token}
        boundary, encoded = encode_multipart(fields)
        answers = [
            visitor.get(LOOK),
            visitor.post(LOGO, data=encoded, content_type=f"multipart/form-data; boundary={boundary}"),
            visitor.post(REMOVE, data={"csrf_token": token}),
            visitor.post(ACCENT, data={"accent_color": "#000000", "csrf_token": token}),
        ]
        for answer in answers:
            assert answer.status_code == expected, (who, answer.status_code)
            if expected == 303:
                assert "/e/conf/login" in answer.headers["Location"]
    assert event_row().logo_key == key and event_row().accent_color == ""
    # Without a CSRF token even the organizer changes nothing.
    olu = login(app.test_client(), world["olu"])
    assert olu.post(REMOVE).status_code == 400
    assert event_row().logo_key == key


def test_logo_uploads_are_rate_limited_per_browser(app_factory, login, world):
    limited = app_factory(RATE_LIMITS={"logo_upload": "2 per hour"})
    with limited.app_context():
        client = login(limited.test_client(), world["olu"])
        assert upload(client, png_logo()).status_code == 303
        assert upload(client, png_logo()).status_code == 303
        response = upload(client, png_logo())
        assert response.status_code == 429 and "Retry-After" in response.headers


# ----------------------------------------------------------------------------- email

def test_a_login_email_over_real_smtp_carries_the_logo_inline_and_the_accent(app_factory, smtp_server, world):
    from eventnet.mail.services import send_due

    services.set_accent(world["event"], world["olu"], "#7b2cbf")
    services.set_logo(world["event"], world["olu"], png_logo())
    logo = logo_row()
    smtp_app = app_factory(SMTP_URL=smtp_server.url)
    with smtp_app.app_context():
        client = smtp_app.test_client()
        token = csrf_token(client, "/e/conf/login")
        assert client.post("/e/conf/login", data={"email": "ada@example.org", "csrf_token": token}).status_code == 303
        assert send_due() == 1
    [msg] = smtp_server.messages()
    assert msg.get_content_type() == "multipart/alternative"
    text_part = msg.get_body(("plain",))
    html_part = msg.get_body(("html",))
    related = next(part for part in msg.walk() if part.get_content_type() == "multipart/related")
    images = [part for part in related.iter_parts() if part.get_content_maintype() == "image"]
    assert len(images) == 1
    image = images[0]
    assert image.get_content_type() == "image/png" and image.get_content_disposition() == "inline"
    assert image.get_content() == logo.data
    cid = image["Content-ID"].strip("<>")
    html = html_part.get_content()
    assert f'src="cid:{cid}"' in html and 'alt="Rail Data Summit"' in html
    # The accent on the button and the link, white on it; no remote image anywhere.
    assert "background:#7b2cbf;color:#ffffff;" in html and "color:#7b2cbf;word-break" in html
    assert not re.search(r'<img[^>]+src="https?:', html)
    assert "http" not in " ".join(re.findall(r"url\([^)]*\)", html))
    # The text part is the same as an unbranded event's: no logo, no colour.
    text = text_part.get_content()
    assert "cid:" not in text and "#7b2cbf" not in text and "Rail Data Summit" in text


def test_an_email_queued_before_the_logo_was_removed_goes_without_a_broken_image(app, world):
    from eventnet.mail.models import OutboxMessage
    from eventnet.mail.outbox import build_message, queue_email

    services.set_logo(world["event"], world["olu"], png_logo())
    row = queue_email(to="ada@example.org", subject="Hi", template="login_link",
                      context={"event": event_row(), "attendee": world["ada"], "url": "https://x/login/abc",
                               "code": "123456", "minutes": 15, "desk": False},
                      kind="test_kind", event_id=world["event"].id)
    db.session.commit()
    assert "cid:" in row.html_body
    services.remove_logo(event_row(), world["olu"])
    msg = build_message(db.session.get(OutboxMessage, row.id))
    html = msg.get_body(("html",)).get_content()
    assert "cid:" not in html and "<img" not in html
    assert not [part for part in msg.walk() if part.get_content_maintype() == "image"]


# ----------------------------------------------------------------------------- badges

def test_the_badge_sheet_prints_the_logo_once_and_an_accent_band_on_every_badge(client, login, world):
    import pypdfium2 as pdfium

    services.set_accent(world["event"], world["olu"], "#e4002b")
    services.set_logo(world["event"], world["olu"], png_logo())
    login(client, world["olu"])
    response = client.get("/e/conf/organizer/badges.pdf?paper=a4")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.data
    # One image XObject (and its soft mask for the transparency), drawn through one form by
    # every badge: the PDF does not grow with a copy of the logo per badge.
    assert len(re.findall(rb"/Subtype\s*/Image", pdf)) == 2
    assert b"/SMask" in pdf
    document = pdfium.PdfDocument(pdf)
    try:
        bitmap = document[0].render(scale=2)
        try:
            page = bitmap.to_pil().convert("RGB")
        finally:
            bitmap.close()
    finally:
        document.close()
    from eventnet.badges import pdf as badges_pdf

    scale = 2
    left, bottom = badges_pdf._origin(badges_pdf.A4)
    band_y = badges_pdf.A4[1] - (bottom + 3 * badges_pdf.BADGE_H - badges_pdf.BAND_INSET - badges_pdf.BAND_HEIGHT / 2)
    red = page.getpixel((int((left + 40) * scale), int(band_y * scale)))
    assert all(abs(a - b) < 12 for a, b in zip(red, (0xE4, 0x00, 0x2B))), red
    # The logo's red disc, bottom left of the first badge.
    logo_y = badges_pdf.A4[1] - (bottom + 2 * badges_pdf.BADGE_H + badges_pdf.PADDING + badges_pdf.LOGO_HEIGHT / 2)
    disc_x = left + badges_pdf.PADDING + badges_pdf.LOGO_HEIGHT * 0.45
    disc = page.getpixel((int(disc_x * scale), int(logo_y * scale)))
    assert all(abs(a - b) < 20 for a, b in zip(disc, (200, 30, 60))), disc
    from conftest import ARTIFACTS

    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    page.save(ARTIFACTS / "screenshots" / "branding-badges-a4.png")


def test_an_unbranded_event_prints_its_badges_as_before(client, login, world):
    login(client, world["olu"])
    pdf = client.get("/e/conf/organizer/badges.pdf?paper=a4").data
    assert b"/Subtype /Image" not in pdf and b"eventLogo" not in pdf

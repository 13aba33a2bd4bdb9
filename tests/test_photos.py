"""Profile photos: hostile files through the real upload route, sharing, caching, export, deletion.

Every file here goes through the route a phone posts to (multipart, CSRF token and all) and is
read back from the database, so what is proved is what is stored and served.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import struct
import zlib

import pytest
from conftest import csrf_token
from PIL import ExifTags, Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from eventnet.attendees.cards import public_card
from eventnet.attendees.models import Attendee
from eventnet.extensions import db
from eventnet.photos import images
from eventnet.photos.models import ProfilePhoto
from eventnet.photos.services import inline_photo

PROFILE = "/e/conf/profile"
UPLOAD = "/e/conf/profile/photo"
REMOVE = "/e/conf/profile/photo/remove"


@pytest.fixture
def zoe(make_event, make_attendee):
    event = make_event(slug="conf")
    return make_attendee(event, "zoe@example.org", "Zoë Ångström")


def reload(attendee: Attendee) -> Attendee:
    db.session.expire_all()
    return db.session.get(Attendee, attendee.id)


def stored(attendee: Attendee) -> ProfilePhoto | None:
    db.session.expire_all()
    return db.session.get(ProfilePhoto, attendee.id)


def upload(client, body: bytes, filename: str = "photo.jpg", mimetype: str = "image/jpeg", *, token: str | None = None,
           **headers):
    """POST a file to the upload route as a phone's browser does (multipart, with the CSRF token)."""
    fields = {"photo": FileStorage(io.BytesIO(body), filename, content_type=mimetype)}
    if token != "":
        fields["csrf_token"] = token or csrf_token(client, PROFILE)
    # Encoded here, in memory: the test client's own encoder spools large bodies to a temporary
    # file that it never closes (a ResourceWarning, which this suite treats as an error).
    boundary, encoded = encode_multipart(fields)
    return client.post(UPLOAD, data=encoded, content_type=f"multipart/form-data; boundary={boundary}",
                       headers=headers)


# ----------------------------------------------------------------------------- hostile files

def halves_jpeg(size=(1200, 800), **save) -> bytes:
    """A JPEG whose top half is red and bottom half blue, as the sensor stored it."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (0, size[1] // 2, size[0], size[1]))
    out = io.BytesIO()
    image.save(out, "JPEG", **{"quality": 90, **save})
    return out.getvalue()


def noise_jpeg(size=(1600, 1200)) -> bytes:
    """A JPEG as large as a real photo of its size (noise does not compress)."""
    out = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(out, "JPEG", quality=92)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """What a phone sends: EXIF with a GPS position, camera make, model and serial, a "rotate 90°
    clockwise" orientation (6), and a JPEG comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phonemaker"
    exif[ExifTags.Base.Model] = "Phone 15 Pro"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (13.0, 24.0, 36.0),
    }
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = "SN-4242-SECRET"
    body = halves_jpeg(exif=exif.tobytes(), comment=b"taken at home")
    # The file really carries all of it before the upload.
    with Image.open(io.BytesIO(body)) as check:
        gps = check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert gps[ExifTags.GPS.GPSLatitudeRef] == "N" and check.getexif()[ExifTags.Base.Orientation] == 6
    assert b"SN-4242-SECRET" in body and b"taken at home" in body
    return body


def test_a_phone_photo_is_stored_upright_square_small_and_without_any_metadata(client, login, zoe):
    login(client, zoe)
    response = upload(client, jpeg_with_gps())
    assert response.status_code == 303 and response.headers["Location"] == PROFILE
    row = stored(zoe)
    assert row is not None and row.content_type == "image/jpeg"
    assert (row.width, row.height) == (512, 512) and row.size == len(row.data) < 60_000
    assert row.sha256 == hashlib.sha256(row.data).hexdigest()
    with Image.open(io.BytesIO(row.data)) as image:
        assert image.format == "JPEG" and image.size == (512, 512)
        assert len(image.getexif()) == 0 and image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert not {"exif", "icc_profile", "comment", "xmp", "photoshop"} & set(image.info)
        # Rotated as the EXIF said: the stored top (red) is the visual right, the bottom (blue) the left.
        left, right = image.getpixel((60, 256)), image.getpixel((450, 256))
    assert left[2] > 150 and left[0] < 80, left
    assert right[0] > 150 and right[2] < 80, right
    for secret in (b"Exif", b"SN-4242", b"Phonemaker", b"taken at home", b"GPS"):
        assert secret not in row.data
    # Only the JPEG segments a bare baseline file needs: no APP1 (EXIF/XMP), APP2 (ICC), COM.
    markers = set(re.findall(rb"\xff([\xe1-\xef\xfe])", row.data[: row.data.index(b"\xff\xda")]))
    assert markers == set(), markers


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG of width x height 1-bit pixels, all black, built chunk by chunk (decoded it
    would be width * height bytes in Pillow's "1" mode, and three times that as RGB)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes((width + 7) // 8)  # filter byte, then the packed bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _status_kb(name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {name} in /proc/self/status")


def peak_rss_growth_kb(action) -> tuple[object, int]:
    """Run action(); how far this process's resident memory peaked above where it started (kB).

    Linux keeps the peak (VmHWM); writing 5 to /proc/self/clear_refs resets it to the current
    size, so the peak read afterwards is this action's alone (the test client runs the request
    in this process).
    """
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
        clear.write("5")
    before = _status_kb("VmRSS")
    result = action()
    return result, _status_kb("VmHWM") - before


PEAKS: dict[str, int] = {}


def test_a_20000_by_20000_png_is_refused_before_decoding_with_bounded_memory(client, login, zoe, capsys):
    body = png_header_only(20_000, 20_000)
    assert len(body) < 100_000  # 400 million pixels in ~50 KB: the classic decompression bomb
    login(client, zoe)
    csrf_token(client, PROFILE)  # warm up: templates compiled, connections open
    response, growth = peak_rss_growth_kb(lambda: upload(client, body, "bomb.png", "image/png"))
    assert response.status_code == 422
    assert "too many pixels" in response.get_data(as_text=True)
    assert stored(zoe) is None
    # Decoded, it would be 400 MB in mode "1" and 1.2 GB as RGB; refused, it costs next to nothing.
    assert growth < 20_000, f"peak RSS grew by {growth} kB"
    with capsys.disabled():
        print(f"\n[photos] 20000x20000 PNG upload: peak RSS +{growth} kB")

    # Below Pillow's own bomb guard (89 MP) but above ours (20 MP for PNG): our check refuses it.
    response = upload(client, png_header_only(5_000, 5_000), "big.png", "image/png")
    assert response.status_code == 422 and "too many pixels" in response.get_data(as_text=True)


def test_a_real_12_megapixel_phone_jpeg_is_decoded_scaled_down(client, login, zoe, capsys):
    """The control for the figure above: a 4000 x 3000 photo, decoded at 1/4 scale by libjpeg."""
    body = noise_jpeg((4000, 3000))
    login(client, zoe)
    csrf_token(client, PROFILE)
    response, growth = peak_rss_growth_kb(lambda: upload(client, body))
    assert response.status_code == 303
    row = stored(zoe)
    assert (row.width, row.height) == (512, 512)
    # Decoded whole it would take 36 MB (4000 x 3000 x 3 bytes), besides the 5 MB upload itself.
    assert growth < 30_000, f"peak RSS grew by {growth} kB"
    with capsys.disabled():
        print(f"\n[photos] 12 MP JPEG ({len(body) // 1024} KB) upload: peak RSS +{growth} kB, "
              f"stored {row.size} bytes")


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="512" height="512">'
       b'<script>alert(document.cookie)</script><circle cx="256" cy="256" r="200"/></svg>')


@pytest.mark.parametrize("body, filename, mimetype, message", [
    (b"Dear diary, this is not a photo.\n" * 40, "holiday.jpg", "image/jpeg", "not a photo we can use"),
    (SVG, "face.svg", "image/svg+xml", "not a photo we can use"),
    (SVG, "face.jpg", "image/jpeg", "not a photo we can use"),
    (b"GIF89a" + bytes(200), "face.gif", "image/gif", "not a photo we can use"),
    (noise_jpeg()[:150_000], "cut.jpg", "image/jpeg", "incomplete or damaged"),
    (halves_jpeg((60, 200)), "tiny.jpg", "image/jpeg", "too small"),
    (b"", "empty.jpg", "image/jpeg", "Choose a photo first"),
])
def test_files_that_are_not_usable_photos_are_refused_with_a_message(client, login, zoe, body, filename, mimetype,
                                                                     message):
    login(client, zoe)
    response = upload(client, body, filename, mimetype)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'<p class="field-error" id="p-photo-error">[^<]*{re.escape(message)}', page), page[-3000:]
    assert 'aria-invalid="true"' in re.search(r'<input type="file"[^>]*>', page).group(0)
    assert stored(zoe) is None and reload(zoe).photo_key is None

    # htmx: the photo field alone, with the same message.
    response = upload(client, body, filename, mimetype, **{"HX-Request": "true"})
    assert response.status_code == 422
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="photo-field"') and message in fragment


def test_a_truncated_jpeg_is_refused_by_the_pipeline_not_a_500():
    whole = noise_jpeg()
    with pytest.raises(images.PhotoRefused) as refused:
        images.process_photo(whole[: len(whole) // 2])
    assert refused.value.code == "damaged"


def test_an_upload_over_the_size_limit_answers_413_with_a_page_and_with_the_field(client, login, zoe):
    login(client, zoe)
    huge = b"\xff\xd8\xff\xe0" + bytes(images.MAX_BYTES + 200_000)
    response = upload(client, huge)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "That photo is too large" in page and "larger than 10 MB" in page and "<html" in page
    fragment = upload(client, huge, **{"HX-Request": "true"})
    assert fragment.status_code == 413
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="photo-field"')
    assert "larger than 10 MB" in fragment.get_data(as_text=True)
    assert stored(zoe) is None
    # The limit is the photo route's own: the rest of the app keeps its 2 MB.
    other = client.post(PROFILE, data={"x": "y" * (3 * 1024 * 1024)})
    assert other.status_code == 413 and "photo" not in other.get_data(as_text=True)


def test_transparent_png_and_webp_are_flattened_to_jpeg():
    for kind in ("PNG", "WEBP"):
        image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
        out = io.BytesIO()
        image.save(out, kind)
        photo = images.process_photo(out.getvalue())
        assert (photo.width, photo.height) == (200, 200)  # never scaled up
        with Image.open(io.BytesIO(photo.data)) as result:
            assert result.format == "JPEG" and result.getpixel((100, 100)) == (255, 255, 255)


# ----------------------------------------------------------------------------- sharing


@pytest.fixture
def with_photo(client, login, zoe):
    login(client, zoe)
    assert upload(client, halves_jpeg()).status_code == 303
    return reload(zoe)


def test_a_shared_photo_is_on_the_card_and_served_with_caching(client, app, with_photo):
    zoe = with_photo
    card = public_card(zoe)
    url = card["photo_url"]
    assert re.fullmatch(r"/photos/[A-Za-z0-9_-]{22}\.jpg", url)
    visitor = app.test_client()
    response = visitor.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.data == stored(zoe).data
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Set-Cookie" not in response.headers
    etag = response.headers["ETag"]
    again = visitor.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""

    # The badge page shows it beside the name, to anyone.
    page = visitor.get(f"/b/{zoe.badge_token}").get_data(as_text=True)
    assert f'<img class="avatar avatar-sm" src="{url}"' in page
    # Unknown and malformed keys: 404, nothing to tell them apart.
    for bad in ("/photos/AAAAAAAAAAAAAAAAAAAAAA.jpg", "/photos/x.jpg", f"/photos/{zoe.id}.jpg"):
        assert visitor.get(bad).status_code == 404


def test_an_unshared_photo_is_on_no_card_and_its_url_answers_404(client, app, with_photo):
    zoe = with_photo
    url = public_card(zoe)["photo_url"]
    zoe.shared_fields = [field for field in zoe.shared_fields if field != "photo"]
    db.session.commit()
    assert "photo_url" not in public_card(reload(zoe))
    assert app.test_client().get(url).status_code == 404
    assert inline_photo(reload(zoe)) is None
    page = app.test_client().get(f"/b/{zoe.badge_token}").get_data(as_text=True)
    assert "<img" not in page and 'class="avatar avatar-sm avatar-hue-' in page  # initials
    # I still see my own photo on my profile, through my own URL.
    own = client.get(f"/e/conf/profile/photo.jpg?v={zoe.photo_key}")
    assert own.status_code == 200 and own.headers["Cache-Control"] == "private, no-cache"
    assert app.test_client().get("/e/conf/profile/photo.jpg").status_code == 303  # to the login page
    # Shared again: the same URL answers again.
    zoe.shared_fields = sorted({*zoe.shared_fields, "photo"})
    db.session.commit()
    assert app.test_client().get(url).status_code == 200


def test_a_replaced_photo_gets_a_new_url_and_the_old_one_answers_404(client, app, with_photo):
    old_url = public_card(with_photo)["photo_url"]
    assert upload(client, jpeg_with_gps()).status_code == 303
    new_url = public_card(reload(with_photo))["photo_url"]
    assert new_url != old_url
    visitor = app.test_client()
    assert visitor.get(old_url).status_code == 404
    assert visitor.get(new_url).status_code == 200


def test_removing_the_photo_brings_the_initials_back(client, app, with_photo):
    url = public_card(with_photo)["photo_url"]
    response = client.post(REMOVE, data={"csrf_token": csrf_token(client, PROFILE)})
    assert response.status_code == 303
    assert "Photo removed" in client.get(PROFILE).get_data(as_text=True)
    assert stored(with_photo) is None and reload(with_photo).photo_key is None
    assert "photo_url" not in public_card(reload(with_photo))
    assert app.test_client().get(url).status_code == 404


def test_the_scan_answer_carries_the_photo(client, make_attendee, with_photo):
    from eventnet.connections.services import record_scan

    scanner = make_attendee(with_photo.event, "yann@example.org", "Yann")
    result = record_scan(scanner, with_photo.badge_token, "0b6f8f0e-1d7c-4a54-9e43-6d2f8a4c2b12", None)
    assert result.card["photo_url"] == public_card(with_photo)["photo_url"]


def test_inline_photo_for_the_digest(app, with_photo):
    photo = inline_photo(with_photo)
    assert photo is not None and photo.content_type == "image/jpeg"
    # A small copy for a 40 px face, not the 512 px original, and as bare as it.
    with Image.open(io.BytesIO(photo.data)) as thumb:
        assert thumb.size == (images.EMAIL_SIZE, images.EMAIL_SIZE) and not thumb.getexif()
    assert len(photo.data) < len(stored(with_photo).data) / 4
    assert re.fullmatch(r"photo-[0-9a-f]{24}@eventnet\.test", photo.content_id)
    assert inline_photo(None) is None


def test_the_data_download_holds_the_photo(client, with_photo):
    body = json.loads(client.get("/e/conf/contacts/export.json").get_data(as_text=True))
    photo = body["profile"]["photo"]
    data = base64.b64decode(photo["data_base64"])
    assert data == stored(with_photo).data and hashlib.sha256(data).hexdigest() == photo["sha256"]
    assert photo["content_type"] == "image/jpeg" and photo["shared"] is True
    assert (photo["width"], photo["height"], photo["size"]) == (512, 512, len(data))


def test_deleting_the_account_deletes_the_photo(client, app, with_photo):
    url = public_card(with_photo)["photo_url"]
    response = client.post("/e/conf/my-data/delete",
                           data={"csrf_token": csrf_token(client, "/e/conf/my-data"), "confirm": "DELETE"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.execute(db.select(ProfilePhoto)).scalars().all() == []
    assert app.test_client().get(url).status_code == 404


def test_only_the_logged_in_owner_changes_a_photo_and_csrf_is_checked(app, client, login, zoe, make_event,
                                                                      make_attendee):
    body = halves_jpeg()
    response = upload(app.test_client(), body, token="")
    assert response.status_code in (302, 303, 400) and stored(zoe) is None

    # Someone of another event, logged in there, is not logged in here.
    stranger = make_attendee(make_event(slug="other"), "x@example.org", "Other Event Person")
    other = login(app.test_client(), stranger)
    response = upload(other, body, token=csrf_token(other, "/e/other/profile"))
    assert response.status_code == 303 and "/e/conf/login" in response.headers["Location"]
    assert stored(zoe) is None

    # A colleague of the same event changes only their own photo: the route names no one else.
    yann = make_attendee(zoe.event, "yann@example.org", "Yann")
    colleague = login(app.test_client(), yann)
    assert upload(colleague, body).status_code == 303
    assert stored(yann) is not None and stored(zoe) is None

    login(client, zoe)
    assert upload(client, body).status_code == 303
    no_token = client.post(REMOVE)
    assert no_token.status_code == 400 and stored(zoe) is not None
    assert upload(client, body, token="").status_code == 400


def test_uploads_are_rate_limited_per_browser(app, client, login, zoe):
    """Each upload is decoded and re-encoded: a script looping on the route gets 429, not our CPU."""
    app.config["RATE_LIMITS"] = {"photo_upload": "2 per hour"}
    login(client, zoe)
    assert upload(client, halves_jpeg()).status_code in (200, 303)
    assert upload(client, halves_jpeg()).status_code in (200, 303)
    refused = upload(client, halves_jpeg())
    assert refused.status_code == 429
    assert refused.headers.get("Retry-After")

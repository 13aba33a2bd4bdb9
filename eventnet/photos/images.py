"""Turning an uploaded file into a profile photo: checked, decoded safely, square, small, bare.

Plain functions on bytes (no Flask, no database), so the rules can be tested on hostile files
directly. What comes in is whatever a phone or a script sends; what goes out is always a
baseline JPEG of at most SIZE x SIZE pixels, sRGB, with no metadata at all (no EXIF, so no GPS
position or camera serial number; no XMP, no comments, no ICC profile).

Memory is bounded before any pixel is decoded (eventnet.uploaded_images, shared with logos): Pillow's open() reads only the header, the
pixel count is checked against the format's limit, and a JPEG is decoded at a reduced scale
(libjpeg's DCT scaling, Image.draft) that is already close to SIZE, so a 50 MP photo costs a
few MB, not 150 MB.
"""
from __future__ import annotations

import io

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from ..errors import DomainError
from ..uploaded_images import StoredImage, opened, upright_srgb

SIZE = 512  # px, the square we store: sharp at 170 CSS px on a 3x screen, ~40-70 KB as JPEG
MIN_SIDE = 96  # px; below this a face is a smudge even at 40 px on a 2x screen
MAX_BYTES = 10 * 1024 * 1024  # an upload; a 12 MP phone JPEG is 2-6 MB
# Pixels a format may have before it is decoded. JPEG is decoded scaled down (see above), so a
# photo from a 50 MP phone camera is fine; PNG and WebP have no such shortcut and are decoded
# whole (4 bytes a pixel), so they stop at 20 MP (80 MB while decoding).
JPEG_QUALITY = 85
CONTENT_TYPE = "image/jpeg"  # JPEG, not WebP: every mail client and address book shows it


class PhotoRefused(DomainError):
    """An upload that cannot become a profile photo; the message says what to do instead."""

    MESSAGES = {
        "no_file": (422, _l("Choose a photo first.")),
        "too_large": (413, _l("That photo is larger than %(megabytes)s MB. Choose a smaller copy (a screenshot of it works too).",
                              megabytes=MAX_BYTES // 1024 // 1024)),
        "not_an_image": (422, _l("That file is not a photo we can use. Choose a JPEG, PNG or WebP image "
                                 "(iPhone HEIC photos are sent as JPEG when you pick them here).")),
        "damaged": (422, _l("That photo could not be read to the end: the file is incomplete or damaged. "
                            "Try taking or choosing it again.")),
        "too_many_pixels": (422, _l("That image has too many pixels to handle safely. Choose a normal photo "
                                    "(a phone's standard camera setting) or a smaller copy.")),
        "too_small": (422, _l("That image is too small to show a face: choose one at least %(side)s x %(side)s px.",
                             side=MIN_SIDE)),
    }


def _decoded(image: Image.Image) -> Image.Image:
    """The pixels, upright, sRGB and RGB, transparency laid on white (it would turn black in JPEG)."""
    pixels = upright_srgb(image, PhotoRefused, (SIZE, SIZE))
    if pixels.mode == "RGBA":
        background = Image.new("RGB", pixels.size, (255, 255, 255))
        background.paste(pixels, mask=pixels.getchannel("A"))
        return background
    return pixels


def process_photo(data: bytes) -> StoredImage:
    """An uploaded file's bytes -> a square JPEG without metadata; PhotoRefused with a code.

    Codes: no_file (empty), too_large (over MAX_BYTES), not_an_image (not JPEG/PNG/WebP: text,
    SVG, HEIC, GIF...), too_many_pixels (over MAX_PIXELS for its format, checked before
    decoding), too_small (a side under MIN_SIDE), damaged (truncated or corrupt pixel data).
    The result is centre-cropped to a square and scaled down to at most SIZE px (never up).
    """
    if not data:
        raise PhotoRefused("no_file")
    if len(data) > MAX_BYTES:
        raise PhotoRefused("too_large")
    with opened(data, PhotoRefused, MIN_SIDE) as image:
        pixels = _decoded(image)
    side = min(SIZE, *pixels.size)
    square = ImageOps.fit(pixels, (side, side), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    # Every operation above copies the original's `info` along, and Pillow's JPEG writer takes
    # some of it from there (the COM comment, at least): with it emptied and no exif=,
    # icc_profile= or comment= given, the file is a bare JFIF (tests/test_photos.py reads the
    # stored bytes back to prove it).
    square.info = {}
    out = io.BytesIO()
    square.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    body = out.getvalue()
    return StoredImage.of(body, side, side, CONTENT_TYPE)


EMAIL_SIZE = 96  # px: a 40 CSS px face, sharp on a 2x screen; about 3 KB as JPEG


def email_thumbnail(data: bytes) -> bytes:
    """A stored photo (process_photo's JPEG) as the small JPEG an email carries inline.

    A digest shows a face at 40 px: attaching the 512 px original to every digest it appears
    in would make a 30-contact digest over a megabyte. Decoded at reduced scale (draft), so it
    costs about a millisecond; the result has no metadata, like its source.
    """
    with Image.open(io.BytesIO(data), formats=("JPEG",)) as image:
        image.draft("RGB", (EMAIL_SIZE, EMAIL_SIZE))
        small = image.convert("RGB")
    small.thumbnail((EMAIL_SIZE, EMAIL_SIZE), Image.Resampling.LANCZOS)
    small.info = {}
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


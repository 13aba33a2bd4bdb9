"""Turning an uploaded file into the event's logo: checked, decoded safely, trimmed, small, bare.

Opened and decoded as profile photos are (eventnet.uploaded_images): plain functions on bytes;
only the JPEG, PNG and WebP plugins are tried (no SVG, which can carry scripts, nor GIF, TIFF, PSD,
EPS); the pixel count is read from the header and checked before anything is decoded; the
output is re-encoded from pixels alone, so no EXIF (GPS, camera serial), XMP, text chunk or ICC
profile survives. Unlike a photo a logo keeps its shape and its transparency: the output is a
PNG (lossless, alpha, shown by every browser, mail client and PDF renderer) of at most
MAX_WIDTH x MAX_HEIGHT px, transparent margins trimmed so that the mark fills the space given.
"""
from __future__ import annotations

import io

from flask_babel import lazy_gettext as _l
from PIL import Image

from ..errors import DomainError
from ..uploaded_images import StoredImage, opened, upright_srgb

# px. The header shows the logo 32 CSS px tall (up to 96 px on a 3x phone), an email 48 px
# (96 on 2x), a badge 8 mm (190 px at 600 dpi): 200 px tall is sharp everywhere, and 600 px
# wide leaves room for a wide wordmark (3:1).
MAX_WIDTH, MAX_HEIGHT = 600, 200
MIN_SIDE = 16  # px; smaller than this is a favicon, not a logo that prints on a badge
MAX_BYTES = 5 * 1024 * 1024  # an upload; a logo is a few KB to a few hundred
# Pixels a format may have before it is decoded (as photos: JPEG decodes scaled down, PNG and
# WebP whole at 4 bytes a pixel, so 20 MP is at most 80 MB while decoding).
CONTENT_TYPE = "image/png"


class LogoRefused(DomainError):
    """An upload that cannot become the event's logo; the message says what to do instead."""

    MESSAGES = {
        "no_file": (422, _l("Choose a logo file first.")),
        "too_large": (413, _l("That file is larger than %(max)s MB. A logo needs far less: export it as a PNG about "
                              "600 px wide.", max=MAX_BYTES // 1024 // 1024)),
        "not_an_image": (422, _l("That file is not an image we can use. Choose a PNG, JPEG or WebP file "
                                 "(SVG is not accepted: export it as a PNG with a transparent background).")),
        "damaged": (422, _l("That image could not be read to the end: the file is incomplete or damaged. "
                            "Export it again and upload the new file.")),
        "too_many_pixels": (422, _l("That image has too many pixels to handle safely. Export the logo about "
                                    "600 px wide and upload that.")),
        "too_small": (422, _l("That image is too small to print: choose one at least %(min)s px on each side "
                              "(about 600 px wide is ideal).", min=MIN_SIDE)),
        "empty": (422, _l("That image is entirely transparent: there is no logo in it to show.")),
    }


def process_logo(data: bytes) -> StoredImage:
    """An uploaded file's bytes -> a bare PNG logo; LogoRefused with a code.

    Codes: no_file (empty), too_large (over MAX_BYTES), not_an_image (not JPEG/PNG/WebP: SVG,
    text, GIF...), too_many_pixels (over MAX_PIXELS for its format, checked before decoding),
    too_small (a side under MIN_SIDE), damaged (truncated or corrupt pixel data), empty (fully
    transparent). Transparent margins are trimmed, then the logo is scaled down (never up) to fit
    MAX_WIDTH x MAX_HEIGHT with its aspect ratio kept.
    """
    if not data:
        raise LogoRefused("no_file")
    if len(data) > MAX_BYTES:
        raise LogoRefused("too_large")
    with opened(data, LogoRefused, MIN_SIDE) as image:
        pixels = upright_srgb(image, LogoRefused, (MAX_WIDTH, MAX_HEIGHT))
    if pixels.mode == "RGBA":
        box = pixels.getchannel("A").getbbox()
        if box is None:
            raise LogoRefused("empty")
        pixels = pixels.crop(box)
    pixels.thumbnail((MAX_WIDTH, MAX_HEIGHT), Image.Resampling.LANCZOS)
    # Pillow's PNG writer takes an ICC profile, EXIF and text chunks from `info` as well as from
    # its arguments: with `info` emptied and none given, the file holds pixels only.
    pixels.info = {}
    out = io.BytesIO()
    pixels.save(out, "PNG", optimize=True)
    body = out.getvalue()
    return StoredImage.of(body, pixels.width, pixels.height, CONTENT_TYPE)

"""Turning an uploaded file into the event's logo: checked, decoded safely, trimmed, small, bare.

The same approach as profile photos (eventnet.photos.images): plain functions on bytes; only
the JPEG, PNG and WebP plugins are tried (no SVG, which can carry scripts, nor GIF, TIFF, PSD,
EPS); the pixel count is read from the header and checked before anything is decoded; the
output is re-encoded from pixels alone, so no EXIF (GPS, camera serial), XMP, text chunk or ICC
profile survives. Unlike a photo a logo keeps its shape and its transparency: the output is a
PNG (lossless, alpha, shown by every browser, mail client and PDF renderer) of at most
MAX_WIDTH x MAX_HEIGHT px, transparent margins trimmed so that the mark fills the space given.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from ..errors import DomainError

# px. The header shows the logo 32 CSS px tall (up to 96 px on a 3x phone), an email 48 px
# (96 on 2x), a badge 8 mm (190 px at 600 dpi): 200 px tall is sharp everywhere, and 600 px
# wide leaves room for a wide wordmark (3:1).
MAX_WIDTH, MAX_HEIGHT = 600, 200
MIN_SIDE = 16  # px; smaller than this is a favicon, not a logo that prints on a badge
MAX_BYTES = 5 * 1024 * 1024  # an upload; a logo is a few KB to a few hundred
# Pixels a format may have before it is decoded (as photos: JPEG decodes scaled down, PNG and
# WebP whole at 4 bytes a pixel, so 20 MP is at most 80 MB while decoding).
MAX_PIXELS = {"JPEG": 50_000_000, "PNG": 20_000_000, "WEBP": 20_000_000}
FORMATS = tuple(MAX_PIXELS)
CONTENT_TYPE = "image/png"

_SRGB = ImageCms.createProfile("sRGB")


class LogoRefused(DomainError):
    """An upload that cannot become the event's logo; the message says what to do instead."""

    MESSAGES = {
        "no_file": (422, "Choose a logo file first."),
        "too_large": (413, f"That file is larger than {MAX_BYTES // 1024 // 1024} MB. A logo needs far less: "
                           "export it as a PNG about 600 px wide."),
        "not_an_image": (422, "That file is not an image we can use. Choose a PNG, JPEG or WebP file "
                              "(SVG is not accepted: export it as a PNG with a transparent background)."),
        "damaged": (422, "That image could not be read to the end: the file is incomplete or damaged. "
                         "Export it again and upload the new file."),
        "too_many_pixels": (422, "That image has too many pixels to handle safely. Export the logo about "
                                 "600 px wide and upload that."),
        "too_small": (422, f"That image is too small to print: choose one at least {MIN_SIDE} px on each side "
                           "(about 600 px wide is ideal)."),
        "empty": (422, "That image is entirely transparent: there is no logo in it to show."),
    }


@dataclass(frozen=True)
class ProcessedLogo:
    """A logo ready to store: `data` is a PNG of `width` x `height` px, `size` bytes, RGBA when
    the upload had transparency (else RGB), `sha256` the hex digest of `data`."""

    data: bytes
    width: int
    height: int
    size: int
    sha256: str
    content_type: str = CONTENT_TYPE


def _opened(data: bytes) -> Image.Image:
    """The image with only its header read; LogoRefused before any pixel is decoded."""
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LogoRefused("too_many_pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise LogoRefused("not_an_image") from None
    width, height = image.size
    if width * height > MAX_PIXELS[image.format]:
        raise LogoRefused("too_many_pixels")
    if min(width, height) < MIN_SIDE:
        raise LogoRefused("too_small")
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _decoded(image: Image.Image) -> Image.Image:
    """The pixels upright, in sRGB, RGBA when transparent else RGB; LogoRefused("damaged")."""
    if image.format == "JPEG":
        # libjpeg's DCT scaling: decode at the smallest 1/2, 1/4, 1/8 still at least the output.
        image.draft("RGB", (MAX_WIDTH, MAX_HEIGHT))
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        raise LogoRefused("damaged") from None
    mode = "RGBA" if _has_alpha(upright) else "RGB"
    pixels = upright.convert(mode)
    icc = image.info.get("icc_profile")
    if icc:
        # A brand colour exported in Display P3 or Adobe RGB would look dull once its profile
        # is dropped: convert to sRGB, which is what browsers assume for an untagged image.
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            pixels = ImageCms.profileToProfile(pixels, source, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are
    return pixels


def process_logo(data: bytes) -> ProcessedLogo:
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
    with _opened(data) as image:
        pixels = _decoded(image)
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
    return ProcessedLogo(data=body, width=pixels.width, height=pixels.height, size=len(body),
                         sha256=hashlib.sha256(body).hexdigest())

"""Opening an uploaded image safely: the steps profile photos and event logos share.

What comes in is whatever a phone or a script sends. Only the JPEG, PNG and WebP plugins are
tried (no SVG, which can carry scripts, nor GIF, TIFF, PSD, EPS); Pillow's open() reads only the
header, and the pixel count is checked against the format's limit before any pixel is decoded
(a 20,000 x 20,000 PNG is refused with no memory spent); a JPEG is decoded at reduced scale
(libjpeg's DCT scaling, Image.draft) close to the size the caller keeps. The pixels come out
upright (EXIF orientation applied, since the note goes with the rest of the metadata) and in
sRGB. Callers re-encode from these pixels alone, so no EXIF (GPS, camera serial), XMP, comment
or ICC profile survives: they empty `info` before saving, since Pillow's writers read it.

Errors are the caller's own DomainError subclass, raised with these codes: not_an_image,
too_many_pixels, too_small, damaged (truncated or corrupt pixel data).
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .errors import DomainError

# Pixels a format may have before it is decoded. JPEG is decoded scaled down, so a photo from a
# 50 MP phone camera costs a few MB; PNG and WebP have no such shortcut and are decoded whole
# (4 bytes a pixel), so they stop at 20 MP (80 MB while decoding).
MAX_PIXELS = {"JPEG": 50_000_000, "PNG": 20_000_000, "WEBP": 20_000_000}
FORMATS = tuple(MAX_PIXELS)

_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class StoredImage:
    """An image ready to store: `data` bytes of `content_type`, `width` x `height` px, `size`
    bytes, `sha256` the hex digest of `data`."""

    data: bytes
    width: int
    height: int
    size: int
    sha256: str
    content_type: str

    @classmethod
    def of(cls, body: bytes, width: int, height: int, content_type: str) -> StoredImage:
        return cls(body, width, height, len(body), hashlib.sha256(body).hexdigest(), content_type)

    def store_in(self, row) -> None:
        """Copy the image onto a row with the same columns (a profile photo, an event logo)."""
        row.content_type, row.data, row.size = self.content_type, self.data, self.size
        row.width, row.height, row.sha256 = self.width, self.height, self.sha256


def opened(data: bytes, refused: type[DomainError], min_side: int) -> Image.Image:
    """The image with only its header read; `refused(code)` before any pixel is decoded."""
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own guard (above ~89 MP it warns, above ~179 MP it refuses) fired while
        # reading the header: ours is lower, so the answer is the same.
        raise refused("too_many_pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise refused("not_an_image") from None
    width, height = image.size
    if width * height > MAX_PIXELS[image.format]:
        raise refused("too_many_pixels")
    if min(width, height) < min_side:
        raise refused("too_small")
    return image


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def upright_srgb(image: Image.Image, refused: type[DomainError], fit: tuple[int, int]) -> Image.Image:
    """The pixels of an opened() image, upright, in sRGB: RGBA when it has transparency, else
    RGB. A JPEG is decoded at the smallest 1/2, 1/4, 1/8 scale still covering `fit` (px)."""
    if image.format == "JPEG":
        image.draft("RGB", fit)
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        raise refused("damaged") from None
    mode = "RGBA" if has_alpha(upright) else "RGB"
    icc = image.info.get("icc_profile")
    if icc and upright.mode in ("RGB", "RGBA", "CMYK"):
        # iPhones shoot Display P3, brand colours come in Adobe RGB: dropping the profile without
        # converting would dull them. sRGB is what browsers assume for an untagged image.
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(upright, source, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are
    return upright.convert(mode)

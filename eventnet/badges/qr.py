"""QR images of badge URLs, rendered once per token and kept in the database."""
from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathImage
from sqlalchemy.exc import IntegrityError

from ..attendees.models import Attendee
from ..extensions import db
from .models import BadgeImage
from .services import badge_url

BORDER = 4  # the quiet zone the QR standard asks for, in modules
PNG_BOX_SIZE = 10  # pixels per module: sharp when printed at badge size


class WhiteSvgPathImage(SvgPathImage):
    """One <path> for the modules, on a white square.

    A transparent QR shown on a dark page or in a dark-mode image viewer is dark on dark and
    no camera reads it; the white background (quiet zone included) makes it scannable anywhere.
    """

    background = "#ffffff"


def _qr(data: str, box_size: int) -> qrcode.QRCode:
    # Level M survives a crease or a thumb over ~15% of the code and keeps the version small.
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=BORDER, box_size=box_size)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def render_svg(data: str) -> str:
    """The QR of `data` as a compact standalone SVG document."""
    image = _qr(data, box_size=10).make_image(image_factory=WhiteSvgPathImage)
    return image.to_string(encoding="unicode")


def render_png(data: str) -> bytes:
    """The QR of `data` as a black-on-white PNG, PNG_BOX_SIZE pixels per module."""
    image = _qr(data, box_size=PNG_BOX_SIZE).make_image(image_factory=PilImage, fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def badge_image(attendee: Attendee) -> BadgeImage:
    """The stored QR images of the attendee's current badge, rendered on first use (get or create)."""
    token = attendee.badge_token
    image = db.session.get(BadgeImage, token)
    if image is not None:
        return image
    url = badge_url(attendee)
    image = BadgeImage(badge_token=token, svg=render_svg(url), png=render_png(url))
    db.session.add(image)
    try:
        db.session.commit()
    except IntegrityError:
        # Two first requests for the same badge (a sheet printing while its owner opens My QR)
        # both rendered it; the other one stored it first, and both images are the same.
        db.session.rollback()
        image = db.session.execute(db.select(BadgeImage).filter_by(badge_token=token)).scalar_one()
    return image

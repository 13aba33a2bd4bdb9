"""Badge URLs, public cards, QR images and vCards.

A badge token shows a card and gives no login: everything here is read-only and shows only
what the badge's owner shares (attendees.cards.public_card).
"""
from __future__ import annotations

import base64
import hashlib
import re

from flask import Blueprint, Response, g, render_template, request
from flask_babel import gettext as _

from ..attendees.cards import card_for, public_card, withheld
from ..attendees.models import Attendee
from ..auth.session import attendee_required, current_attendee
from ..connections.models import Connection
from ..database import read_only
from ..errors import fail
from .qr import badge_image
from .services import BadgeError, badge_url, find_by_token, find_with_copy
from .vcard import content_disposition, vcard_for

bp = Blueprint("badges", __name__)

# Each token's image never changes (a new badge gets a new token, hence a new URL).
IMMUTABLE = "public, max-age=31536000, immutable"


@bp.app_template_filter("tel_href")
def tel_href(phone: str) -> str:
    """'+49 (30) 123-45' -> 'tel:+493012345' for a tappable phone link."""
    return "tel:" + re.sub(r"[^0-9+]", "", phone or "")


@bp.app_template_filter("display_url")
def display_url(url: str) -> str:
    """A URL as people read it: without https:// and a trailing slash."""
    return re.sub(r"^https?://(www\.)?", "", url or "").rstrip("/")


def _card_seen_by(owner: Attendee, viewer: Attendee | None, copy: Connection | None) -> tuple[dict, bool]:
    """The badge's card as this viewer may see it, and whether it was withheld: what the owner
    gives them when they hold a copy (`copy`, the viewer's connection to the owner: narrowed,
    taken back or expired: attendees.cards.card_for), else the public card."""
    if copy is None or viewer is None or viewer.id == owner.id or viewer.event_id != owner.event_id:
        return public_card(owner), False
    return card_for(owner, copy), withheld(owner, copy) is not None


def _viewer_state(viewer: Attendee | None, owner: Attendee) -> str:
    if viewer is None:
        return "anonymous"
    if viewer.id == owner.id:
        return "owner"
    if viewer.event_id == owner.event_id:
        return "same_event"
    return "other_event"


@bp.get("/b/<token>")
@read_only
def card(token: str):
    """A badge's public card: shared fields only, Save contact, and what the viewer can do next."""
    viewer = current_attendee()
    # The owner and the viewer's connection to them in one query; a BadgeError (404 unknown,
    # 410 replaced) answers for itself.
    owner, copy = find_with_copy(token, viewer)
    g.event = owner.event
    card, card_withheld = _card_seen_by(owner, viewer, copy)
    state = _viewer_state(viewer, owner)
    response = Response(render_template(
        "badges/card.html", attendee=owner, viewer=viewer, state=state, card=card, card_withheld=card_withheld,
        token=token,
        # The exchange panel shows "Already connected" from the row read above rather than
        # reading it again (badges/_viewer_actions.html).
        existing=copy if state == "same_event" else None,
    ))
    # The page differs by viewer and changes when its owner changes their sharing.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/b/<token>/contact.vcf")
@read_only
def vcard(token: str):
    """The badge owner's shared card as a vCard file that phones import into contacts."""
    viewer = current_attendee()
    owner, copy = find_with_copy(token, viewer)
    shared = _card_seen_by(owner, viewer, copy)[0]
    response = Response(vcard_for(shared, event_name=owner.event.name), mimetype="text/vcard")
    response.headers["Content-Type"] = "text/vcard; charset=utf-8"
    response.headers["Content-Disposition"] = content_disposition(shared["name"])
    response.headers["Cache-Control"] = "private, no-store"
    return response


class PublicResponse(Response):
    """A response that shared caches may keep, so it never carries a cookie."""

    def set_cookie(self, *args, **kwargs) -> None:
        # Flask re-sends a logged-in visitor's permanent session cookie on every response; a
        # proxy that stored that with a public image would hand the session to the next person.
        return None


def _image(token: str, kind: str) -> Response:
    try:
        owner = find_by_token(token)
    except BadgeError:
        # An image has no page to explain on; replaced or unknown, there is nothing to show.
        fail(404, _("There is no QR for this badge."))
    image = badge_image(owner)
    body, mimetype = (image.svg.encode("utf-8"), "image/svg+xml") if kind == "svg" else (image.png, "image/png")
    response = PublicResponse(body, mimetype=mimetype)
    response.headers["Cache-Control"] = IMMUTABLE
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return response.make_conditional(request)


@bp.get("/b/<token>/qr.svg")
def qr_svg(token: str):
    """The badge's QR as SVG (rendered once, cached for a year: a new badge has a new URL)."""
    return _image(token, "svg")


@bp.get("/b/<token>/qr.png")
def qr_png(token: str):
    """The badge's QR as PNG, for printing and for saving to the phone's photos."""
    return _image(token, "png")


@bp.get("/e/<slug>/me/qr")
@attendee_required
def my_qr():
    """The attendee's own QR, full screen, for showing to someone without a badge at hand."""
    attendee = g.attendee
    # The QR is part of the page, not a separate image request: the service worker keeps this
    # page for offline use, and an image fetched apart from it was blank offline (issue 12).
    svg = badge_image(attendee).svg.encode("utf-8")
    qr_src = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    return render_template("badges/my_qr.html", attendee=attendee, url=badge_url(attendee), qr_src=qr_src)

"""Photo images: the shared one by its key, and my own for my profile page.

The profile page (attendees.views) owns uploading and removing; this blueprint only answers
image requests, read-only.

Caching. A photo's URL names one image forever (a new photo gets a new key), so a cache never
holds a stale image; what can change is whether the URL answers at all, since its person may
hide or delete the photo, or their account. So:
- `private`: no shared cache (a CDN, a company proxy) keeps a copy of a face that would go on
  answering after the person took it back; only the viewer's own browser, which showed it.
- `max-age=3600`: a contact book of forty faces costs no request for an hour, and a photo
  hidden or removed leaves the browsers that already showed it within the hour. Pages that
  point at it stop doing so at once: public_card() leaves `photo_url` out.
- an ETag (the SHA-256 of the bytes): after the hour, the browser asks again and gets a bodyless
  304 while the photo is shared, a 404 once it is not.
- `Cross-Origin-Resource-Policy: same-origin`: another site cannot show someone's face by
  embedding the URL; our pages and the inline images of our emails do not need that.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, g, request

from ..auth.session import attendee_required
from ..errors import fail
from . import services
from .models import ProfilePhoto

bp = Blueprint("photos", __name__)

MAX_AGE = 3600  # seconds; see above
_KEY = re.compile(r"[A-Za-z0-9_-]{16,43}")


def _image(row: ProfilePhoto, cache_control: str) -> Response:
    response = Response(row.data, mimetype=row.content_type)
    response.headers["Cache-Control"] = cache_control
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.set_etag(row.sha256[:32])
    return response.make_conditional(request)


@bp.get("/photos/<key>.jpg")
def photo(key: str):
    """A shared photo by its key; 404 for a key that is unknown, replaced, removed or not shared."""
    row = services.shared_photo(key) if _KEY.fullmatch(key) else None
    if row is None:
        fail(404, "There is no photo here.")
    return _image(row, f"private, max-age={MAX_AGE}")


@bp.get("/e/<slug>/profile/photo.jpg")
@attendee_required
def own_photo():
    """My own photo, shared or not, for my profile page (the key in the query only busts caches)."""
    row = services.own_photo(g.attendee)
    if row is None:
        fail(404, "You have no photo.")
    # Only for me, and gone from the browser the moment I log out or remove it.
    return _image(row, "private, no-cache")

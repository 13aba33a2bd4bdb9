"""Setting, removing, serving and exporting an attendee's profile photo.

Who may see a photo is decided where everything else is: attendees.cards.public_card() puts
`photo_url` on a card only while its person shares "photo". The URL names the photo by a random
key (Attendee.photo_key), new with every photo, so it changes when the photo does, leads to
nobody else's, and answers only while the photo is shared (shared_photo()).
"""
from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

from ..attendees.models import Attendee
from ..database import utcnow
from ..extensions import db
from ..uploaded_images import StoredImage
from .images import CONTENT_TYPE, email_thumbnail, process_photo
from .models import ProfilePhoto

KEY_BYTES = 16  # 128 random bits: token_urlsafe gives 22 characters


def new_key() -> str:
    """A fresh, unguessable public name for a photo (22 URL-safe characters)."""
    return secrets.token_urlsafe(KEY_BYTES)


def photo_url(key: str) -> str:
    """The path that serves the photo named `key` (views.photo), inside a request or not."""
    if has_request_context():
        return url_for("photos.photo", key=key)
    # A digest or an export built by a command has no request: the app's URL map still knows
    # the path (relative to BASE_URL, as everywhere else).
    return current_app.url_map.bind("").build("photos.photo", {"key": key})


def own_photo(attendee: Attendee) -> ProfilePhoto | None:
    """The attendee's photo row, shared or not (for themselves: profile, data download)."""
    if attendee.photo_key is None:
        return None
    return db.session.get(ProfilePhoto, attendee.id)


def set_photo(attendee: Attendee, data: bytes) -> ProfilePhoto:
    """Make `data` (an uploaded file's bytes) the attendee's photo, replacing any; commits.

    The image is checked and re-encoded first (images.process_photo; PhotoRefused with its
    code, and nothing changes). The photo gets a new key, so the old one's URL answers 404 at
    once, and caches that kept the old image under its own URL are never asked for it again.
    """
    processed: StoredImage = process_photo(data)
    row = db.session.get(ProfilePhoto, attendee.id)
    if row is None:
        row = ProfilePhoto(attendee_id=attendee.id)
        db.session.add(row)
    processed.store_in(row)
    row.created_at = utcnow()
    attendee.photo_key = new_key()
    attendee.profile_updated_at = utcnow()
    db.session.commit()
    return row


def remove_photo(attendee: Attendee) -> bool:
    """Delete the attendee's photo (its URL answers 404 from now on); False when there was none. Commits."""
    had = attendee.photo_key is not None
    db.session.execute(db.delete(ProfilePhoto).where(ProfilePhoto.attendee_id == attendee.id))
    attendee.photo_key = None
    if had:
        attendee.profile_updated_at = utcnow()
    db.session.commit()
    return had


def shared_photo(key: str) -> ProfilePhoto | None:
    """The photo named `key` while its person has it and shares it; None otherwise (a 404)."""
    found = db.session.execute(
        db.select(ProfilePhoto, Attendee.shared_fields)
        .join(Attendee, Attendee.id == ProfilePhoto.attendee_id)
        .where(Attendee.photo_key == key)
    ).first()
    if found is None or "photo" not in (found.shared_fields or ()):
        return None
    return found.ProfilePhoto


@dataclass(frozen=True)
class InlinePhoto:
    """A photo to attach inline to an email: `data` bytes of `content_type`, referenced from the
    HTML as `<img src="cid:{content_id}">` (content_id without angle brackets)."""

    data: bytes
    content_type: str
    content_id: str


def inline_photo(attendee: Attendee | None) -> InlinePhoto | None:
    """A contact's photo for an email (the digest), only while they share it; else None."""
    if attendee is None:
        return None
    return inline_photos([attendee]).get(attendee.id)


# sha256 of a stored photo -> its email thumbnail. A face appears in the digest of everyone its
# person met, so a sender building a round of digests meets the same few hundred photos again
# and again: bounded, and keyed by content, so a replaced photo is simply another entry.
_THUMBNAILS: dict[str, bytes] = {}
THUMBNAIL_CACHE = 2048  # entries, about 3 KB each


def _thumbnail(sha256: str, load) -> bytes:
    thumb = _THUMBNAILS.get(sha256)
    if thumb is None:
        if len(_THUMBNAILS) >= THUMBNAIL_CACHE:
            _THUMBNAILS.pop(next(iter(_THUMBNAILS)))  # the oldest: dicts keep insertion order
        thumb = _THUMBNAILS[sha256] = email_thumbnail(load())
    return thumb


def inline_photos(attendees: Iterable[Attendee | None]) -> dict[int, InlinePhoto]:
    """{attendee id: InlinePhoto} for those of `attendees` whose card shows a photo, in two
    queries at most (hashes, then the bytes of photos not thumbnailed yet).

    Asks public_card() rather than the column, so an email can never carry a photo a card would
    not show. The image is a small JPEG (images.email_thumbnail), referenced from the HTML as
    `cid:{content_id}`; the content id is made from the image's hash: the same photo attached to
    several entries is one part, and it names nobody.
    """
    from ..attendees.cards import public_card

    showing = {a.id for a in attendees if a is not None and "photo_url" in public_card(a)}
    if not showing:
        return {}
    hashes = dict(db.session.execute(
        db.select(ProfilePhoto.attendee_id, ProfilePhoto.sha256).where(ProfilePhoto.attendee_id.in_(showing))
    ).all())
    missing = [i for i, digest in hashes.items() if digest not in _THUMBNAILS]
    data = dict(db.session.execute(
        db.select(ProfilePhoto.attendee_id, ProfilePhoto.data).where(ProfilePhoto.attendee_id.in_(missing))
    ).all()) if missing else {}
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "eventnet"
    return {
        attendee_id: InlinePhoto(data=_thumbnail(digest, lambda i=attendee_id: data[i]), content_type=CONTENT_TYPE,
                                 content_id=f"photo-{digest[:24]}@{host}")
        for attendee_id, digest in hashes.items()
    }


def export_entry(attendee: Attendee) -> dict | None:
    """The attendee's photo for their data download (JSON): the file itself, base64-encoded,
    with its type, size in bytes, pixel size, SHA-256 of the bytes, upload time and whether it
    is shared; None without a photo."""
    row = own_photo(attendee)
    if row is None:
        return None
    return {
        "file_name": "photo.jpg",
        "content_type": row.content_type,
        "size": row.size,
        "width": row.width,
        "height": row.height,
        "sha256": row.sha256,
        "uploaded_at": row.created_at.isoformat(),
        "shared": attendee.shares("photo"),
        "data_base64": base64.b64encode(row.data).decode("ascii"),
    }

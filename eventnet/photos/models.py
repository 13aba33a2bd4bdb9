"""Profile photos: one per attendee, stored in the database with everything else it belongs to.

In the database rather than as files: it is backed up, restored, copied to PostgreSQL and
deleted with the account exactly like the rest of a person's data, and several app processes
on several hosts see the same photos without a shared disk. A photo is about 50 KB (SIZE px
JPEG, images.py), so a thousand attendees add some 50 MB.

The photo's public name is `Attendee.photo_key` (a column of attendees, so that public_card()
can build the URL from the row it already has, with no query per card); this table holds the
bytes and is read only when the image itself is asked for.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class ProfilePhoto(db.Model):
    """An attendee's current photo: a square JPEG without metadata (images.process_photo)."""

    __tablename__ = "profile_photos"

    # One photo per attendee; replacing it overwrites this row (and gives it a new key).
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)  # bytes of data
    width: Mapped[int] = mapped_column(Integer)  # px
    height: Mapped[int] = mapped_column(Integer)  # px
    sha256: Mapped[str] = mapped_column(String(64))  # hex digest of data: the ETag, a check on export
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

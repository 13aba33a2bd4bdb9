"""The event's logo bytes: one row per event, in the database like profile photos.

In the database rather than as files for the photos' reasons (eventnet.photos.models): backed
up, restored and deleted with the event, and seen by every app process without a shared disk.
A logo is a PNG of at most 600 x 200 px (images.process_logo), typically 5-60 KB.

The logo's public name is `Event.logo_key` (a column of events, so the site header can build
the URL from the event it already has); this table is read for the image itself, its size in
the header, an email's inline part and the badge sheet.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class EventLogo(db.Model):
    """An event's current logo: a PNG without metadata, transparency kept (images.process_logo)."""

    __tablename__ = "event_logos"

    # One logo per event; replacing it overwrites this row (and gives the event a new logo_key).
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    # Deferred: the header asks only for the size on every page of a branded event.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size: Mapped[int] = mapped_column(Integer)  # bytes of data
    width: Mapped[int] = mapped_column(Integer)  # px
    height: Mapped[int] = mapped_column(Integer)  # px
    sha256: Mapped[str] = mapped_column(String(64))  # hex digest of data: the ETag
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

"""Badge artefacts: rendered QR images, and tokens that were revoked."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class BadgeImage(db.Model):
    """The QR of one badge token, rendered once and served from here ever after."""

    __tablename__ = "badge_images"

    badge_token: Mapped[str] = mapped_column(String(64), primary_key=True)
    svg: Mapped[str] = mapped_column(Text)
    png: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RevokedBadge(db.Model):
    """A token that once was a badge, kept so its URL can say "replaced" instead of "unknown"."""

    __tablename__ = "revoked_badges"

    badge_token: Mapped[str] = mapped_column(String(64), primary_key=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), index=True)
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

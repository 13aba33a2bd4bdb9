"""Who chose to be suggested to others, and the suggestions each person waved away."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class MeetOptIn(db.Model):
    """An attendee who chose "suggest me to people I should meet" (a row while they do).

    Only people with a row are suggested to others (on their home pages and in the digest of
    those who met nobody). Nobody is in it by default: being pointed out to strangers is a choice.
    """

    __tablename__ = "meet_opt_ins"

    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MeetDismissal(db.Model):
    """`owner` said "not for me" to the suggestion of `other`: never suggested to them again."""

    __tablename__ = "meet_dismissals"

    owner_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), primary_key=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

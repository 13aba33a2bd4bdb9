"""Introductions with double opt-in (issue 14), and the people who take none."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db

ACCEPTED = "accepted"
DECLINED = "declined"
REASON_MAX = 300


class Introduction(db.Model):
    """`introducer` asks two of their contacts, `a` and `b`, whether they would like to meet.

    Each answers for themselves (a_answer, b_answer); only when both accepted is it completed
    (completed_at), the pair connected and each sent the other's card. A decline is written on
    the decliner's side only and changes nothing anyone else sees: until `expires_at` the request
    looks "waiting" to the other and "pending" to the introducer, exactly as if unanswered.
    """

    __tablename__ = "introductions"
    __table_args__ = (
        CheckConstraint("a_id <> b_id", name="two_people"),
        Index("ix_introductions_introducer_created", "introducer_id", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    introducer_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    a_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), index=True)
    b_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Until then an unfinished request is "pending" (whatever the answers); after it, "not made".
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    a_answer: Mapped[str | None] = mapped_column(String(8))  # ACCEPTED, DECLINED or None
    a_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    b_answer: Mapped[str | None] = mapped_column(String(8))
    b_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "<lower id>-<higher id>" while the request may still complete, NULL once completed or past
    # expiry: the unique constraint is "one open request per pair". A decline leaves it set, so
    # asking again answers "already asked" until expiry either way and tells no decline.
    open_pair: Mapped[str | None] = mapped_column(String(40), unique=True)


class IntroductionOptOut(db.Model):
    """An attendee who chose "don't send me introductions" (a row while they do)."""

    __tablename__ = "introduction_opt_outs"

    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

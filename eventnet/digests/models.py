"""What the digest feature stores besides outbox rows: attendees' choices and which runs happened."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class MailPreference(db.Model):
    """One attendee's choice about follow-up email; no row means "send me everything".

    A table of its own rather than columns on Attendee: it is written from a signed link by
    someone who is not logged in, and deleting the attendee deletes it (ON DELETE CASCADE).
    """

    __tablename__ = "mail_preferences"

    attendee_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    # No digest and no reminders (what one-click unsubscribe sets).
    followups_off: Mapped[bool] = mapped_column(Boolean, default=False)
    # The digest still comes; the 30/90-day reminders do not.
    reminders_off: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class DigestRun(db.Model):
    """That the rows of one kind of follow-up mail were created for an event (once per kind).

    kind is "digest" or "reminder:<days>". The outbox's unique dedupe_key already makes every
    row exist once; this row is what tells the scheduler not to look at the event again.
    """

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("event_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    count: Mapped[int] = mapped_column(default=0)
    # Why nothing was queued, e.g. a reminder whose day had long passed when first looked at.
    skipped: Mapped[str | None] = mapped_column(String(200))

"""Promises: what an attendee said they would do for a contact, tracked until marked done."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db

PROMISE_MAX = 300


class Promise(db.Model):
    """One promise of `owner` to the contact of `connection` ("Send him my CV"), due or not.

    Several per contact are possible; each is done on its own. It belongs to its owner alone,
    like the note it came from, and goes with the connection.
    """

    __tablename__ = "promises"
    # Ids are in signed email links: SQLite must never give a deleted row's id to a new one.
    __table_args__ = (
        Index("ix_promises_owner_done", "owner_id", "done_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(PROMISE_MAX))
    due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def done(self) -> bool:
        return self.done_at is not None

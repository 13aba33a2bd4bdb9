"""Login links and codes sent by email, and the sessions they start."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..attendees.models import Attendee
from ..database import UTCDateTime, utcnow
from ..extensions import db

# Who asked for a login link. A link the attendee asked for replaces their older ones; an
# invitation or help-desk link never replaces one they asked for minutes ago (they may be
# reading that email right now). "desk_screen": shown to an organizer at the help desk (only
# for someone with no data yet), and so it starts a desk session (LoginSession.origin).
ORIGINS = ("requested", "invitation", "helpdesk", "desk_screen", "admin")


class LoginToken(db.Model):
    """A magic link and its typed code; only their hashes are stored.

    A token belongs to an attendee of one event, or (origin "admin") to an administrator, who
    has no event account at all.
    """

    __tablename__ = "login_tokens"
    __table_args__ = (
        CheckConstraint("(attendee_id IS NULL) <> (administrator_id IS NULL)", name="one_owner"),
        Index("ix_login_tokens_attendee_created", "attendee_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attendee_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    administrator_id: Mapped[int | None] = mapped_column(
        ForeignKey("administrators.id", ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(String(16), default="requested")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when a newer link replaced this one, or the attendee logged out everywhere.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attendee: Mapped[Attendee | None] = relationship()


class LoginSession(db.Model):
    """One logged-in browser: the cookie holds a random token, this row its SHA-256.

    Deleting the row ends that session wherever the cookie has been copied to; every check of
    a session reads it here, so logout, "log out everywhere" and a deleted account take effect
    on the next request. A session is an attendee's (for one event) or an administrator's.
    """

    __tablename__ = "login_sessions"
    __table_args__ = (
        CheckConstraint("(attendee_id IS NULL) <> (administrator_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    attendee_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"), index=True)
    administrator_id: Mapped[int | None] = mapped_column(
        ForeignKey("administrators.id", ondelete="CASCADE"), index=True)
    # "own": from a link or code that reached the attendee. "desk": from a link an organizer saw
    # (auth.session.DESK_RULE says how long that lasts).
    origin: Mapped[str] = mapped_column(String(8), default="own")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Administrator(db.Model):
    """An email address allowed to create events and name their organizers (`flask admin add`)."""

    __tablename__ = "administrators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

"""An event: the unit every attendee, badge and connection belongs to."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column, validates

from ..database import UTCDateTime, utcnow
from ..extensions import db
from .times import OUT_OF_RANGE, within_bounds

TIMEZONE_MAX = 64  # the longest IANA name is 32 characters


class Event(db.Model):
    __tablename__ = "events"
    # Ids are in signed email links: SQLite must never give a deleted row's id to
    # a new one (without AUTOINCREMENT it reuses the highest), as PostgreSQL's sequences never do.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(TIMEZONE_MAX))
    venue: Mapped[str] = mapped_column(String(200), default="")
    # Scanning is open from scan_opens_at to scan_closes_at; None means the event's own times.
    scan_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scan_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # The follow-up digest (eventnet.digests). digest_at None means the default: 09:00 the
    # morning after the event ends, in the event's time zone (digests.schedule).
    digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What attendees without a contact get: "matches" (people with matching topics) or "none".
    digest_no_contacts: Mapped[str] = mapped_column(String(16), default="matches")
    # Days after the event ends when open follow-ups are recalled; [] for no reminders.
    reminder_days: Mapped[list] = mapped_column(JSON, default=lambda: [30, 90])
    # The organizer's address for replies to digests; "" means replies go nowhere (no Reply-To).
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    # While True the sender leaves this event's digest and reminder rows waiting.
    digests_paused: Mapped[bool] = mapped_column(Boolean, default=False)

    # The event's look (eventnet.branding). accent_color is "#rrggbb" that passed the contrast
    # check (branding.colors.check_accent), "" for the default eventnet blue. logo_key is the
    # random public name of the logo in event_logos (new with each logo), None without one.
    accent_color: Mapped[str] = mapped_column(String(7), default="", server_default="")
    logo_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    # The language of attendees who chose none and whose browser asks for none we ship: a code
    # of eventnet.i18n.LANGUAGES, set by the organizer (event settings).
    default_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """A stored UTC time shown in the event's own time zone."""
        return moment.astimezone(self.tz)

    @validates("starts_at", "ends_at", "scan_opens_at", "scan_closes_at", "digest_at")
    def _bounded(self, key: str, moment: datetime | None) -> datetime | None:
        # The forms and the command line refuse such times with a message (events.times); this
        # keeps any other path from storing one, since "the morning after" must never overflow.
        if moment is not None and not within_bounds(moment):
            raise ValueError(f"{key}: {OUT_OF_RANGE}")
        return moment

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"

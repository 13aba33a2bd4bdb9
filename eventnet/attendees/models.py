"""An attendee of one event, with the profile they show to people who scan their badge."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..events.models import Event
from ..extensions import db

ROLES = ("attendee", "organizer")
# The structured name, in the order a form shows it; see Attendee.name_prefix.
NAME_PARTS = ("name_prefix", "given_name", "family_name", "name_suffix")

# Fields a person decides to share when their badge is scanned, in the order a card shows them.
# The name is always shown: a card without a name is no card.
SHAREABLE_FIELDS = (
    "photo",
    "headline",
    "company",
    "bio",
    "email",
    "phone",
    "linkedin",
    "website",
    "links",
    "topics",
)
# Phone numbers are personal; everything else is what people put on a business card anyway.
# A photo is shared by default too: nobody has one until they upload it themselves, on the
# profile page, right beside its "Share photo" switch and a preview of their card, and a face
# is what a name badge is for (finding the person you spoke to again).
SHARED_BY_DEFAULT = frozenset(SHAREABLE_FIELDS) - {"phone"}
# "Let my shared details expire N months after the event" (issue 14): the choices offered.
CARD_EXPIRY_MONTHS = (3, 6, 12, 24)


class Attendee(db.Model):
    __tablename__ = "attendees"
    # Ids are in signed email links: SQLite must never give a deleted row's id to a new one
    # (without AUTOINCREMENT it reuses the highest), as PostgreSQL's sequences never do.
    __table_args__ = (
        UniqueConstraint("event_id", "email_key"),
        UniqueConstraint("event_id", "short_code"),
        Index("ix_attendees_event_role", "event_id", "role"),
        # The console counts who never logged in on every view of its list (and filters by it).
        Index("ix_attendees_event_login", "event_id", "last_login_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # email as typed (for display and sending); email_key lower-cased, the import key
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16), default="attendee")

    # The display name, as imported or typed: what cards and badges show.
    name: Mapped[str] = mapped_column(String(120))
    # The parts of the name as given by a file with split columns or typed by the person, never
    # guessed from `name` ("Herrera Díaz" is one family name): address books' structured name
    # (vCard N) is built from them when present. Empty when unknown.
    name_prefix: Mapped[str] = mapped_column(String(40), default="")  # "Dr.", "Prof."
    given_name: Mapped[str] = mapped_column(String(120), default="")
    family_name: Mapped[str] = mapped_column(String(120), default="")
    name_suffix: Mapped[str] = mapped_column(String(40), default="")  # "Jr.", "III"
    headline: Mapped[str] = mapped_column(String(160), default="")
    company: Mapped[str] = mapped_column(String(120), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    linkedin: Mapped[str] = mapped_column(String(300), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    links: Mapped[list] = mapped_column(JSON, default=list)
    can_help_with: Mapped[str] = mapped_column(String(500), default="")
    looking_for: Mapped[str] = mapped_column(String(500), default="")
    # The language the attendee chose (a code of eventnet.i18n.LANGUAGES); None until they
    # choose, and then their browser's language or the event's default applies.
    language: Mapped[str | None] = mapped_column(String(8))
    # The shipped language the attendee's browser asked for when they last logged in (the `lang`
    # cookie or Accept-Language; None when it asked for none we ship): emails written later,
    # away from any browser (the digest), follow it when they chose none (eventnet.i18n.selection).
    browser_language: Mapped[str | None] = mapped_column(String(8))
    shared_fields: Mapped[list] = mapped_column(JSON, default=lambda: sorted(SHARED_BY_DEFAULT))
    # NULL = never; else every copy of my card shows only my name and the event once the event
    # ended this many months ago (computed when read: attendees.cards.card_for; no job to run).
    card_expiry_months: Mapped[int | None] = mapped_column()
    # The public name of the current photo (photos.models.ProfilePhoto holds its bytes), random
    # and new with every photo, so its URL changes whenever the photo does and never says who it
    # is; None without a photo. Here, not only beside the bytes: a card gets it with the row.
    photo_key: Mapped[str | None] = mapped_column(String(32), unique=True)

    # Random, unguessable, never derived from id or email (see badges.services).
    badge_token: Mapped[str] = mapped_column(String(64), unique=True)
    short_code: Mapped[str] = mapped_column(String(16))

    profile_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Typed login codes tried in the current window (see auth.services.redeem_code): counted
    # before each check, across every code and client address, so guesses cannot outrun it.
    code_attempts: Mapped[int] = mapped_column(default=0)
    code_window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(lazy="joined", innerjoin=True)

    @property
    def is_organizer(self) -> bool:
        return self.role == "organizer"

    def shares(self, field: str) -> bool:
        return field in (self.shared_fields or ())

    def __repr__(self) -> str:
        return f"<Attendee {self.id} {self.email_key} of event {self.event_id}>"


def normalise_email(email: str) -> str:
    """The comparison key of an address: surrounding space removed, case folded."""
    return email.strip().lower()

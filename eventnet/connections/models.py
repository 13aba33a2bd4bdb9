"""Connections between attendees, each side's private note on the other, and the scans that made them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..i18n.markers import N_

PART_MAX = 300  # one prompted part of a note (works on, needs, I can offer)
# The note's prompted parts: field -> the chip's label and the labelled input's question.
# N_: these stay English here (data, exports, digests); pages translate them where shown.
NOTE_PARTS = {
    "works_on": (N_("Works on"), N_("What do they work on?")),
    "needs": (N_("Needs"), N_("What do they need?")),
    "offers": (N_("I can offer"), N_("What can you offer them?")),
}

INTENTS = {
    "none": N_("No follow-up"),
    "send": N_("Send something"),
    "introduce": N_("Introduce to someone"),
    "coffee": N_("Meet for coffee"),
    "job": N_("Hire / job lead"),
    "mentor": N_("Mentor"),
}
# The same choices as one-tap chips on a phone: six full labels need three rows at 360 px, and
# the note box, the chips and Save must fit above the keyboard (issue 12). The full label stays
# the chip's title and is what digests and exports show.
INTENT_CHIPS = {
    "none": N_("None"),
    "send": N_("Send"),
    "introduce": N_("Intro"),
    "coffee": N_("Coffee"),
    "job": N_("Job lead"),
    "mentor": N_("Mentor"),
}


class Connection(db.Model):
    """One side of an exchange: what `owner` has of `contact`, and owner's private note.

    An exchange writes two rows, one per side; the unique pair is what makes a repeated or
    racing scan harmless. The note, tags, star and intent on a row belong to its owner alone.
    """

    __tablename__ = "connections"
    # Ids are in sessions and signed email links: SQLite must never give a deleted row's id to
    # a new one (without AUTOINCREMENT it reuses the highest), as PostgreSQL's sequences never do.
    __table_args__ = (
        UniqueConstraint("owner_id", "contact_id"),
        Index("ix_connections_owner_created", "owner_id", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    # NULL once the contact deleted their account: the owner keeps their note about "a deleted attendee".
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id", ondelete="SET NULL"), index=True)
    # True when the owner scanned the contact; False when the contact scanned the owner.
    initiated: Mapped[bool] = mapped_column(Boolean, default=True)
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the phone's clock
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)  # the server's clock

    note: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    intent: Mapped[str] = mapped_column(String(16), default="none")
    note_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    followup_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The owner's private "I'd like to stay in touch" (issue 14): told to nobody unless the
    # other side's row is marked too (connections.keep_in_touch decides what anyone sees).
    keep_in_touch_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The note's prompted parts as data (the chips' labelled inputs), not English line prefixes
    # in the note: the digest reads them as they are, in any language the prompts are shown in.
    # Promises are rows of their own (promises.models.Promise).
    works_on: Mapped[str] = mapped_column(String(PART_MAX), default="", server_default="")
    needs: Mapped[str] = mapped_column(String(PART_MAX), default="", server_default="")
    offers: Mapped[str] = mapped_column(String(PART_MAX), default="", server_default="")
    # The sentence of the note the owner said is not a promise ("Track this as a promise?" → No):
    # not suggested again while the note still reads that way.
    promise_dismissed: Mapped[str | None] = mapped_column(String(PART_MAX))
    # How the pair met: None for an exchange (scan or button), "introduction" when both accepted
    # an introduction (introductions.services); `initiated` is then False on both rows.
    origin: Mapped[str | None] = mapped_column(String(16))
    # What the CONTACT lets the owner see of them (issue 14, "my card, per person"): written only
    # by the contact (mycard.services), read by attendees.cards.card_for for every copy the
    # owner sees. On this row, the holder's, rather than on the contact's own row toward the owner:
    # that row goes when the contact removes the owner from their list, which must change only
    # their list, never undo a "take my card back"; and every page that shows this row's card has
    # the row already, so honouring the choice costs no query.
    # NULL = the contact's profile defaults at any time; else the shareable fields granted.
    card_fields: Mapped[list | None] = mapped_column(JSON(none_as_null=True))
    # NULL, or when the contact took their card back: the owner's copy is then name and event only.
    card_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Scan(db.Model):
    """A scan as the phone sent it, keyed by the phone's UUID so a replay changes nothing."""

    __tablename__ = "scans"
    __table_args__ = (UniqueConstraint("scanner_id", "client_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    scanner_id: Mapped[int] = mapped_column(ForeignKey("attendees.id", ondelete="CASCADE"))
    scanned_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id", ondelete="SET NULL"))
    # The connection this scan led to (new or already there): a replayed UUID answers with it.
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("connections.id", ondelete="SET NULL"))
    client_uuid: Mapped[str] = mapped_column(String(36))
    client_scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_connection: Mapped[bool] = mapped_column(Boolean, default=False)

"""The outbox: every email is a row here first, and a sender process delivers it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db

# cancelled: not sent on purpose (unsubscribed, nothing left to say, recipient deleted), with
# the reason in last_error, so that nothing disappears without a trace.
STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    attendee_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    # Set where a message must exist at most once (e.g. one digest per attendee and kind).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    # Rows of a kind with a registered builder (a digest) hold no body: it is built when sent,
    # from these parameters, so that it is current and the table stays small.
    payload: Mapped[dict | None] = mapped_column(JSON)
    message_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RelayState(db.Model):
    """Whether the outbox is paused because the mail relay refuses us (one row, id 1).

    Written by senders (eventnet.mail.relay) when the relay turns away our connection, login or
    sender address and when it takes mail again; read by them before each round and by the
    organizer's dashboard. A paused outbox fails nothing: its rows wait, their attempts untouched.
    """

    __tablename__ = "mail_relay"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None while the relay takes our mail; when it began refusing otherwise.
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200), default="")  # plain words (mail.transports)
    last_reply: Mapped[str] = mapped_column(Text, default="")  # the relay's answer or the network error
    # When a sender may try the relay again; tries since the pause, for the backoff.
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tries: Mapped[int] = mapped_column(default=0)
    # A digest of the relay settings the pause was seen with: a sender started with other
    # settings (the deployment was fixed) tries at once instead of waiting out the backoff.
    settings_key: Mapped[str] = mapped_column(String(64), default="")
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

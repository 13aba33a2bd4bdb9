"""The organizer console's own records: the audit log, administrators, and uploads awaiting confirmation."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class AuditLog(db.Model):
    """One organizer or administrator action: who, what, when, on which event, with details.

    The actor's email is copied into the row: the log must still say who did something after
    that person's account was removed (actor_id then becomes NULL).
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_event_created", "event_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id", ondelete="SET NULL"))
    # "ada@example.org", or "command line" for `flask admin ...`
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Administrator(db.Model):
    """An email address allowed to create events and name their organizers (`flask admin add`)."""

    __tablename__ = "administrators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CsvUpload(db.Model):
    """An attendee CSV between its preview and the organizer's "Import": kept here, not on disk.

    The id is random and the row belongs to one event, so a confirm form can only ever point at
    a file its own event uploaded; the bytes are dropped once imported, the report is kept for
    download until the row expires.
    """

    __tablename__ = "csv_uploads"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("attendees.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    report: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

"""The audit log's one table: every organizer and administrator action, by any feature."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
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

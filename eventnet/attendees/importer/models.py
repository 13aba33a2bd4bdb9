"""A CSV file uploaded in the browser, kept between its preview and the organizer's "Import"."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ...database import UTCDateTime, utcnow
from ...extensions import db


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

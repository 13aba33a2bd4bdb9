"""Attendee CSV upload in the browser: stash, preview, import, and the report as a download.

The file is kept in the database between the preview and the organizer's "Import" (a random id,
tied to the event, expiring), so the confirm form carries only that id: never a path, never the
data. Parsing and importing are the command line's own functions (attendees.importer), so both
give the same row-by-row report.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import defer

from ..attendees.importer import MAX_BYTES, CSVError, ImportReport, ParsedCSV, import_rows, parse_csv
from ..attendees.models import Attendee, normalise_email
from ..database import utcnow
from ..errors import fail
from ..events.models import Event
from ..extensions import db
from . import audit
from .models import CsvUpload

UPLOAD_LIFETIME = timedelta(hours=2)
PREVIEW_ROWS = 10
# The request may be a little larger than the file: the multipart envelope and the CSRF field.
REQUEST_LIMIT = MAX_BYTES + 256 * 1024
FILENAME_MAX = 200
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_filename(name: str | None) -> str:
    """The uploaded file's base name, for display only: no directories, no control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    return base[:FILENAME_MAX] or "attendees.csv"


def _purge_expired() -> None:
    db.session.execute(delete(CsvUpload).where(CsvUpload.expires_at < utcnow()))


def stash_upload(event: Event, actor: Attendee, filename: str | None, data: bytes) -> tuple[CsvUpload, ParsedCSV]:
    """Check an uploaded CSV and keep it for the preview; CSVError if the file cannot be imported. Commits."""
    parsed = parse_csv(data)  # raises CSVError before anything is stored
    _purge_expired()
    upload = CsvUpload(
        id=secrets.token_urlsafe(32),
        event_id=event.id,
        uploaded_by_id=actor.id,
        filename=clean_filename(filename),
        data=data,
        expires_at=utcnow() + UPLOAD_LIFETIME,
    )
    db.session.add(upload)
    db.session.commit()
    return upload, parsed


def get_upload_or_404(event: Event, upload_id: str) -> CsvUpload:
    """A stashed upload of this event that has not expired; 404 otherwise (another event's id included)."""
    upload = None
    if isinstance(upload_id, str) and len(upload_id) <= 64:
        upload = db.session.execute(
            db.select(CsvUpload).filter_by(id=upload_id, event_id=event.id)
        ).scalar_one_or_none()
    if upload is None or upload.expires_at < utcnow():
        fail(404, "This upload is not here any more (uploads are kept for two hours). Upload the file again.")
    return upload


def parse_upload(upload: CsvUpload) -> ParsedCSV:
    """The stashed file, parsed again (it was valid when stashed, and parsing is deterministic)."""
    try:
        return parse_csv(upload.data or b"")
    except CSVError:  # the same bytes parsed fine when they were stashed; only a changed parser gets here
        fail(404, "This upload can no longer be read. Upload the file again.")


def _rows(results) -> list[dict]:
    return [{"row": r.row, "email": r.email, "name": r.name, "reasons": list(r.reasons)} for r in results]


def report_dict(upload: CsvUpload, parsed: ParsedCSV, report: ImportReport) -> dict:
    """The report as stored with the upload (JSON) and shown on the report page."""
    return {
        "filename": upload.filename,
        "rows": len(parsed.rows),
        "columns": parsed.columns,
        "ignored": parsed.ignored,
        "created": _rows(report.created),
        "updated": _rows(report.updated),
        "rejected": _rows(report.rejected),
    }


class AlreadyImported(Exception):
    """The upload was imported before (a double click, a second tab): its report is shown instead."""

    code = "already_imported"


def confirm_import(event: Event, actor: Attendee, upload_id: str) -> CsvUpload:
    """Import a stashed upload once: create or update the valid rows, store the report. Commits.

    The upload is claimed with a conditional update first, so of two confirms (a double click,
    two tabs) only one imports; the other raises AlreadyImported and shows the same report.
    """
    upload = get_upload_or_404(event, upload_id)
    claimed = db.session.execute(
        update(CsvUpload).where(CsvUpload.id == upload.id, CsvUpload.imported_at.is_(None)).values(imported_at=utcnow())
    ).rowcount
    db.session.commit()
    if claimed != 1:
        raise AlreadyImported()
    parsed = parse_upload(upload)
    try:
        report = import_rows(event, parsed)  # commits the attendees
    except Exception:
        # Nothing was imported (import_rows commits all or nothing): free the claim so the
        # organizer can press Import again instead of being stuck between preview and report.
        db.session.rollback()
        db.session.execute(update(CsvUpload).where(CsvUpload.id == upload.id).values(imported_at=None))
        db.session.commit()
        raise
    upload = db.session.get(CsvUpload, upload.id)
    upload.report = report_dict(upload, parsed, report)
    upload.data = None  # the attendees are in the database now; the file is not needed
    audit.record(event, db.session.get(Attendee, actor.id), "csv_imported", filename=upload.filename,
                 created=len(report.created), updated=len(report.updated), rejected=len(report.rejected))
    db.session.commit()
    return upload


def pseudonymise_reports(attendee: Attendee, label: str) -> None:
    """In the event's stored import reports, the rows of a deleted attendee's address lose the
    address and show `label` for the name (the caller commits). The counts stay as they were."""
    uploads = db.session.execute(
        db.select(CsvUpload).where(CsvUpload.event_id == attendee.event_id).options(defer(CsvUpload.data))
    ).scalars()
    for upload in uploads:
        report = upload.report
        if not isinstance(report, dict):
            continue
        changed = False
        rewritten = dict(report)
        for outcome in ("created", "updated", "rejected"):
            rows = []
            for row in report.get(outcome) or ():
                if isinstance(row.get("email"), str) and normalise_email(row["email"]) == attendee.email_key:
                    row, changed = {**row, "email": "", "name": label}, True
                rows.append(row)
            rewritten[outcome] = rows
        if changed:
            upload.report = rewritten  # a new dict: the JSON column sees a change only on assignment


def spreadsheet_safe(value: object) -> str:
    """A cell value that a spreadsheet shows as text, never runs as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def report_csv(report: dict) -> str:
    """The import report as CSV (UTF-8 with BOM for Excel): row, outcome, email, name, reasons."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["row", "outcome", "email", "name", "reasons"])
    for outcome in ("created", "updated", "rejected"):
        for r in sorted(report.get(outcome, ()), key=lambda r: r["row"]):
            writer.writerow([spreadsheet_safe(v) for v in (r["row"], outcome, r["email"], r["name"], "; ".join(r["reasons"]))])
    return out.getvalue()


@dataclass
class Preview:
    """What the preview page shows: detected columns, the first rows, and counts."""

    upload: CsvUpload
    parsed: ParsedCSV

    @property
    def first_rows(self):
        return self.parsed.rows[:PREVIEW_ROWS]

    @property
    def valid(self) -> int:
        return len(self.parsed.valid_rows)

    @property
    def invalid(self) -> int:
        return len(self.parsed.invalid_rows)

"""Attendee CSV upload in the browser: stash, preview with the column mapping, import, and the report.

The file is kept in the database between the preview and the organizer's "Import" (a random id,
tied to the event, expiring), so the confirm form carries only that id and the mapping shown in
the preview (a column number per field, and a character set if one was chosen): never a path,
never the data. Parsing and importing are the command line's own functions
(attendees.importer), so both give the same row-by-row report.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, update
from sqlalchemy.orm import defer

from . import (
    FIELDS,
    LABELS,
    MAX_BYTES,
    OUTCOMES,
    CSVError,
    ImportReport,
    ParsedCSV,
    import_rows,
    read_csv,
    shorten,
)
from .decoding import CODEPAGES, NAMES
from ..models import Attendee, normalise_email
from ...database import utcnow
from ...errors import fail
from ...events.models import Event
from ...extensions import db
from ...audit import services as audit
from .models import CsvUpload
from .said import shown, stored

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
    """Check an uploaded CSV and keep it for the preview; CSVError if the file cannot be read. Commits.

    A file whose columns we do not recognise is kept: the preview lets the organizer choose them.
    """
    parsed = read_csv(data)  # raises CSVError before anything is stored
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
        fail(404, _("This upload is not here any more (uploads are kept for two hours). Upload the file again."))
    return upload


ENCODINGS = ("utf_8_sig", *CODEPAGES)  # the character sets an organizer may choose in the preview


@dataclass
class Choices:
    """What the organizer chose in the preview: a column index (or None, "not used") per field, a character set.

    `errors` holds messages for values that are not choices at all (a tampered form), per field.
    """

    columns: dict[str, int | None]
    encoding: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    submitted: bool = False


def read_choices(form: Mapping[str, str]) -> Choices:
    """The mapping choices of a preview or confirm form: `map-<field>` = a column number or "" (not used),
    `encoding` = one of ENCODINGS or "" (detected). Fields the form does not name keep the detected column."""
    columns: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for name in FIELDS:
        value = form.get(f"map-{name}")
        if value is None:
            continue
        value = str(value).strip()
        if value == "":
            columns[name] = None
        elif value.isdigit() and len(value) <= 4:
            columns[name] = int(value)
        else:
            errors[name] = _("Choose one of the columns of the file.")
    encoding = str(form.get("encoding") or "").strip() or None
    if encoding is not None and encoding not in ENCODINGS:
        errors["encoding"], encoding = _("Choose one of the character sets in the list."), None
    submitted = any(key.startswith("map-") for key in form) or "encoding" in form
    return Choices(columns, encoding, errors, submitted)


def parse_upload(upload: CsvUpload, choices: Choices | None = None) -> ParsedCSV:
    """The stashed file, read again with the organizer's choices (without them, as detected).

    A character set that does not fit the file falls back to the detected one, with the message
    in `choices.errors["encoding"]`. A file that no longer reads at all (only a changed parser
    could do that: it read when stashed) is a 404 with "upload it again".
    """
    columns = choices.columns if choices else None
    encoding = choices.encoding if choices else None
    try:
        try:
            return read_csv(upload.data or b"", columns, encoding)
        except CSVError as error:
            if encoding is None:
                raise
            choices.errors["encoding"] = str(error)
            return read_csv(upload.data or b"", columns)
    except CSVError:
        fail(404, _("This upload can no longer be read. Upload the file again."))


def _rows(results) -> list[dict]:
    return [{"row": r.row, "email": r.email, "name": r.name, "reasons": [stored(x) for x in r.reasons]} for r in results]


def report_dict(upload: CsvUpload, parsed: ParsedCSV, report: ImportReport) -> dict:
    """The report as stored with the upload (JSON) and shown on the report page.

    {"filename", "rows": count, "encoding": "UTF-8", "notes": [...], "mapping": [{"field", "label",
    "header", "column", "notes", "by_hand"}], "ignored": [headers], and per outcome (OUTCOMES) a
    list of {"row", "email", "name", "reasons"}, values shortened}. Notes and reasons are stored
    as said.Said JSON (the English text and what translates it): pages show them in their reader's
    language (said.shown); `field` and the outcome keys stay the stable machine values.
    """
    return {
        "filename": upload.filename,
        "rows": len(parsed.rows),
        "encoding": parsed.encoding,
        "notes": [stored(n) for n in parsed.notes()],
        "mapping": [{**used, "notes": [stored(n) for n in used["notes"]]} for used in parsed.mapping()],
        "ignored": [shorten(h, 40) for h in parsed.ignored],
        **{outcome: _rows(getattr(report, outcome)) for outcome in OUTCOMES},
    }


class AlreadyImported(Exception):
    """The upload was imported before (a double click, a second tab): its report is shown instead."""

    code = "already_imported"


class MappingNotUsable(Exception):
    """The confirm form's mapping gives no email or name (or was tampered with): the preview is shown again."""

    code = "invalid_mapping"

    def __init__(self, parsed: ParsedCSV, choices: Choices):
        super().__init__("the column mapping cannot be imported")
        self.parsed, self.choices = parsed, choices


def confirm_import(event: Event, actor: Attendee, upload_id: str, form: Mapping[str, str] | None = None) -> CsvUpload:
    """Import a stashed upload once, with the mapping of the preview: create or update the rows, store the report. Commits.

    The upload is claimed with a conditional update first, so of two confirms (a double click,
    two tabs) only one imports; the other raises AlreadyImported and shows the same report.
    MappingNotUsable (nothing claimed) when the form's mapping cannot give an email and a name.
    """
    upload = get_upload_or_404(event, upload_id)
    if upload.imported_at is not None:
        raise AlreadyImported()
    choices = read_choices(form or {})
    parsed = parse_upload(upload, choices)
    if choices.errors or parsed.mapping_errors:
        raise MappingNotUsable(parsed, choices)
    claimed = db.session.execute(
        update(CsvUpload).where(CsvUpload.id == upload.id, CsvUpload.imported_at.is_(None)).values(imported_at=utcnow())
    ).rowcount
    db.session.commit()
    if claimed != 1:
        raise AlreadyImported()
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
                 **report.counts())
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
        for outcome in OUTCOMES:
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
    """The import report as CSV (UTF-8 with BOM for Excel): row, outcome, email, name, reasons.

    The header and the outcomes are machine values (a spreadsheet filters on them); the reasons
    are sentences, in the language of whoever downloads the report.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["row", "outcome", "email", "name", "reasons"])
    for outcome in OUTCOMES:
        for r in sorted(report.get(outcome, ()), key=lambda r: r["row"]):
            reasons = "; ".join(str(shown(x)) for x in r["reasons"])
            writer.writerow([spreadsheet_safe(v) for v in (r["row"], outcome, r["email"], r["name"], reasons)])
    return out.getvalue()


@dataclass
class Preview:
    """What the preview page shows: how the file was read, the mapping form, the first rows, counts.

    `forecast` is what importing would do now (a dry run against the event's attendees):
    {"created": n, "updated": n, "unchanged": n, "skipped": n, "rejected": n}, or None while
    the mapping cannot be imported.
    """

    upload: CsvUpload
    parsed: ParsedCSV
    choices: Choices
    forecast: dict[str, int] | None = None

    fields = FIELDS

    @property
    def labels(self) -> dict[str, str]:
        """Each field's label in the reader's language."""
        return {name: _(label) for name, label in LABELS.items()}

    @property
    def first_rows(self):
        return self.parsed.rows[:PREVIEW_ROWS]

    @property
    def has_notes(self) -> bool:
        """Whether any of the first rows is rejected, skipped or has a note: else the table has no Notes column."""
        return any(r.errors or r.skip or r.notes for r in self.first_rows)

    @property
    def valid(self) -> int:
        return len(self.parsed.valid_rows)

    @property
    def invalid(self) -> int:
        return len(self.parsed.invalid_rows)

    @property
    def skipped(self) -> int:
        return len(self.parsed.skipped_rows)

    @property
    def pending(self) -> int:
        return sum(1 for r in self.parsed.valid_rows if r.pending)

    @property
    def errors(self) -> dict[str, str]:
        """Messages per field (and "encoding"): the organizer's choices that cannot be used, or what to choose."""
        return {k: v for k, v in {**self.parsed.mapping_errors, **self.choices.errors}.items() if k != "_file"}

    @property
    def importable(self) -> bool:
        return not self.parsed.mapping_errors and not self.choices.errors

    @property
    def status(self) -> int:
        """422 when the organizer's own choices cannot be imported; 200 otherwise (even when detection needs help)."""
        return 422 if self.choices.submitted and not self.importable else 200

    @property
    def column_options(self) -> list[tuple[str, str]]:
        """(value, label) of every column for the mapping selects: 'C: Email (e.g. ada@example.org)'."""
        from . import column_letter

        options = [("", _("— not used —"))]
        for index, header in enumerate(self.parsed.headers):
            letter, header = column_letter(index), shorten(header, 40) or _("(no header)")
            sample = self.parsed.samples.get(index)
            if sample:
                label = _("%(column)s: %(header)s (e.g. %(sample)s)", column=letter, header=header,
                          sample=shorten(sample, 30))
            else:
                label = _("%(column)s: %(header)s", column=letter, header=header)
            options.append((str(index), label))
        return options

    @property
    def encoding_options(self) -> list[tuple[str, str]]:
        """(value, label) for the character set select: the detected one first, then the others."""
        decoded = self.parsed.decoded
        first = [("", _("%(encoding)s (detected)", encoding=_(decoded.label)) if not self.choices.encoding
                  else _("As detected"))]
        others = [c for c in (*decoded.alternatives, *ENCODINGS) if c != decoded.encoding or self.choices.encoding]
        return first + [(c, _(NAMES[c])) for c in dict.fromkeys(others)]

    @property
    def shown_fields(self) -> list[str]:
        """The fields the mapping form shows at once: those with a column, the required ones, any with an error."""
        fields, errors = self.parsed.colmap.fields, self.errors
        return [n for n in FIELDS if n in fields or n in ("email", "name") or n in errors]

    @property
    def other_fields(self) -> list[str]:
        """The fields this file has no column for: behind "More fields", to keep the form short on a phone."""
        shown = set(self.shown_fields)
        return [n for n in FIELDS if n not in shown]

    @property
    def other_labels(self) -> list[str]:
        return [_(LABELS[n]).split(" (")[0] for n in self.other_fields]

    @property
    def table_columns(self) -> list[tuple[str, str]]:
        """(attribute, heading) of the optional columns the preview table shows: only fields the file feeds."""
        headings = {"company": _("Company"), "headline": _("Job title"), "role": _("Role"), "status": _("Status")}
        return [(n, h) for n, h in headings.items() if n in self.parsed.colmap.fields]

    def selected(self, name: str) -> str:
        index = self.parsed.colmap.fields.get(name)
        return "" if index is None else str(index)


def preview(event: Event, upload: CsvUpload, form: Mapping[str, str]) -> Preview:
    """The preview of a stashed upload with the choices of `form` (the query string of the mapping form)."""
    choices = read_choices(form)
    parsed = parse_upload(upload, choices)
    shown = Preview(upload, parsed, choices)
    if shown.importable:
        shown.forecast = import_rows(event, parsed, dry_run=True).counts()
    return shown

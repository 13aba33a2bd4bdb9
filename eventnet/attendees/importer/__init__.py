"""Attendee lists from CSV: parse and validate row by row, then create or update in one go.

Two steps so that both the command line and a browser upload can show the same report:
`parse_csv(data)` reads and checks the file without touching the database, and
`import_rows(event, parsed)` writes the valid rows in one transaction.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.exc import IntegrityError

from ...events.models import Event
from ...extensions import db
from . import decoding, dialect
from .errors import CSVError
from ..models import ROLES, normalise_email
from ..services import CREATED, AttendeeFields, upsert_attendees

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000

# Our field -> the header names people use for it, compared after _header_key().
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "email address", "e-mail address", "mail"),
    "name": ("name", "full name", "fullname", "attendee name", "participant"),
    "company": ("company", "organisation", "organization", "org", "employer", "company name"),
    "headline": ("headline", "title", "job title", "position", "role title"),
    "role": ("role", "type", "attendee type"),
}
REQUIRED = ("email", "name")
MAX_LENGTHS = {"name": 120, "company": 120, "headline": 160}
# British spelling is common in the files organizers send.
ROLE_ALIASES = {"organiser": "organizer", "participant": "attendee"}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _header_key(header: str) -> str:
    # "E-Mail", "e_mail" and " email " all become "email"; "Job title" becomes "jobtitle".
    return re.sub(r"[^0-9a-z]", "", header.casefold())


_HEADER_LOOKUP = {_header_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


@dataclass
class ParsedRow:
    """One data row: the values we read, and why it cannot be imported (if it cannot)."""

    row: int  # as a spreadsheet numbers it: the header is row 1
    email: str
    name: str
    company: str | None
    headline: str | None
    role: str | None
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class ParsedCSV:
    """A read file: its character set, which header went to which field, and every non-blank row."""

    encoding: str  # as the organizer knows it: "UTF-8", "Windows-1252 (Western European)"
    delimiter: str
    headers: list[str]
    columns: dict[str, str]  # our field -> the header as written in the file
    ignored: list[str]
    rows: list[ParsedRow]

    @property
    def valid_rows(self) -> list[ParsedRow]:
        return [r for r in self.rows if r.valid]

    @property
    def invalid_rows(self) -> list[ParsedRow]:
        return [r for r in self.rows if not r.valid]


@dataclass
class RowResult:
    row: int
    email: str
    name: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import did (or, on a dry run, would do), row by row."""

    created: list[RowResult] = field(default_factory=list)
    updated: list[RowResult] = field(default_factory=list)
    rejected: list[RowResult] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.rejected


def _split(text: str, delimiter: str, quotechar: str = '"') -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar, strict=False))


def _map_headers(headers: list[str]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    ignored = []
    for index, header in enumerate(headers):
        name = _HEADER_LOOKUP.get(_header_key(header))
        if name is None:
            if header.strip():
                ignored.append(header.strip())
        elif name in columns:
            raise CSVError(
                "duplicate_column",
                f"Two columns mean {name}: {headers[columns[name]].strip()!r} and {header.strip()!r}. Keep one of them.",
            )
        else:
            columns[name] = index
    return columns, ignored


def _is_blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def _read_records(text: str) -> tuple[str, list[list[str]]]:
    """Split the text with the detected delimiter, or the next one whose header names our required columns.

    The dialect comes from the first few KB in linear time (dialect.detect), never from
    csv.Sniffer, whose regular expressions take seconds on a crafted file of a few dozen KB.
    """
    found = dialect.detect(text)
    if found.skip_lines:
        text = text.split("\n", found.skip_lines)[-1] if "\n" in text else ""
    first_try = None
    for delimiter in found.candidates:
        try:
            records = _split(text, delimiter, found.quotechar)
        except csv.Error as exc:
            raise CSVError("unreadable", f"The file is not a CSV we can read: {exc}.") from None
        header = next((r for r in records if not _is_blank(r)), None)
        if header is None:
            raise CSVError("empty", "The file is empty. Its first row must name the columns, e.g. email,name,company.")
        columns, _ = _map_headers(header)
        if all(name in columns for name in REQUIRED):
            return delimiter, records
        first_try = first_try or (delimiter, records)
    # No delimiter yields the required columns: report them as the detected one reads them.
    return first_try


def _cell(record: list[str], index: int | None) -> str:
    if index is None or index >= len(record):
        return ""
    return record[index].strip()


def _check_row(row: ParsedRow, raw: dict[str, str], seen: dict[str, int]) -> None:
    errors = row.errors
    if not row.email:
        errors.append("email is missing")
    else:
        try:
            validate_email(row.email, check_deliverability=False)
        except EmailNotValidError as exc:
            errors.append(f"invalid email {row.email!r}: {exc}")
        else:
            key = normalise_email(row.email)
            if key in seen:
                errors.append(f"duplicate of row {seen[key]} (same email)")
            else:
                seen[key] = row.row
    if not row.name:
        errors.append("name is missing")
    for name, limit in MAX_LENGTHS.items():
        value = raw.get(name, "")
        if len(value) > limit:
            errors.append(f"{name} is longer than {limit} characters ({len(value)})")
    for name, value in raw.items():
        # NUL and other control characters break PostgreSQL text and every printed badge.
        if _CONTROL.search(value):
            errors.append(f"{name} contains control characters or a line break")
    if raw.get("role"):
        role = raw["role"].casefold()
        role = ROLE_ALIASES.get(role, role)
        if role in ROLES:
            row.role = role
        else:
            errors.append(f"role must be {' or '.join(ROLES)}, not {raw['role']!r}")


def parse_csv(data: bytes) -> ParsedCSV:
    """Read and validate an attendee CSV without touching the database; raises CSVError."""
    if len(data) > MAX_BYTES:
        raise CSVError(
            "too_large",
            f"The file is {len(data) / 1024 / 1024:.1f} MB; at most {MAX_BYTES // 1024 // 1024} MB "
            f"({MAX_ROWS:,} rows) can be imported at once. Split it into smaller files.",
        )
    decoded = decoding.decode(data)
    delimiter, records = _read_records(decoded.text)
    header_index = next(i for i, r in enumerate(records) if not _is_blank(r))
    headers = [h.strip() for h in records[header_index]]
    columns, ignored = _map_headers(headers)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        found = ", ".join(repr(h) for h in headers if h) or "none"
        raise CSVError(
            "missing_columns",
            f"The file has no {' and no '.join(missing)} column. Columns found: {found}. "
            "The first row must name the columns: email and name are required; company, headline and role are optional.",
        )
    rows: list[ParsedRow] = []
    seen: dict[str, int] = {}
    for index in range(header_index + 1, len(records)):
        record = records[index]
        if _is_blank(record):
            continue
        if len(rows) >= MAX_ROWS:
            raise CSVError(
                "too_many_rows",
                f"The file has more than {MAX_ROWS:,} rows; import at most {MAX_ROWS:,} at once. Split it into smaller files.",
            )
        raw = {name: _cell(record, col) for name, col in columns.items()}
        # Cells that start with = + - @ are kept as typed: here they are names, not formulas.
        # Exports that open in spreadsheets must neutralise them there, where the risk is.
        row = ParsedRow(
            row=index + 1,
            email=raw["email"],
            name=raw["name"],
            # An empty or absent cell leaves what the person typed into their profile alone.
            company=raw.get("company") or None,
            headline=raw.get("headline") or None,
            role=None,
        )
        _check_row(row, raw, seen)
        rows.append(row)
    return ParsedCSV(
        encoding=decoded.label,
        delimiter=delimiter,
        headers=headers,
        columns={name: headers[col] for name, col in columns.items()},
        ignored=ignored,
        rows=rows,
    )


def _apply(event: Event, parsed: ParsedCSV, dry_run: bool) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    valid = parsed.valid_rows
    # One read of the event's attendees and batched writes: row-at-a-time lookups and flushes
    # made a 20,000-row file take seconds per thousand rows.
    outcomes = iter(upsert_attendees(
        event,
        [AttendeeFields(r.email, r.name, company=r.company, headline=r.headline, role=r.role) for r in valid],
        dry_run=dry_run,
    ))  # one per valid row, in file order
    for row in parsed.rows:
        result = RowResult(row.row, row.email, row.name, list(row.errors))
        if not row.valid:
            report.rejected.append(result)
        else:
            (report.created if next(outcomes) == CREATED else report.updated).append(result)
    return report


def import_rows(event: Event, parsed: ParsedCSV, dry_run: bool = False) -> ImportReport:
    """Create or update the valid rows in one transaction; on a dry run, only say what would happen."""
    try:
        report = _apply(event, parsed, dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        return report
    except IntegrityError:
        # Someone else (a second import, a sign-up) created one of these people meanwhile:
        # run once more, and that row becomes an update.
        db.session.rollback()
        report = _apply(event, parsed, dry_run)
        db.session.commit()
        return report

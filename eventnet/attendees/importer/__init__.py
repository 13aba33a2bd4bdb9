"""Attendee lists from CSV: read and check row by row, then create or update in one go.

Two steps so that both the command line and a browser upload show the same report:
`parse_csv(data)` reads and checks the file without touching the database, and
`import_rows(event, parsed)` writes the importable rows in one transaction.

Reading a file goes through small modules, each with its rules and sources:
- decoding: bytes to text (UTF-8, UTF-16 with BOM, or a legacy code page we are sure of);
- dialect: the delimiter and quote from the first few KB, in linear time;
- headers: the header row (title rows above it skipped) and which column feeds each field;
- vocabulary: the header names of each field in the languages organizers use, and statuses;
- rows: one row's values, its display name, whether it is imported, skipped or rejected;
- report and saving: the outcome of each row.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

from . import decoding, dialect, headers
from .decoding import Decoded
from .errors import CSVError
from .headers import ColumnMap, MappingInvalid, column_letter, resolve_columns
from .report import OUTCOMES, ImportReport, RowResult
from .rows import MAX_LENGTHS, ParsedRow, mark_duplicates, read_row, shorten
from .said import Said, number, say, say_n
from .saving import import_rows
from .vocabulary import FIELDS, LABELS

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
# Exports with every custom question have a few hundred columns at most; a file with more is
# not an attendee list, and each column becomes an option of every select of the preview.
MAX_COLUMNS = 1_000
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
# Whole sentences per delimiter, so that each language words them its own way.
_READ_AS = {
    ",": say("Read as %(encoding)s, columns separated by commas."),
    ";": say("Read as %(encoding)s, columns separated by semicolons."),
    "\t": say("Read as %(encoding)s, columns separated by tabs."),
    "|": say("Read as %(encoding)s, columns separated by vertical bars."),
}

__all__ = [
    "CSVError", "ColumnMap", "Decoded", "FIELDS", "ImportReport", "LABELS", "MAX_BYTES", "MAX_COLUMNS", "MAX_LENGTHS",
    "MAX_ROWS",
    "MappingInvalid", "OUTCOMES", "ParsedCSV", "ParsedRow", "RowResult", "column_letter", "import_rows",
    "parse_csv", "read_csv", "resolve_columns", "shorten",
]


@dataclass
class ParsedCSV:
    """A read file: how it was read, which column feeds each field, and every non-blank row after the header.

    `header_row` is the header's row number as a spreadsheet shows it. `mapping_errors` (field ->
    message) is set when the columns cannot give every row an email and a name: `rows` is then
    empty, and the organizer chooses the columns (browser) or passes --map (CLI).
    """

    decoded: Decoded
    delimiter: str
    header_row: int
    colmap: ColumnMap
    rows: list[ParsedRow]
    mapping_errors: dict[str, Said] = field(default_factory=dict)
    duplicates: int = 0
    rows_above: int = 0  # non-blank rows above the header (a title), skipped
    samples: dict[int, str] = field(default_factory=dict)  # column -> its first value, for the column choices

    @property
    def headers(self) -> list[str]:
        return self.colmap.headers

    @property
    def columns(self) -> dict[str, str]:
        """Our field -> the header as written in the file."""
        return {name: self.colmap.headers[index].strip() for name, index in self.colmap.fields.items()}

    @property
    def ignored(self) -> list[str]:
        return self.colmap.unused

    @property
    def encoding(self) -> str:
        return self.decoded.label

    @property
    def valid_rows(self) -> list[ParsedRow]:
        """The rows that are imported."""
        return [r for r in self.rows if r.valid]

    @property
    def invalid_rows(self) -> list[ParsedRow]:
        """The rows that are rejected."""
        return [r for r in self.rows if r.rejected]

    @property
    def skipped_rows(self) -> list[ParsedRow]:
        return [r for r in self.rows if r.skipped]

    def mapping(self) -> list[dict]:
        """Each used field with its column, as the preview and the report show it.

        [{"field": "email", "label": "Email", "header": "Attendee email", "column": "S",
          "notes": ["Used ..."], "by_hand": False}, ...], in FIELDS order.
        """
        return [
            {"field": name, "label": LABELS[name], "header": shorten(self.colmap.headers[index].strip(), 60),
             "column": column_letter(index), "notes": list(self.colmap.notes.get(name, ())),
             "by_hand": name in self.colmap.chosen_by_hand}
            for name in FIELDS if (index := self.colmap.fields.get(name)) is not None
        ]

    def notes(self) -> list[Said]:
        """What the file as a whole looked like, in words: encoding, delimiter, header row, duplicates."""
        read_as = _READ_AS.get(self.delimiter)
        encoding = Said(self.decoded.label)  # a character set's name: translated where shown
        notes = [Said(read_as.msgid, None, {"encoding": encoding}) if read_as is not None else
                 say("Read as %(encoding)s, columns separated by %(delimiter)s.", encoding=encoding,
                      delimiter=repr(self.delimiter))]
        if self.header_row > 1:
            above, blank = self.header_row - 1, self.header_row - 1 - self.rows_above
            kinds = [kind for kind in (say_n("%(num)d title row", "%(num)d title rows", self.rows_above),
                                       say_n("%(num)d blank row", "%(num)d blank rows", blank)) if kind.values["num"]]
            what = kinds[0] if len(kinds) == 1 else say("%(first)s and %(last)s", first=kinds[0], last=kinds[1])
            notes.append(say_n("The header is row %(row)s: the row above it (%(what)s) is not imported.",
                                "The header is row %(row)s: the %(num)d rows above it (%(what)s) are not imported.",
                                above, row=self.header_row, what=what))
        if self.duplicates:
            notes.append(say_n("%(num)d row repeats an email of an earlier row: the first row of each email is "
                                "imported, the repeats are skipped.",
                                "%(num)d rows repeat emails of an earlier row: the first row of each email is "
                                "imported, the repeats are skipped.", self.duplicates))
        return notes


def _split(text: str, delimiter: str, quotechar: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar, strict=False))
    except csv.Error as exc:  # a cell over csv's field size limit (128 KB)
        raise CSVError("unreadable", _("The file is not a CSV we can read: %(reason)s.", reason=exc)) from None


def _is_blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def _records(text: str) -> tuple[str, list[list[str]], int | None]:
    """Split with the detected delimiter, or the next one under which a header names an email and a name.

    The dialect comes from the first few KB in linear time (dialect.detect), never from
    csv.Sniffer, whose regular expressions take seconds on a crafted file of a few dozen KB.
    Returns the delimiter, the records and the header's index (None when no row names a person).
    """
    found = dialect.detect(text)
    if found.skip_lines:
        text = text.split("\n", found.skip_lines)[-1] if "\n" in text else ""
    first = None
    for delimiter in found.candidates:
        records = _split(text, delimiter, found.quotechar)
        header = headers.find_header(records)
        if header is not None:
            return delimiter, records, header
        first = first or (delimiter, records)
    return first[0], first[1], None


def _fallback_header(records: list[list[str]]) -> int:
    """Without a recognised header: the first of the first rows with two or more cells, else the first non-blank."""
    non_blank = [i for i, r in enumerate(records) if not _is_blank(r)][: headers.HEADER_SEARCH_ROWS]
    return next((i for i in non_blank if sum(1 for c in records[i] if c.strip()) >= 2), non_blank[0])


def _missing(colmap: ColumnMap) -> dict[str, Said]:
    """What the detected mapping lacks (field -> message), with the whole story under "_file"."""
    has = {"email": "email" in colmap.fields,
           "name": any(f in colmap.fields for f in ("name", "given_name", "family_name"))}
    messages = {"email": say("Choose the column that holds the email addresses: the email is how people log in."),
                "name": say("Choose the column that holds the names (or the given and family name columns).")}
    errors = {name: messages[name] for name, found in has.items() if not found}
    if errors:
        found = ", ".join(repr(h.strip()) for h in colmap.headers if h.strip())
        if "email" in errors and "name" in errors:
            lacks = say("The file has no email and no name column that we recognise.")
        elif "email" in errors:
            lacks = say("The file has no email column that we recognise.")
        else:
            lacks = say("The file has no name column that we recognise.")
        errors["_file"] = say(
            "%(lacks)s Columns found: %(found)s. Name the columns in the first row (email and name, or first and "
            "last name; company, job title, role and status are optional), or choose them.",
            lacks=lacks, found=found or say("none"))
    return errors


def _samples(body: list[list[str]], width: int, rows: int = 200) -> dict[int, str]:
    """Each column's first value in the first rows, to tell columns apart when choosing them."""
    samples: dict[int, str] = {}
    for record in body[:rows]:
        for index, cell in enumerate(record[:width]):
            if index not in samples and cell.strip():
                samples[index] = cell.strip()
    return samples


def read_csv(data: bytes, choices: Mapping[str, int | None] | None = None, encoding: str | None = None) -> ParsedCSV:
    """Read and check an attendee CSV without touching the database.

    `choices` (field -> column index, None for "not used") change the detected mapping;
    `encoding` reads the file in that character set instead of the detected one. CSVError when
    the file cannot be read at all; a mapping that gives no email or name is not an error here
    but ParsedCSV.mapping_errors, so that the browser can show the file and let the organizer
    choose the columns.
    """
    if len(data) > MAX_BYTES:
        raise CSVError(
            "too_large",
            _("The file is %(size)s MB; at most %(max)s MB (%(rows)s rows) can be imported at once. "
              "Split it into smaller files.", size=number(len(data) / 1024 / 1024, "0.0"),
              max=MAX_BYTES // 1024 // 1024, rows=number(MAX_ROWS)),
        )
    decoded = decoding.read_as(data, encoding) if encoding else decoding.decode(data)
    delimiter, records, header_index = _records(decoded.text)
    if all(_is_blank(r) for r in records):
        raise CSVError("empty", _("The file is empty. Its first row must name the columns, e.g. email,name,company."))
    if header_index is None:
        header_index = _fallback_header(records)
    header = [h.strip() for h in records[header_index]]
    width = max(len(header), max((len(r) for r in records[header_index + 1:]), default=0))
    if width > MAX_COLUMNS:
        raise CSVError("too_many_columns", _("The file has %(count)s columns; an attendee list has at most %(max)s. "
                                             "Export only the attendee columns, or check the separator.",
                                             count=number(width), max=number(MAX_COLUMNS)))
    header += [""] * (width - len(header))  # cells past the header's last one still get a column
    body = records[header_index + 1:]
    colmap = headers.detect(header, body)
    errors: dict[str, Said] = {}
    if choices:
        try:
            colmap = headers.apply_choices(colmap, choices)
        except MappingInvalid as invalid:
            errors = dict(invalid.errors)
    elif not headers.names_a_person(colmap.fields):
        errors = _missing(colmap)
    parsed = ParsedCSV(
        decoded=decoded, delimiter=delimiter, header_row=header_index + 1, colmap=colmap, rows=[],
        mapping_errors=errors, rows_above=sum(1 for r in records[:header_index] if not _is_blank(r)),
        samples=_samples(body, width),
    )
    if errors:
        return parsed
    rows = parsed.rows
    for offset, record in enumerate(body):
        if _is_blank(record):
            continue
        if len(rows) >= MAX_ROWS:
            raise CSVError(
                "too_many_rows",
                _("The file has more than %(max)s rows; import at most %(max)s at once. Split it into smaller files.",
                  max=number(MAX_ROWS)),
            )
        rows.append(read_row(header_index + 2 + offset, record, colmap.fields))
    parsed.duplicates = mark_duplicates(rows)
    return parsed


def parse_csv(data: bytes, choices: Mapping[str, int | None] | None = None, encoding: str | None = None) -> ParsedCSV:
    """read_csv, with a mapping that gives no email or name as a CSVError ("missing_columns", "invalid_mapping")."""
    parsed = read_csv(data, choices, encoding)
    if parsed.mapping_errors:
        errors = dict(parsed.mapping_errors)
        if "_file" in errors:
            raise CSVError("missing_columns", errors["_file"].shown())
        raise CSVError("invalid_mapping", " ".join(e.shown() if isinstance(e, Said) else e for e in errors.values()))
    return parsed

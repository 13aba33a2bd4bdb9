"""One data row: its values by the column map, the name it gives, and whether it is imported.

A row ends in one of three ways before anything is saved: importable (maybe with notes, such
as a pending registration), skipped (a status that is not a registration, or an email that an
earlier row of the file has: the first row of an email is the one imported, every later one is
skipped and says which row it repeats), or rejected with every reason (an invalid email, a
missing name, a value longer than its column).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from flask_babel import gettext as _

from ..models import normalise_email
from . import vocabulary as vocab
from .said import Said, say, say_n

# The model's column sizes (attendees.models.Attendee).
MAX_LENGTHS = {
    "name": 120, "name_prefix": 40, "given_name": 120, "family_name": 120, "name_suffix": 40,
    "company": 120, "headline": 160,
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Scripts whose names are written family name first, with no space: 山田太郎, 김민준.
_EAST_ASIAN = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL")
SHORTEN_AT = 60


def shorten(value: str, limit: int = SHORTEN_AT) -> str:
    """A value cut to `limit` characters with an ellipsis, for reports: a 5,000-character cell stays readable."""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


@dataclass
class ParsedRow:
    """One data row: the values we read, and what becomes of it.

    `row` is the row number as a spreadsheet shows it (the header row of a file without title
    rows is row 1). Optional values are None when the file has no such column or the cell is
    empty: an update keeps what is stored. `errors` reject the row; `skip` says why a valid row
    is not imported; `notes` go with an imported row into the report.
    """

    row: int
    email: str
    name: str
    company: str | None = None
    headline: str | None = None
    role: str | None = None
    name_prefix: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    name_suffix: str | None = None
    status: str | None = None
    errors: list[Said] = field(default_factory=list)
    skip: Said | None = None
    notes: list[Said] = field(default_factory=list)
    pending: bool = False  # a pending registration (payment, approval): imported, and said so

    @property
    def valid(self) -> bool:
        """Whether the row is imported: nothing wrong with it and no reason to skip it."""
        return not self.errors and self.skip is None

    @property
    def rejected(self) -> bool:
        return bool(self.errors)

    @property
    def skipped(self) -> bool:
        return not self.errors and self.skip is not None

    @property
    def parts(self) -> str:
        """'Title Dr. · Given Amara · Family Nwosu' for the preview, or ''."""
        # Made when a page shows it, so in the reader's language.
        labels = (("name_prefix", _("Title %(value)s")), ("given_name", _("Given %(value)s")),
                  ("family_name", _("Family %(value)s")), ("name_suffix", _("Suffix %(value)s")))
        return " · ".join(label.replace("%(value)s", getattr(self, part))
                          for part, label in labels if getattr(self, part))


def _east_asian(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(unicodedata.name(ch, "").startswith(_EAST_ASIAN) for ch in letters)


def display_name(full: str, prefix: str, given: str, family: str, suffix: str) -> str:
    """The name a card shows: the full-name cell as written, else the parts joined in the name's own order.

    A title cell is a prefix, not part of the name: "Dr. Amara Nwosu" beside a "Dr." title cell
    shows as "Amara Nwosu". Parts are never taken from a joined name (issue 11: "Herrera Díaz"
    is one family name), only joined: "Tomás" + "Herrera Díaz", or 山田 + 太郎 -> 山田太郎.
    """
    if full:
        if prefix and full.casefold().startswith(prefix.casefold() + " "):
            full = full[len(prefix):].strip()
        return full
    if given and family and _east_asian(given + family):
        return family + given
    return " ".join(part for part in (given, family, suffix) if part)


def _cell(record: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(record):
        return ""
    return record[index].strip()


def read_row(number: int, record: Sequence[str], fields: Mapping[str, int]) -> ParsedRow:
    """The values of one record by the column map, checked; duplicates are left to `mark_duplicates`."""
    raw = {name: _cell(record, index) for name, index in fields.items()}
    given, particle, family = raw.get("given_name", ""), raw.get("name_particle", ""), raw.get("family_name", "")
    family = " ".join(part for part in (particle, family) if part)  # "van der" + "Berg"
    prefix, suffix = raw.get("name_prefix", ""), raw.get("name_suffix", "")
    row = ParsedRow(
        row=number,
        email=raw.get("email", ""),
        name=display_name(raw.get("name", ""), prefix, given, family, suffix),
        # An empty or absent cell leaves what the person typed into their profile alone.
        # Cells that start with = + - @ are kept as typed: here they are names, not formulas;
        # exports that open in spreadsheets neutralise them there, where the risk is.
        company=raw.get("company") or None,
        headline=raw.get("headline") or None,
        name_prefix=prefix or None,
        given_name=given or None,
        family_name=family or None,
        name_suffix=suffix or None,
        status=raw.get("status") or None,
    )
    if "status" in fields:
        verdict = vocab.classify_status(raw["status"])
        if verdict is None:
            row.skip = say("status %(status)s is not a registration status we know: import it by choosing "
                            "“not used” for the status column", status=repr(shorten(raw["status"], 30)))
            return row
        outcome, meaning = verdict
        if outcome == vocab.SKIP:
            row.skip = say("%(meaning)s (status %(status)s)", meaning=meaning, status=repr(shorten(raw["status"], 30)))
            return row
        if outcome == vocab.PENDING:
            row.pending = True
            row.notes.append(say("%(meaning)s (status %(status)s): imported", meaning=meaning,
                                  status=repr(shorten(raw["status"], 30))))
    _check(row, raw)
    return row


def _check(row: ParsedRow, raw: Mapping[str, str]) -> None:
    errors = row.errors
    if not row.email:
        errors.append(say("email is missing"))
    else:
        try:
            checked = validate_email(row.email, check_deliverability=False)
        except EmailNotValidError as exc:
            # The validator's own reason stays English: it is the library's sentence.
            errors.append(say("invalid email %(email)s: %(reason)s", email=repr(shorten(row.email)), reason=str(exc)))
        else:
            if checked.smtputf8:
                # Kept as typed; the sender needs a relay that offers SMTPUTF8 to deliver to it.
                row.notes.append(say("the part before @ has non-ASCII letters: only mail servers that accept "
                                      "SMTPUTF8 deliver to this address; check it with the person"))
    if not row.name:
        errors.append(say("name is missing"))
    lengths = {**raw, "name": row.name, "family_name": row.family_name or ""}
    for name, limit in MAX_LENGTHS.items():
        value = lengths.get(name, "")
        if len(value) > limit:
            errors.append(say("%(field)s is longer than %(limit)s characters (%(length)s)",
                               field=vocab.field_word(name), limit=limit, length=len(value)))
    for name, value in raw.items():
        # NUL and other control characters break PostgreSQL text and every printed badge.
        if _CONTROL.search(value):
            errors.append(say("%(field)s contains control characters or a line break", field=vocab.field_word(name)))
    if raw.get("role"):
        role = vocab.role(raw["role"])
        if role is None:
            from ..models import ROLES

            assert ROLES == ("attendee", "organizer")  # the sentence below names them
            errors.append(say("role must be attendee or organizer, not %(value)s", value=repr(shorten(raw["role"], 30))))
        else:
            row.role = role


def mark_duplicates(rows: Sequence[ParsedRow]) -> int:
    """Skip every importable row whose email an earlier importable row has; returns how many.

    The first row of an email is imported, as it stands in the file; the report of a later one
    names that row and whether its own values differ (not the values: a report outlives people).
    """
    first: dict[str, ParsedRow] = {}
    count = 0
    for row in rows:
        if not row.valid:
            continue
        key = normalise_email(row.email)
        earlier = first.get(key)
        if earlier is None:
            first[key] = row
            continue
        differs = [name for name in ("name", "company", "headline", "role")
                   if getattr(row, name) and getattr(row, name) != getattr(earlier, name)]
        if differs:
            row.skip = say_n("duplicate of row %(row)s (same email): only row %(row)s is imported; this row's "
                              "%(fields)s differs",
                              "duplicate of row %(row)s (same email): only row %(row)s is imported; this row's "
                              "%(fields)s differ", len(differs), row=earlier.row,
                              fields=vocab.field_words(differs))
        else:
            row.skip = say("duplicate of row %(row)s (same email): only row %(row)s is imported", row=earlier.row)
        count += 1
    return count

"""Which column feeds which field: the header row, the detected mapping, and the organizer's changes.

Rules, in the order they apply (issue 11):
- The header is the first of the first rows that names an email and a name column; title and
  blank rows above it are skipped (spreadsheets put the event's name there).
- A header means a field by its words in any of the languages in vocabulary.py, exactly, or
  once a form's question words are dropped ("What's your company?").
- Attendee columns win over neutral ones, and buyer/order columns are never picked by
  themselves ("Order Email" is who paid, not who comes), except for a status: an order that
  was cancelled cancels its tickets.
- Of several columns for one field (a repeated header, or two names for it), the first one
  that has data wins, and the mapping says which was used and which were not.
- "Name" beside "Vorname"/"Prénom" is the family name, beside "Surname"/"Apellidos" the given
  name; a "Title" column of "Dr."/"Prof." is the name prefix, of anything else the job title.
- Role and status columns are used only when their values are roles or statuses we know.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from . import vocabulary as vocab
from .said import Said, say, say_n
from .vocabulary import FIELDS, label

HEADER_SEARCH_ROWS = 20  # how far down a header may start (title rows above it)
SAMPLE_VALUES = 500  # values read to decide what a column holds
ATTENDEE, NEUTRAL, BUYER = 0, 1, 2
_SPLIT = re.compile(r"\s*(?:/|\||\bor\b|\boder\b|\bou\b)\s*", re.IGNORECASE)
_GENERIC, _TITLE = "generic name", "title"


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA': the column as a spreadsheet labels it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letter: str) -> int | None:
    """'AA' -> 26; None when it is not a column letter."""
    if not re.fullmatch(r"[A-Za-z]{1,3}", letter):
        return None
    index = 0
    for ch in letter.upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


@dataclass(frozen=True)
class Candidate:
    """A column that may feed a field: `context` ATTENDEE, NEUTRAL or BUYER; `exact` unless a question."""

    field: str
    index: int
    context: int
    exact: bool


@dataclass
class ColumnMap:
    """The header row and what feeds each field.

    `fields` maps a field to a column index (absent: not used). `detected` is what the file's
    headers and data suggest, before any change by the organizer. `notes` say, per field, how a
    choice between columns was made, in words for the preview and the report.
    """

    headers: list[str]
    fields: dict[str, int]
    detected: dict[str, int]
    notes: dict[str, list[Said]] = field(default_factory=dict)
    chosen_by_hand: set[str] = field(default_factory=set)

    def header(self, name: str) -> str | None:
        index = self.fields.get(name)
        return None if index is None else self.headers[index]

    def describe(self, index: int) -> Said:
        """'“Attendee email” (column S)', a long header shortened."""
        from .rows import shorten

        header = shorten(self.headers[index].strip(), 60)
        if not header:
            return say("“(no header)” (column %(column)s)", column=column_letter(index))
        return say("“%(header)s” (column %(column)s)", header=header, column=column_letter(index))

    @property
    def unused(self) -> list[str]:
        used = set(self.fields.values())
        return [h.strip() for i, h in enumerate(self.headers) if i not in used and h.strip()]


def _context(words: list[str]) -> tuple[int, list[str]]:
    """Whose column a header names, and its words without the ones that said so.

    A header that is nothing but such words ("Participant", "Guest") is the attendee's name
    column, not a context: it keeps its words and counts as neutral.
    """
    for context, vocabulary in ((BUYER, vocab.BUYER_WORDS), (ATTENDEE, vocab.ATTENDEE_WORDS)):
        rest = [w for w in words if w not in vocabulary]
        if len(rest) < len(words):
            return (context, rest) if rest else (NEUTRAL, words)
    return NEUTRAL, words


def _meaning(words: list[str]) -> str | None:
    """The field (or _GENERIC, _TITLE) that these exact words name, or None."""
    text = " ".join(words)
    if not text or text in vocab.IGNORED:
        return None
    if text in vocab.GENERIC_NAME:
        return _GENERIC
    if text in vocab.AMBIGUOUS_TITLE:
        return _TITLE
    for name, aliases in vocab.ALIASES.items():
        if text in aliases:
            return name
    return None


def _question_meaning(words: list[str]) -> str | None:
    """The field a form question means once its question words are gone ("Your e-mail *")."""
    kept = [w for w in words if w not in vocab.FILLER_WORDS]
    if not kept or kept == words:
        return None
    text = " ".join(kept)
    return vocab.QUESTION_ALIASES.get(text) or _meaning(kept)


def classify(header: str) -> tuple[str, int, bool] | None:
    """(meaning, context, exact) of one header, or None when it names nothing we import."""
    words = vocab.header_words(header)
    if not words or " ".join(words) in vocab.IGNORED:
        return None
    context, rest = _context(words)
    meaning = _meaning(rest) or (_meaning(words) if rest != words else None)
    if meaning:
        return meaning, context if _meaning(rest) else NEUTRAL, True
    meaning = _question_meaning(rest)
    if meaning:
        return meaning, context, False
    # "Company / Organisation", "E-mail or phone": every part that means something must agree.
    parts = [p for p in _SPLIT.split(header) if p.strip()]
    if len(parts) > 1:
        meanings = {m for p in parts if (m := (_meaning(vocab.header_words(p)) or _question_meaning(vocab.header_words(p))))}
        if len(meanings) == 1:
            return meanings.pop(), context, False
    return None


def _values(rows: Sequence[Sequence[str]], index: int, limit: int = SAMPLE_VALUES) -> list[str]:
    values = []
    for row in rows:
        if index < len(row) and row[index].strip():
            values.append(row[index].strip())
            if len(values) >= limit:
                break
    return values


def _looks_like(name: str, values: list[str]) -> bool:
    """Whether a role or status column holds roles or statuses we know (at least half of its values)."""
    if not values:
        return False
    if name == "status":
        known = sum(vocab.classify_status(v) is not None for v in values)
    else:
        known = sum(vocab.role(v) is not None for v in values)
    return known * 2 >= len(values)


def candidates(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[Candidate]:
    """Every column that may feed a field, with generic names and titles resolved by their neighbours and data."""
    found: list[tuple[str, int, int, bool]] = []
    for index, header in enumerate(headers):
        meaning = classify(header)
        if meaning:
            found.append((meaning[0], index, meaning[1], meaning[2]))
    has = {m for m, *_ in found}
    resolved = []
    for meaning, index, context, exact in found:
        if meaning == _GENERIC:
            if "family_name" in has and "given_name" not in has:
                meaning = "given_name"
            elif "given_name" in has and "family_name" not in has:
                meaning = "family_name"
            else:
                meaning = "name"
        elif meaning == _TITLE:
            values = _values(rows, index, 200)
            honorific = sum(vocab.is_honorific(v) for v in values)
            if values:
                meaning = "name_prefix" if honorific * 10 >= len(values) * 6 else "headline"
            else:  # an empty column: a prefix if a job title column exists beside it
                meaning = "name_prefix" if "headline" in has else "headline"
        resolved.append(Candidate(meaning, index, context, exact))
    return resolved


def _why(pick: Candidate, allowed: list[Candidate], headers: Sequence[str]) -> Said:
    """Why `pick` was used rather than the other columns for its field, in a few words."""
    same = [c for c in allowed if headers[c.index].strip().casefold() == headers[pick.index].strip().casefold()]
    if pick is not allowed[0]:
        if len(same) > 1:
            return say_n("the first with data of %(num)d column with this header",
                          "the first with data of %(num)d columns with this header", len(same))
        return say("the first with data")
    if len(same) > 1:
        return say_n("the first of %(num)d column with this header", "the first of %(num)d columns with this header",
                      len(same))
    if pick.context == ATTENDEE:
        return say("the attendee's own")
    return say("the first") if pick.exact == allowed[1].exact else say("its header names the field")


def detect(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> ColumnMap:
    """The mapping these headers and rows suggest (rules in the module docstring)."""
    headers = list(headers)
    chosen: dict[str, int] = {}
    notes: dict[str, list[str]] = {}
    by_field: dict[str, list[Candidate]] = {}
    for c in candidates(headers, rows):
        by_field.setdefault(c.field, []).append(c)
    has_data: dict[int, bool] = {}

    def filled(index: int) -> bool:
        if index not in has_data:
            has_data[index] = bool(_values(rows, index, 1))
        return has_data[index]

    colmap = ColumnMap(headers, chosen, {}, notes)
    for name in FIELDS:
        options = sorted(by_field.get(name, ()), key=lambda c: (c.context, not c.exact, c.index))
        options = [c for c in options if c.index not in chosen.values()]
        if not options:
            continue
        allowed = [c for c in options if c.context != BUYER or name == "status"]
        notes_of = notes.setdefault(name, [])
        for c in options:
            if c not in allowed:
                notes_of.append(say("%(column)s is the buyer's or the order's, not the attendee's: not used.",
                                     column=colmap.describe(c.index)))
        if name in ("role", "status"):
            usable = [c for c in allowed if _looks_like(name, _values(rows, c.index))]
            for c in allowed:
                if c not in usable and filled(c.index):
                    if name == "status":
                        notes_of.append(say("%(column)s was not used: its values are not registration statuses.",
                                             column=colmap.describe(c.index)))
                    else:
                        notes_of.append(say("%(column)s was not used: its values are not attendee or organizer.",
                                             column=colmap.describe(c.index)))
            allowed = usable
        if not allowed:
            continue
        with_data = [c for c in allowed if filled(c.index)]
        pick = (with_data or allowed)[0]
        chosen[name] = pick.index
        others = [c for c in allowed if c is not pick]
        if others:
            unused = [colmap.describe(c.index) if filled(c.index)
                      else say("%(column)s, empty", column=colmap.describe(c.index)) for c in others]
            notes_of.append(say("Used %(column)s, %(why)s; not used: %(others)s.", column=colmap.describe(pick.index),
                                 why=_why(pick, allowed, headers), others=unused))
        if not filled(pick.index):
            notes_of.append(say("%(column)s is empty in every row.", column=colmap.describe(pick.index)))
    colmap.detected = dict(chosen)
    colmap.notes = {k: v for k, v in notes.items() if v}
    return colmap


def names_a_person(fields: Mapping[str, int]) -> bool:
    """Whether a mapping can give every row an email and a name."""
    return "email" in fields and any(f in fields for f in ("name", "given_name", "family_name"))


def find_header(records: Sequence[Sequence[str]]) -> int | None:
    """The index of the header row: the first of the first rows whose headers name an email and a name.

    None when no row does; the caller then takes the first row that has two or more cells.
    """
    seen = 0
    for index, record in enumerate(records):
        if not any(cell.strip() for cell in record):
            continue
        meanings = {c.field for c in candidates(record, ())}
        if names_a_person({m: 0 for m in meanings}):
            return index
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return None


class MappingInvalid(ValueError):
    """The organizer's mapping cannot be used; `errors` maps a field to the message for it."""

    code = "invalid_mapping"

    def __init__(self, errors: dict[str, Said]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def apply_choices(colmap: ColumnMap, choices: Mapping[str, int | None]) -> ColumnMap:
    """The mapping with the organizer's choices (field -> column index, None for "not used").

    Fields not in `choices` keep what was detected. MappingInvalid when a column is out of
    range, one column feeds two fields, or nothing gives an email or a name.
    """
    fields = dict(colmap.fields)
    errors: dict[str, Said] = {}
    for name, index in choices.items():
        if name not in FIELDS:
            errors[name] = say("There is no field %(name)s: the fields are %(fields)s.", name=repr(name),
                                fields=", ".join(FIELDS))
        elif index is None:
            fields.pop(name, None)
        elif not 0 <= index < len(colmap.headers):
            errors[name] = say("%(label)s: there is no column %(column)s.", label=label(name),
                                column=column_letter(index) if index >= 0 else str(index))
        else:
            fields[name] = index
    seen: dict[int, str] = {}
    for name in FIELDS:
        index = fields.get(name)
        if index is None:
            continue
        if index in seen and name not in errors:
            errors[name] = say("%(column)s is chosen for both %(first)s and %(second)s: choose it for one of them.",
                                column=colmap.describe(index), first=label(seen[index]), second=label(name))
        seen.setdefault(index, name)
    if "email" not in fields and "email" not in errors:
        errors["email"] = say("Choose the column that holds the email addresses: the email is how people log in.")
    if not any(f in fields for f in ("name", "given_name", "family_name")) and "name" not in errors:
        errors["name"] = say("Choose the column that holds the names (or the given and family name columns).")
    if errors:
        raise MappingInvalid(errors)
    changed = {name for name in FIELDS if fields.get(name) != colmap.detected.get(name)}
    notes = {k: v for k, v in colmap.notes.items() if k not in changed}
    for name in changed:
        notes[name] = [say("Chosen by hand.")]
    return ColumnMap(colmap.headers, fields, colmap.detected, notes, changed)


# Names the command line accepts for a field, besides the field's own (`--map first_name=Vorname`).
FIELD_ALIASES = {
    "first_name": "given_name", "firstname": "given_name", "given": "given_name", "forename": "given_name",
    "last_name": "family_name", "lastname": "family_name", "family": "family_name", "surname": "family_name",
    "title": "name_prefix", "prefix": "name_prefix", "suffix": "name_suffix", "particle": "name_particle",
    "job_title": "headline", "job": "headline", "full_name": "name", "e_mail": "email", "mail": "email",
}


def field_name(text: str) -> str | None:
    """Our field for a name typed on the command line ('first-name', 'Job title'), or None."""
    name = vocab.key(text).replace(" ", "_")
    return name if name in FIELDS else FIELD_ALIASES.get(name)


def resolve_columns(headers: Sequence[str], wanted: Mapping[str, str]) -> dict[str, int | None]:
    """Field -> column index for `--map field=column` options: a header as written (any case) or a letter.

    An empty column means "not used". MappingInvalid when a field or a column is unknown, or
    a header names several columns (then the letter tells them apart).
    """
    choices: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for typed, column in wanted.items():
        name = field_name(typed)
        if name is None:
            errors[typed] = f"There is no field {typed!r}: the fields are {', '.join(FIELDS)}."
            continue
        column = column.strip()
        if not column:
            choices[name] = None
            continue
        matches = [i for i, h in enumerate(headers) if h.strip().casefold() == column.casefold()]
        if len(matches) > 1:
            letters = ", ".join(column_letter(i) for i in matches)
            errors[name] = f"{len(matches)} columns are named {column!r} ({letters}): give the letter, e.g. {name}={column_letter(matches[-1])}."
        elif matches:
            choices[name] = matches[0]
        elif (index := column_index(column)) is not None and index < len(headers):
            choices[name] = index
        else:
            found = ", ".join(repr(h.strip()) for h in headers if h.strip())
            errors[name] = f"No column is named {column!r}. Columns found: {found}."
    if errors:
        raise MappingInvalid(errors)
    return choices

"""The scanner's server side: notes saved by a scan's client UUID, the typed-code exchange,
the name search, and the precompressed decoder files."""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_

from ..attendees.models import Attendee
from ..badges.services import find_by_short_code
from ..badges.tokens import normalise_short_code
from ..connections import notes
from ..connections import services as connections
from ..connections.models import NOTE_PARTS, Connection, Scan
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..promises import services as promises

# The vendored fallback decoder (see static/vendor/README.md). Its path carries the version,
# so its files can be cached for a year and never revalidated.
DECODER_VERSION = "3.2.2"
DECODER_DIR = Path("vendor") / "barcode-detector" / DECODER_VERSION
DECODER_SCRIPT = "barcode-detector-ponyfill.js"
DECODER_WASM = "zxing_reader.wasm"
DECODER_TYPES = {".js": "text/javascript; charset=utf-8", ".wasm": "application/wasm"}
# Preferred first: brotli is ~22% smaller than gzip on the wasm (357 KB against 459 KB).
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))

SEARCH_MIN = 2
SEARCH_MAX_QUERY = 100
SEARCH_LIMIT = 20
CODE_MAX = 32


class ScannerError(DomainError):
    """An expected failure of a scanner request (codes and statuses below)."""

    MESSAGES = {
        "invalid_time": (400, _l("A time must be an ISO 8601 time with a time zone offset.")),
        "invalid_note": (400, _l("The note is not in the form the app sends.")),
        "unknown_scan": (404, _l("No scan with this id has reached the server yet.")),
        "invalid_code": (422, _l("Type the code printed under the badge's QR, like 7KQ4MXA.")),
        "unknown_code": (422, _l("No badge of this event has that code. Check it and try again.")),
    }


# ----------------------------------------------------------------------------- notes by scan UUID


@dataclass
class NoteSync:
    connection: Connection
    applied: bool  # False: the server already holds a newer edit (or this very one, replayed)


def connection_for_scan(owner: Attendee, client_uuid: str) -> Connection | None:
    """The connection that owner's scan with this client UUID led to, or None."""
    return db.session.execute(
        db.select(Connection)
        .join(Scan, Scan.connection_id == Connection.id)
        .where(Scan.scanner_id == owner.id, Scan.client_uuid == client_uuid, Connection.owner_id == owner.id)
    ).scalar_one_or_none()


# The JSON API's refusals of a malformed body name its keys and types for whoever writes a client;
# our own phone code never sends one, so no attendee reads them (marked for the i18n lint).


def parse_time(raw: object, field: str) -> datetime:
    """An ISO 8601 time with an offset, as sent by the phone; ScannerError otherwise."""
    if not isinstance(raw, str) or len(raw) > 64:
        raise ScannerError("invalid_time", f"{field} must be an ISO 8601 time with a time zone offset.")  # i18n-lint: ignore (API contract)
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ScannerError("invalid_time", f"{field} must be an ISO 8601 time with a time zone offset.") from None  # i18n-lint: ignore (API contract)
    if moment.tzinfo is None:
        raise ScannerError("invalid_time", f"{field} must carry a time zone offset.")  # i18n-lint: ignore (API contract)
    return moment


def edit_time_on_server_clock(edited_at: datetime, sent_at: datetime | None, now: datetime) -> datetime:
    """When an edit happened, in server time: the phone's clock may be off by hours, but the gap
    between its edit and its send is measured on that one clock, so only the gap is trusted."""
    if sent_at is None:
        return min(edited_at, now)
    gap = sent_at - edited_at
    if gap < timedelta(0):
        gap = timedelta(0)
    return now - gap


def note_input_from_json(body: Mapping) -> notes.NoteInput:
    """The note fields a phone sent (each optional, at least one): note, tags, starred, intent,
    the prompted parts works_on, needs, offers (strings) and promises ([{"text", "due_on"}]).

    Tags come as a list of strings (or one comma-separated string). The phone sends every
    promise added on the sheet with each edit; one already tracked is not added again. Wrong
    types are a ScannerError; values are validated by notes.save_note, as for the contact page.
    """
    note, tags, starred, intent = (body.get(key) for key in ("note", "tags", "starred", "intent"))
    if note is not None and not isinstance(note, str):
        raise ScannerError("invalid_note", "note must be a string.")  # i18n-lint: ignore (API contract)
    if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags):
        tags = ", ".join(tags)
    if tags is not None and not isinstance(tags, str):
        raise ScannerError("invalid_note", "tags must be a list of strings.")  # i18n-lint: ignore (API contract)
    if starred is not None and not isinstance(starred, bool):
        raise ScannerError("invalid_note", "starred must be true or false.")  # i18n-lint: ignore (API contract)
    if intent is not None and not isinstance(intent, str):
        raise ScannerError("invalid_note", "intent must be a string.")  # i18n-lint: ignore (API contract)
    parts = {name: body.get(name) for name in NOTE_PARTS}
    for name, value in parts.items():
        if value is not None and not isinstance(value, str):
            raise ScannerError("invalid_note", f"{name} must be a string.")  # i18n-lint: ignore (API contract)
    promises = _promises_from_json(body.get("promises"))
    if note is None and tags is None and starred is None and intent is None and promises is None \
            and all(value is None for value in parts.values()):
        raise ScannerError("invalid_note", "Send at least one of note, tags, starred and intent.")  # i18n-lint: ignore (API contract)
    return notes.NoteInput(note=note, tags_text=tags, starred=starred, intent=intent, promises=promises, **parts)


PROMISES_SENT_MAX = 20


def _promises_from_json(raw: object) -> list[tuple[str, str | None]] | None:
    # [{"text": "Send the deck", "due_on": "2026-12-11" or null}, ...]; anything else is refused.
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > PROMISES_SENT_MAX:
        raise ScannerError("invalid_note", f"promises must be a list of at most {PROMISES_SENT_MAX}.")  # i18n-lint: ignore (API contract)
    out = []
    for item in raw:
        text = item.get("text") if isinstance(item, dict) else None
        due = item.get("due_on") if isinstance(item, dict) else None
        if not isinstance(text, str) or (due is not None and not isinstance(due, str)):
            raise ScannerError("invalid_note", "Each promise is {\"text\": string, \"due_on\": \"YYYY-MM-DD\" or null}.")  # i18n-lint: ignore (API contract)
        out.append((text, due))
    return out


def _changes(connection: Connection, data: notes.NoteInput) -> bool:
    """Whether saving data would change what connection holds (a replay changes nothing)."""
    if data.note is not None and data.note.replace("\r\n", "\n") != connection.note:
        return True
    if data.tags_text is not None and notes.split_tags(data.tags_text) != list(connection.tags or []):
        return True
    if data.starred is not None and data.starred != connection.starred:
        return True
    if any(getattr(connection, name) != value for name, value in data.parts().items()):
        return True
    if data.promises and promises.untracked(connection, [text for text, _ in data.promises]):
        return True
    return data.intent is not None and data.intent != connection.intent


def save_note_by_scan(
    owner: Attendee, client_uuid: object, data: notes.NoteInput, edited_at: object, sent_at: object = None
) -> NoteSync:
    """Save owner's note, tags, star and intent on the connection their scan `client_uuid` made.

    Offline the phone knows only the scan's UUID, not the connection id. The last edit wins:
    edits are ordered by the phone's edit time mapped onto the server's clock (see
    edit_time_on_server_clock), and the note's stored time becomes that edit time, so a replay,
    or an edit older than what the server holds, changes nothing. Raises ScannerError or
    connections.notes' NoteInvalid. Commits.
    """
    try:
        client_uuid = connections.parse_client_uuid(client_uuid)
    except connections.ExchangeError as error:
        raise ScannerError(error.code, error.message, 400) from None
    now = utcnow()
    edited = parse_time(edited_at, "edited_at")
    sent = parse_time(sent_at, "sent_at") if sent_at is not None else None
    edited = edit_time_on_server_clock(edited, sent, now)
    connection = connection_for_scan(owner, client_uuid)
    if connection is None:
        raise ScannerError("unknown_scan")
    if not _changes(connection, data):
        return NoteSync(connection, False)  # a replay, or the same values: nothing to change
    if connection.note_updated_at is not None and edited <= connection.note_updated_at:
        return NoteSync(connection, False)
    notes.save_note(connection, data)
    connection.note_updated_at = edited
    db.session.commit()
    return NoteSync(connection, True)


# ----------------------------------------------------------------------------- typed short code


def exchange_by_code(scanner: Attendee, typed: object, client_uuid: object) -> connections.ScanResult:
    """Exchange cards with the attendee whose badge shows the short code `typed`.

    A form's client UUID makes a double submit harmless; if the same UUID comes back with a
    different code (a form re-used from the back button), it is a new scan with a new UUID.
    Raises ScannerError (invalid_code, unknown_code) or connections' ExchangeError.
    """
    if not isinstance(typed, str) or not normalise_short_code(typed) or len(typed) > CODE_MAX:
        raise ScannerError("invalid_code")
    contact = find_by_short_code(scanner.event, typed)
    if contact is None:
        raise ScannerError("unknown_code")
    try:
        client_uuid = connections.parse_client_uuid(client_uuid)
    except connections.ExchangeError:
        client_uuid = str(uuid.uuid4())
    earlier = db.session.execute(
        db.select(Scan.scanned_id).filter_by(scanner_id=scanner.id, client_uuid=client_uuid)
    ).first()
    if earlier is not None and earlier[0] != contact.id:
        client_uuid = str(uuid.uuid4())
    return connections.record_scan(scanner, contact.badge_token, client_uuid, utcnow())


# ----------------------------------------------------------------------------- search by name


@dataclass
class SearchHit:
    """Who someone is, enough to recognise the person in front of you, and nothing to exchange with.

    No badge token, card link or other shared field: the search finds every attendee by name,
    so anything it handed out would be everyone's card without meeting them. An exchange needs
    the badge, its URL or the short code its owner shows (proof of meeting).
    """

    name: str
    company: str
    headline: str


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_attendees(viewer: Attendee, query: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """Attendees of viewer's event matching `query` by name, or by company or headline where
    they share it; never viewer. At most `limit`, by name. Names and those two fields only
    (see SearchHit): finding someone is not exchanging with them."""
    query = " ".join(query.split())[:SEARCH_MAX_QUERY]
    if len(query) < SEARCH_MIN:
        return []
    pattern = _like(query.lower())
    candidates = db.session.execute(
        db.select(Attendee)
        .where(
            Attendee.event_id == viewer.event_id,
            Attendee.id != viewer.id,
            or_(
                func.lower(Attendee.name).like(pattern, escape="\\"),
                func.lower(Attendee.company).like(pattern, escape="\\"),
                func.lower(Attendee.headline).like(pattern, escape="\\"),
            ),
        )
        .order_by(func.lower(Attendee.name), Attendee.id)
        # Matches on a field someone does not share are dropped below; fetch enough to fill the list.
        .limit(limit * 10)
    ).scalars()
    needle = query.lower()
    hits: list[SearchHit] = []
    for person in candidates:
        company = person.company if person.shares("company") else ""
        headline = person.headline if person.shares("headline") else ""
        if any(needle in value.lower() for value in (person.name, company, headline)):
            hits.append(SearchHit(person.name, company, headline))
            if len(hits) == limit:
                break
    return hits


# ----------------------------------------------------------------------------- decoder files


@dataclass
class StaticVariant:
    path: Path
    encoding: str | None
    mimetype: str


def decoder_file(static_folder: str, filename: str, accept_encoding: str) -> StaticVariant | None:
    """The vendored decoder file to send, precompressed when the client accepts it; None if unknown."""
    if filename not in (DECODER_SCRIPT, DECODER_WASM):
        return None
    plain = Path(static_folder) / DECODER_DIR / filename
    mimetype = DECODER_TYPES[plain.suffix]
    accepted = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
    for encoding, suffix in ENCODINGS:
        variant = plain.with_name(plain.name + suffix)
        if encoding in accepted and variant.is_file():
            return StaticVariant(variant, encoding, mimetype)
    return StaticVariant(plain, None, mimetype) if plain.is_file() else None


_version_cache: dict[tuple, str] = {}


def assets_version(static_folder: str) -> str:
    """A short hash of every static file's content.

    The service worker serves static files from its cache; its version changes whenever any of
    them does, which makes sw.js byte-different, so browsers install the new worker and drop the
    old cache. The decoder's folder is left out: its path carries its version. The content is
    hashed again only when a file's size or time changes.
    """
    root = Path(static_folder)
    files = sorted(p for p in root.rglob("*") if p.is_file() and "barcode-detector" not in p.parts)
    signature = tuple((str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    version = _version_cache.get(signature)
    if version is None:
        digest = hashlib.sha256()
        for path in files:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
        version = digest.hexdigest()[:12]
        _version_cache.clear()
        _version_cache[signature] = version
    return version


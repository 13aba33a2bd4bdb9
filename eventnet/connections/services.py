"""Scans and exchanges (one connection per side, made exactly once) and each side's private note."""
from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from ..attendees.models import Attendee
from ..badges.services import BadgeError, find_by_token
from ..database import utcnow
from ..errors import fail
from ..events.models import Event
from ..extensions import db
from .models import INTENTS, Connection, Scan

# ----------------------------------------------------------------------------- errors


class ExchangeError(Exception):
    """A scan or exchange that cannot be made; `code` is stable, `message` is for the person."""

    def __init__(self, code: str, message: str | None = None):
        status, title, default = ERRORS[code]
        super().__init__(message or default)
        self.code, self.status, self.title = code, status, title
        self.message = message or default


# code -> (HTTP status, title, message). Views map codes through this table; tests assert codes.
ERRORS: dict[str, tuple[int, str, str]] = {
    "self_scan": (400, "That is your own badge", "You scanned your own badge. Scan someone else's to exchange cards."),
    "foreign_url": (400, "Not an event badge", "That QR code points to another site, not to a badge of this event."),
    "invalid_uuid": (400, "Scan not understood", "The scan came without a valid identifier (client_uuid must be a UUID)."),
    "invalid_scanned_at": (400, "Scan not understood", "scanned_at must be an ISO 8601 time with a time zone offset."),
    "unknown_badge": (404, "Unknown badge", "We do not know this badge. It may have been mistyped or replaced by a new one."),
    "revoked_badge": (410, "Badge replaced", "This badge was replaced by a new one. Ask its owner to show their current QR."),
    "other_event": (409, "Badge of another event", "This badge belongs to another event. You can exchange cards only within your event."),
    "scanning_closed": (403, "Scanning is closed", "Exchanging cards is closed for this event."),
    "scan_forgotten": (410, "Contact removed", "This scan was recorded, but its contact has since been removed."),
}

# ----------------------------------------------------------------------------- the window


def scanning_window(event: Event) -> tuple[datetime, datetime]:
    """When exchanging is open: scan_opens_at..scan_closes_at, by default starts_at-24h..ends_at+12h.

    The default lets people connect the evening before and sync offline scans the night after.
    Only the server's clock is compared with it; a phone's clock is never trusted.
    """
    opens = event.scan_opens_at or event.starts_at - timedelta(hours=24)
    closes = event.scan_closes_at or event.ends_at + timedelta(hours=12)
    return opens, closes


def scanning_open(event: Event, at: datetime | None = None) -> bool:
    """Whether the event takes scans at this moment (server time)."""
    opens, closes = scanning_window(event)
    return opens <= (at or utcnow()) <= closes


# ----------------------------------------------------------------------------- input

_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def badge_token_from(raw: str) -> str:
    """The badge token in what a camera decoded: a bare token, `/b/<token>` or a URL on BASE_URL."""
    text = (raw or "").strip()
    if "://" in text or text.startswith("//"):
        base = urlsplit(current_app.config["BASE_URL"])
        parts = urlsplit(text)
        same_origin = (parts.scheme.lower(), parts.netloc.lower()) == (base.scheme.lower(), base.netloc.lower())
        if not same_origin:
            raise ExchangeError("foreign_url")
        text = parts.path
        prefix = base.path.rstrip("/")
        if prefix and text.startswith(prefix + "/"):
            text = text[len(prefix):]
    if text.startswith("/b/"):
        text = text[3:].rstrip("/")
    if not _TOKEN_RE.fullmatch(text):
        raise ExchangeError("unknown_badge")
    return text


def parse_client_uuid(raw: object) -> str:
    """The phone's scan id in canonical form; anything but a UUID is refused."""
    try:
        return str(uuid.UUID(str(raw).strip()))
    except (ValueError, AttributeError, TypeError):
        raise ExchangeError("invalid_uuid") from None


def parse_scanned_at(raw: object, now: datetime | None = None) -> datetime | None:
    """The phone's scan time, or None when not given or not believable.

    It must carry an offset (a naive time is ambiguous: 400). A time more than a day ahead of
    the server, or more than a year behind it, is a wrong phone clock: the scan is kept and
    its phone time dropped (NULL). Ordering never uses this time, only the server's.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str) or len(raw) > 64:
        raise ExchangeError("invalid_scanned_at")
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ExchangeError("invalid_scanned_at") from None
    if moment.tzinfo is None:
        raise ExchangeError("invalid_scanned_at")
    now = now or utcnow()
    if moment > now + timedelta(days=1) or moment < now - timedelta(days=366):
        return None
    return moment


def resolve_contact(scanner: Attendee, token: str) -> Attendee:
    """The attendee whose badge `token` is, if `scanner` may exchange with them now."""
    try:
        contact = find_by_token(token)
    except BadgeError as error:
        raise ExchangeError(error.code if error.code in ERRORS else "unknown_badge") from None
    if contact.id == scanner.id:
        raise ExchangeError("self_scan")
    if contact.event_id != scanner.event_id:
        raise ExchangeError("other_event")
    if not scanning_open(scanner.event):
        raise ExchangeError("scanning_closed")
    return contact


# ----------------------------------------------------------------------------- recording


@dataclass
class ScanResult:
    connection: Connection
    created: bool
    scan: Scan
    # Held here so the session's (weak) identity map keeps it: the answer shows their card.
    contact: Attendee | None = None

    def __post_init__(self) -> None:
        if self.contact is None and self.connection.contact_id is not None:
            self.contact = db.session.get(Attendee, self.connection.contact_id)


class _ReplayRace(Exception):
    """Another request recorded the same client UUID between our check and our insert."""


def _insert(table):
    # ON CONFLICT DO NOTHING is dialect syntax; both dialects we run on have it.
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _take_write_lock() -> None:
    # SQLite: a deferred transaction that reads and then writes fails at once with "database is
    # locked" when another writer got in between (the busy timeout cannot help it). Taking the
    # write lock first makes concurrent scans queue behind each other instead.
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _find_replay(scanner: Attendee, client_uuid: str) -> ScanResult | None:
    scan = db.session.execute(
        db.select(Scan).filter_by(scanner_id=scanner.id, client_uuid=client_uuid)
    ).scalar_one_or_none()
    if scan is None:
        return None
    connection = db.session.get(Connection, scan.connection_id) if scan.connection_id else None
    if connection is None:
        raise ExchangeError("scan_forgotten")
    return ScanResult(connection, False, scan)


def _persistent(model, values: dict):
    # An ORM object for a row we just wrote with Core, every column known: no SELECT to read
    # back what we hold, and no lazy load later (every attribute is set).
    obj = model(**values)
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj


_CONNECTIONS = Connection.__table__
_SCANS = Scan.__table__


def _record_once(scanner: Attendee, contact: Attendee, client_uuid: str, scanned_at: datetime | None) -> ScanResult:
    # A replay is found before taking the write lock, so that it never queues behind writers.
    # Two requests with the same UUID may both get past this check: the scan's unique
    # constraint below then lets one in and sends the other back to read what it wrote.
    seen = db.session.execute(
        db.select(_SCANS.c.id).where(_SCANS.c.scanner_id == scanner.id, _SCANS.c.client_uuid == client_uuid)
    ).first()
    if seen is not None:
        return _find_replay(scanner, client_uuid)
    # Everything from here to the commit holds SQLite's write lock: only the two INSERTs.
    _take_write_lock()
    now = utcnow()
    common = {"event_id": scanner.event_id, "scanned_at": scanned_at, "created_at": now, "note": "", "tags": [],
              "starred": False, "intent": "none"}
    sides = [
        {**common, "owner_id": scanner.id, "contact_id": contact.id, "initiated": True},
        {**common, "owner_id": contact.id, "contact_id": scanner.id, "initiated": False},
    ]
    # Rows go in in one fixed order (lower owner id first) so that A-scans-B racing B-scans-A
    # on PostgreSQL waits on the same index entry instead of deadlocking. A parameter list
    # keeps the statement in SQLAlchemy's compiled cache; both rows still go as one INSERT.
    sides.sort(key=lambda side: side["owner_id"])
    inserted = db.session.execute(
        _insert(_CONNECTIONS).on_conflict_do_nothing(index_elements=["owner_id", "contact_id"])
        .returning(_CONNECTIONS.c.id, _CONNECTIONS.c.owner_id),
        sides,
    ).all()
    mine_id = next((row.id for row in inserted if row.owner_id == scanner.id), None)
    created = mine_id is not None
    if created:
        mine_values = next(side for side in sides if side["owner_id"] == scanner.id)
        mine = _persistent(Connection, {**mine_values, "id": mine_id, "note_updated_at": None, "followup_done_at": None})
    else:
        mine = db.session.execute(
            db.select(Connection).filter_by(owner_id=scanner.id, contact_id=contact.id)
        ).scalar_one()
    scan_values = {"event_id": scanner.event_id, "scanner_id": scanner.id, "scanned_id": contact.id,
                   "connection_id": mine.id, "client_uuid": client_uuid, "client_scanned_at": scanned_at,
                   "received_at": now, "created_connection": created}
    scan_id = db.session.execute(
        _insert(_SCANS).on_conflict_do_nothing(index_elements=["scanner_id", "client_uuid"]).returning(_SCANS.c.id),
        [scan_values],
    ).scalar_one_or_none()
    if scan_id is None:
        raise _ReplayRace()
    return ScanResult(mine, created, _persistent(Scan, {**scan_values, "id": scan_id}), contact)


def _retryable(error: DBAPIError) -> bool:
    # Unique violations of a race, PostgreSQL deadlock/serialization failures, a SQLite lock
    # that outlasted the busy timeout: all are answered by starting over and re-reading.
    if isinstance(error, IntegrityError):
        return True
    code = getattr(error.orig, "sqlstate", None)
    return code in ("40P01", "40001") or "database is locked" in str(error.orig)


def _commit_keeping_loaded() -> None:
    # The rows were just written and RETURNING filled them in: expiring them on commit would
    # cost three more round trips on the hot path only to read back what we already hold.
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def record_scan(scanner: Attendee, token: str, client_uuid: object, scanned_at: object = None) -> ScanResult:
    """Connect scanner and the badge's owner, both sides in one transaction, once per pair and UUID.

    `token` may be a bare badge token or a badge URL on BASE_URL; `scanned_at` an ISO 8601 string
    or aware datetime (the phone's clock). Replaying a UUID returns the scan it first made.
    Raises ExchangeError. Commits.
    """
    client_uuid = parse_client_uuid(client_uuid)
    if not isinstance(scanned_at, datetime):
        scanned_at = parse_scanned_at(scanned_at)
    try:
        contact = resolve_contact(scanner, badge_token_from(token))
    except ExchangeError:
        # A replay must answer as the first time did, even when the badge was since replaced
        # or the scanning window closed while the phone was offline.
        replay = _find_replay(scanner, client_uuid)
        if replay is None:
            raise
        return replay
    for attempt in range(4):
        try:
            result = _record_once(scanner, contact, client_uuid, scanned_at)
            _commit_keeping_loaded()
            return result
        except _ReplayRace:
            db.session.rollback()
        except DBAPIError as error:
            db.session.rollback()
            if not _retryable(error) or attempt == 3:
                raise
    replay = _find_replay(scanner, client_uuid)
    if replay is None:  # pragma: no cover - four lost races in a row and then no row at all
        raise RuntimeError("scan could not be recorded")
    return replay


# ----------------------------------------------------------------------------- reading


def get_connection_or_404(owner: Attendee, connection_id: int) -> Connection:
    """One of owner's connections; anyone else's (or none) is a 404 so ids leak nothing."""
    connection = db.session.execute(
        db.select(Connection).filter_by(id=connection_id, owner_id=owner.id)
    ).scalar_one_or_none()
    if connection is None:
        fail(404, "There is no such contact in your list.")
    return connection


def connection_between(owner: Attendee | None, contact: Attendee | None) -> Connection | None:
    """owner's connection to contact, if they have exchanged cards."""
    if owner is None or contact is None:
        return None
    return db.session.execute(
        db.select(Connection).filter_by(owner_id=owner.id, contact_id=contact.id)
    ).scalar_one_or_none()


def contact_of(connection: Connection) -> Attendee | None:
    """The other side of a connection, or None when they deleted their account."""
    return db.session.get(Attendee, connection.contact_id) if connection.contact_id else None


# ----------------------------------------------------------------------------- notes

NOTE_MAX = 5000
TAG_MAX = 30
TAGS_MAX = 10
TAGS_TEXT_MAX = 400
NOTE_PROMPTS = ("Works on: ", "Needs: ", "I can offer: ", "I promised: ")


class NoteInvalid(ValueError):
    """A note form that cannot be saved; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class NoteInput:
    """What a note form sent; None means "not sent, leave as it is"."""

    note: str | None = None
    tags_text: str | None = None
    starred: bool | None = None
    intent: str | None = None
    add_tag: str | None = None

    @classmethod
    def from_form(cls, form: Mapping) -> NoteInput:
        """Read a submitted form (a MultiDict: the star is a hidden "0" followed by the checkbox)."""
        starred = form.getlist("starred") if hasattr(form, "getlist") else [form.get("starred")]
        starred = [value for value in starred if value is not None]
        return cls(
            note=form.get("note"),
            tags_text=form.get("tags"),
            starred=(starred[-1] in ("1", "on", "true")) if starred else None,
            intent=form.get("intent"),
            add_tag=form.get("add_tag") or None,
        )


def split_tags(text: str) -> list[str]:
    """Comma-separated tags, trimmed, lower-cased, inner spaces collapsed, duplicates dropped."""
    seen: list[str] = []
    for part in text.split(","):
        tag = " ".join(part.split()).lower()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def validate_tags(text: str) -> list[str]:
    """Normalised tags, or ValueError with a message for the person."""
    if len(text) > TAGS_TEXT_MAX:
        raise ValueError(f"Tags are at most {TAGS_TEXT_MAX} characters in all.")
    tags = split_tags(text)
    if len(tags) > TAGS_MAX:
        raise ValueError(f"Use at most {TAGS_MAX} tags (you have {len(tags)}).")
    long = [tag for tag in tags if len(tag) > TAG_MAX]
    if long:
        raise ValueError(f"Each tag is at most {TAG_MAX} characters: shorten “{long[0][:40]}”.")
    return tags


def save_note(connection: Connection, data: NoteInput) -> Connection:
    """Validate and store owner's note, tags, star and intent on their side only. Commits."""
    errors: dict[str, str] = {}
    note = connection.note if data.note is None else data.note.replace("\r\n", "\n")
    if len(note) > NOTE_MAX:
        errors["note"] = f"The note is at most {NOTE_MAX:,} characters (it has {len(note):,})."
    tags_text = ", ".join(connection.tags or []) if data.tags_text is None else data.tags_text
    if data.add_tag:
        tags_text = f"{tags_text}, {data.add_tag}" if tags_text.strip() else data.add_tag
    tags: list[str] = []
    try:
        tags = validate_tags(tags_text)
    except ValueError as error:
        errors["tags"] = str(error)
    intent = connection.intent if data.intent is None else data.intent
    if intent not in INTENTS:
        errors["intent"] = "Choose one of the follow-up options."
    if errors:
        raise NoteInvalid(errors)
    changed = (note, tags, intent) != (connection.note, list(connection.tags or []), connection.intent)
    if data.starred is not None and data.starred != connection.starred:
        changed = True
        connection.starred = data.starred
    connection.note, connection.tags, connection.intent = note, tags, intent
    if changed:
        connection.note_updated_at = utcnow()
    db.session.commit()
    return connection


def suggested_tags(owner: Attendee, contact_card: Mapping | None, current: list[str], limit: int = 8) -> list[str]:
    """Tags worth one tap: the contact's shared topics, then tags owner used before, minus current ones."""
    suggestions: list[str] = []
    if contact_card:
        for key in ("topics", "can_help_with", "looking_for"):
            value = contact_card.get(key)
            if isinstance(value, str):
                suggestions += split_tags(value)
            elif isinstance(value, (list, tuple)):
                suggestions += split_tags(",".join(str(v) for v in value))
            elif isinstance(value, Mapping):
                suggestions += split_tags(",".join(str(v) for v in value.values() if isinstance(v, str)))
    used = db.session.execute(
        db.select(Connection.tags).where(Connection.owner_id == owner.id, Connection.note_updated_at.is_not(None))
        .order_by(Connection.note_updated_at.desc()).limit(200)
    ).scalars()
    for tags in used:
        suggestions += [tag for tag in tags or [] if isinstance(tag, str)]
    out: list[str] = []
    for tag in suggestions:
        if tag not in current and tag not in out and len(tag) <= TAG_MAX:
            out.append(tag)
    return out[:limit]

"""Scans and exchanges: one connection per side, made exactly once, and reading them back.

The database-specific writes are in connections._writes; each side's private note, its tags
and star are in connections.notes.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import make_transient_to_detached

from ..attendees.cards import card_for
from ..attendees.models import NAME_PARTS, Attendee
from ..auth.models import LoginSession
from ..auth.session import DESK_RULE
from ..badges.services import BadgeError, find_by_token, missing_badge_error
from ..database import utcnow
from ..errors import DomainError, fail
from ..events.models import Event
from ..extensions import db
from ..i18n.markers import N_
from . import _writes
from .models import Connection, Scan

# ----------------------------------------------------------------------------- errors


# code -> (HTTP status, title, message); tests assert codes.
ERRORS: dict[str, tuple[int, str, str]] = {
    "self_scan": (400, _l("That is your own badge"), _l("You scanned your own badge. Scan someone else's to exchange cards.")),
    "foreign_url": (400, _l("Not an event badge"), _l("That QR code points to another site, not to a badge of this event.")),
    "invalid_uuid": (400, _l("Scan not understood"), _l("The scan came without a valid identifier (client_uuid must be a UUID).")),
    "invalid_scanned_at": (400, _l("Scan not understood"), _l("scanned_at must be an ISO 8601 time with a time zone offset.")),
    "unknown_badge": (404, _l("Unknown badge"), _l("We do not know this badge. It may have been mistyped or replaced by a new one.")),
    "revoked_badge": (410, _l("Badge replaced"), _l("This badge was replaced by a new one. Ask its owner to show their current QR.")),
    "other_event": (409, _l("Badge of another event"), _l("This badge belongs to another event. You can exchange cards only within your event.")),
    "scanning_closed": (403, _l("Scanning is closed"), _l("Exchanging cards is closed for this event.")),
    "scan_forgotten": (410, _l("Contact removed"), _l("This scan was recorded, but its contact has since been removed.")),
}


# What the person is told after an exchange by button or typed code: one line, shown under the
# contact's name with the note form right below it (so no "write a note" nudge is needed).
# N_: English here (tests read them); views translate them where they show them.
EXCHANGED = N_("Cards exchanged just now.")
ALREADY_CONNECTED = N_("You are already connected.")


class ExchangeError(DomainError):
    """A scan or exchange that cannot be made (codes and statuses in ERRORS)."""

    MESSAGES = ERRORS

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


def _exchange_code(error: BadgeError) -> str:
    return error.code if error.code in ERRORS else "unknown_badge"


def _check_pair(scanner: Attendee | Scanner, contact_id: int, contact_event_id: int) -> None:
    # The order of the checks is the order of the answers: self, other event, closed window.
    if contact_id == scanner.id:
        raise ExchangeError("self_scan")
    if contact_event_id != scanner.event_id:
        raise ExchangeError("other_event")
    if not scanning_open(scanner.event):
        raise ExchangeError("scanning_closed")


def resolve_contact(scanner: Attendee | Scanner, token: str) -> Attendee:
    """The attendee whose badge `token` is, if `scanner` may exchange with them now."""
    try:
        contact = find_by_token(token)
    except BadgeError as error:
        raise ExchangeError(_exchange_code(error)) from None
    _check_pair(scanner, contact.id, contact.event_id)
    return contact


# ----------------------------------------------------------------------------- the scanner


class ScanWindow(NamedTuple):
    """The event times scanning_window() reads, without loading the Event."""

    starts_at: datetime
    ends_at: datetime
    scan_opens_at: datetime | None
    scan_closes_at: datetime | None


class BadgeRead(NamedTuple):
    """What scanner_for() read of a badge with the login check, for record_scan() to use."""

    token: str  # the badge token (badge_token_from) and the scan's UUID (parse_client_uuid) it was read for
    client_uuid: str
    row: object  # the row, its contact columns as _CONTACT_BY_TOKEN's (id None: no such badge)


@dataclass(frozen=True)
class Scanner:
    """Who scans, as record_scan() needs them: an Attendee has the same attributes."""

    id: int
    event_id: int
    event: ScanWindow
    desk: bool = False  # the session is a desk session (auth.session's invariant)
    badge: BadgeRead | None = None


_ATTENDEES = Attendee.__table__
_EVENTS = Event.__table__
_SESSIONS = LoginSession.__table__
# The scan API's login check: the attendee a live session belongs to, with their event's slug
# and window, in one Core statement. Loading the Attendee and its Event as ORM objects for
# this cost a scan about a fifth of its time.
_SCANNER = select(
    _ATTENDEES.c.id.label("scanner_id"), _ATTENDEES.c.event_id.label("scanner_event_id"), _EVENTS.c.slug, _SESSIONS.c.origin,
    *(_EVENTS.c[name] for name in ScanWindow._fields),
).select_from(
    _SESSIONS.join(_ATTENDEES, _ATTENDEES.c.id == _SESSIONS.c.attendee_id)
    .join(_EVENTS, _EVENTS.c.id == _ATTENDEES.c.event_id)
).where(_SESSIONS.c.token_hash == bindparam("token_hash"), _SESSIONS.c.expires_at > bindparam("now"), DESK_RULE)


def scanner_for(session_hash: str | None, slug: str, token: object = None, client_uuid: object = None) -> Scanner | None:
    """The attendee whose live session has this token hash (auth.session.session_token_hash),
    if they belong to the event at `slug`; None otherwise (the caller takes the general guard).

    With the scan's `token` and `client_uuid` (as the phone sent them), the badge is read in the
    same statement (Scanner.badge), so that record_scan() makes no round trip of its own for it;
    when either does not parse, only the login is checked and record_scan() answers the error.
    """
    if session_hash is None:
        return None
    params = {"token_hash": session_hash, "now": utcnow()}
    if isinstance(token, str) and len(token) <= 500:  # what the view's own check lets through
        try:
            params.update(token=badge_token_from(token), client_uuid=parse_client_uuid(client_uuid))
        except ExchangeError:
            params.pop("token", None)
    with_badge = "client_uuid" in params
    row = db.session.connection().execute(_SCANNER_AND_BADGE if with_badge else _SCANNER, params).first()
    if row is None or row.slug != slug:
        return None
    return Scanner(row.scanner_id, row.scanner_event_id, ScanWindow(*(row._mapping[name] for name in ScanWindow._fields)),
                   desk=row.origin == "desk",
                   badge=BadgeRead(params["token"], params["client_uuid"], row) if with_badge else None)


# ----------------------------------------------------------------------------- recording

_CONNECTIONS = Connection.__table__
_SCANS = Scan.__table__

# What public_card() reads of a person: the scan's answer selects these and nothing more. The
# parts of the name too: the card after a scan is the card every other page shows.
CARD_COLUMNS = ("name", *NAME_PARTS, "headline", "company", "bio", "email", "phone", "linkedin", "website",
                "links", "can_help_with", "looking_for", "shared_fields", "photo_key", "card_expiry_months")

# The hot path's statements are built once, at import: SQLAlchemy then finds each one's compiled
# form in its cache instead of building and hashing a new statement on every scan.
_SEEN = select(_SCANS.c.id).where(_SCANS.c.scanner_id == bindparam("scanner_id"),
                                  _SCANS.c.client_uuid == bindparam("client_uuid"))
# What the badge's owner gives the scanner, on the scanner's row toward them if there is one
# already (a repeated scan): NULLs for a first exchange. See attendees.cards.card_for.
_GRANT = {
    name: select(_CONNECTIONS.c[name]).where(_CONNECTIONS.c.owner_id == bindparam("scanner_id"),
                                             _CONNECTIONS.c.contact_id == _ATTENDEES.c.id).scalar_subquery()
    for name in ("card_fields", "card_revoked_at")
}
# The badge's owner and, in the same round trip, whether this UUID was already recorded and
# what the owner gives the scanner.
_CONTACT_BY_TOKEN = select(
    _ATTENDEES.c.id, _ATTENDEES.c.event_id, *(_ATTENDEES.c[name] for name in CARD_COLUMNS),
    _SEEN.scalar_subquery().label("seen_scan_id"),
    *(query.label(f"grant_{name}") for name, query in _GRANT.items()),
).where(_ATTENDEES.c.badge_token == bindparam("token"))


# The scan API's login check and its badge lookup in one statement: on PostgreSQL a round trip
# fewer per scan. The badge's owner is LEFT JOINed, so that an unknown badge still logs the
# scanner in (and is answered as unknown once the CSRF token is checked).
_SCANNER_ALIAS, _CONTACT_ALIAS = _ATTENDEES.alias("scanner"), _ATTENDEES.alias("contact")
_SCANNER_AND_BADGE = select(
    _SCANNER_ALIAS.c.id.label("scanner_id"), _SCANNER_ALIAS.c.event_id.label("scanner_event_id"), _EVENTS.c.slug,
    _SESSIONS.c.origin, *(_EVENTS.c[name] for name in ScanWindow._fields),
    _CONTACT_ALIAS.c.id, _CONTACT_ALIAS.c.event_id, *(_CONTACT_ALIAS.c[name] for name in CARD_COLUMNS),
    select(_SCANS.c.id).where(_SCANS.c.scanner_id == _SCANNER_ALIAS.c.id,
                              _SCANS.c.client_uuid == bindparam("client_uuid")).scalar_subquery().label("seen_scan_id"),
    *(select(_CONNECTIONS.c[name]).where(_CONNECTIONS.c.owner_id == _SCANNER_ALIAS.c.id,
                                         _CONNECTIONS.c.contact_id == _CONTACT_ALIAS.c.id).scalar_subquery()
      .label(f"grant_{name}") for name in _GRANT),
).select_from(
    _SESSIONS.join(_SCANNER_ALIAS, _SCANNER_ALIAS.c.id == _SESSIONS.c.attendee_id)
    .join(_EVENTS, _EVENTS.c.id == _SCANNER_ALIAS.c.event_id)
    .outerjoin(_CONTACT_ALIAS, _CONTACT_ALIAS.c.badge_token == bindparam("token"))
).where(_SESSIONS.c.token_hash == bindparam("token_hash"), _SESSIONS.c.expires_at > bindparam("now"), DESK_RULE)


def _persistent(model, values: dict):
    # An ORM object for a row we wrote with Core, every column known: no SELECT to read back
    # what we hold, and no lazy load later (every attribute is set).
    session = db.session()
    existing = session.identity_map.get(session.identity_key(model, values["id"]))
    if existing is not None:
        return existing
    obj = model(**values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


class ScanResult:
    """What a scan did: `created` (a new connection) and the scanner's side of the connection.

    A scan writes with Core and its answer needs only `connection_id`, `scan_fields` and `card`;
    `connection`, `scan` and `contact` are ORM objects (in the session, so changes to them are
    saved), made on first use for the callers that render or change them.
    """

    def __init__(self, connection: Connection | None, created: bool, scan: Scan | None,
                 contact: Attendee | None = None):
        self.created = created
        self._connection, self._scan, self._contact = connection, scan, contact
        self._connection_id = connection.id if connection is not None else None
        self._connection_values: dict | None = None
        self._scan_values: dict | None = None
        self._contact_row = None
        self._ends_at: datetime | None = None

    @classmethod
    def written(cls, created: bool, connection_id: int, connection_values: dict | None, scan_values: dict,
                contact_row, ends_at: datetime | None = None) -> ScanResult:
        """A result from the rows this scan wrote: `connection_values` when it made the connection;
        `ends_at` the event's end (when the contact's card expires: attendees.cards.card_for)."""
        result = cls(None, created, None)
        result._connection_id = connection_id
        result._connection_values = connection_values
        result._scan_values, result._contact_row = scan_values, contact_row
        result._ends_at = ends_at
        return result

    @property
    def connection_id(self) -> int:
        return self._connection_id

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            if self._connection_values is not None:
                self._connection = _persistent(Connection, {**self._connection_values, "id": self._connection_id})
            else:
                self._connection = db.session.get(Connection, self._connection_id)
        return self._connection

    @property
    def scan(self) -> Scan:
        if self._scan is None:
            self._scan = _persistent(Scan, self._scan_values)
        return self._scan

    @property
    def scan_fields(self) -> dict:
        """client_uuid, client_scanned_at (the phone's clock) and received_at (the server's)."""
        if self._scan_values is not None:
            values = self._scan_values
            return {key: values[key] for key in ("client_uuid", "client_scanned_at", "received_at")}
        scan = self.scan
        return {"client_uuid": scan.client_uuid, "client_scanned_at": scan.client_scanned_at,
                "received_at": scan.received_at}

    @property
    def contact(self) -> Attendee | None:
        """The other side, or None when they deleted their account."""
        if self._contact is None:
            contact_id = self._contact_row.id if self._contact_row is not None else self.connection.contact_id
            if contact_id is not None:
                self._contact = db.session.get(Attendee, contact_id)
        return self._contact

    @property
    def card(self) -> dict | None:
        """The contact's card as they give it to the scanner (attendees.cards.card_for: narrowed
        or taken back on an earlier exchange), or None when they deleted their account."""
        if self._contact is None and self._contact_row is not None:
            # The selected columns as plain attributes: card_for stays the one place that
            # decides what is shared, and nothing is loaded twice; what they give the scanner
            # came with the same row (_CONTACT_BY_TOKEN), so no query and no ORM load. Not a
            # transient Attendee and Connection: building those costs the scan more than the card.
            row = self._contact_row._mapping
            person = SimpleNamespace(**{name: row[name] for name in CARD_COLUMNS})
            grant = SimpleNamespace(card_fields=row["grant_card_fields"], card_revoked_at=row["grant_card_revoked_at"])
            return card_for(person, grant, ends_at=self._ends_at)
        contact = self.contact
        return card_for(contact, self.connection) if contact is not None else None


def _find_replay(scanner: Attendee | Scanner, client_uuid: str) -> ScanResult | None:
    scan = db.session.execute(
        db.select(Scan).filter_by(scanner_id=scanner.id, client_uuid=client_uuid)
    ).scalar_one_or_none()
    if scan is None:
        return None
    connection = db.session.get(Connection, scan.connection_id) if scan.connection_id else None
    if connection is None:
        raise ExchangeError("scan_forgotten")
    return ScanResult(connection, False, scan)


def _find_contact(scanner: Attendee | Scanner, token: str, client_uuid: str):
    """The badge owner's id, event and card columns, and `seen_scan_id`; ExchangeError if not allowed."""
    token = badge_token_from(token)
    read = scanner.badge if isinstance(scanner, Scanner) else None
    if read is not None and (read.token, read.client_uuid) == (token, client_uuid):
        row = read.row if read.row.id is not None else None
    else:
        row = db.session.connection().execute(
            _CONTACT_BY_TOKEN, {"token": token, "scanner_id": scanner.id, "client_uuid": client_uuid}
        ).first()
    if row is None:
        raise ExchangeError(_exchange_code(missing_badge_error(token)))
    _check_pair(scanner, row.id, row.event_id)
    return row


def _record_once(scanner: Attendee | Scanner, contact, client_uuid: str, scanned_at: datetime | None,
                 check_replay: bool = True) -> ScanResult:
    # `contact` is the row _find_contact read. A replay is found before taking any write lock,
    # so that it never queues behind writers (the first attempt's check came with the badge).
    # Two requests with the same UUID may both get past this check: the scan's unique
    # constraint below then lets one in and sends the other back to read what it wrote.
    connection = db.session.connection()
    if check_replay and connection.execute(_SEEN, {"scanner_id": scanner.id, "client_uuid": client_uuid}).first():
        return _find_replay(scanner, client_uuid)
    now = utcnow()
    common = {"event_id": scanner.event_id, "scanned_at": scanned_at, "created_at": now, "note": "", "tags": [],
              "starred": False, "intent": "none", "note_updated_at": None, "followup_done_at": None,
              "keep_in_touch_at": None, "works_on": "", "needs": "", "offers": "", "promise_dismissed": None,
              "origin": None, "card_fields": None, "card_revoked_at": None}
    mine = {**common, "owner_id": scanner.id, "contact_id": contact.id, "initiated": True}
    theirs = {**common, "owner_id": contact.id, "contact_id": scanner.id, "initiated": False}
    # Rows go in in one fixed order (lower owner id first) so that A-scans-B racing B-scans-A
    # on PostgreSQL waits on the same index entry instead of deadlocking.
    sides = (mine, theirs) if scanner.id < contact.id else (theirs, mine)
    scan_values = {"event_id": scanner.event_id, "scanner_id": scanner.id, "scanned_id": contact.id,
                   "client_uuid": client_uuid, "client_scanned_at": scanned_at, "received_at": now}
    mine_id, created, scan_id = _writes.write(connection, sides, scan_values)
    scan_values.update(id=scan_id, connection_id=mine_id, created_connection=created)
    return ScanResult.written(created, mine_id, mine if created else None, scan_values, contact,
                              scanner.event.ends_at)


def record_scan(scanner: Attendee | Scanner, token: str, client_uuid: object, scanned_at: object = None) -> ScanResult:
    """Connect scanner and the badge's owner, both sides in one transaction, once per pair and UUID.

    `token` may be a bare badge token or a badge URL on BASE_URL; `scanned_at` an ISO 8601 string
    or aware datetime (the phone's clock). Replaying a UUID returns the scan it first made.
    Raises ExchangeError. Commits.
    """
    client_uuid = parse_client_uuid(client_uuid)
    if not isinstance(scanned_at, datetime):
        scanned_at = parse_scanned_at(scanned_at)
    try:
        contact = _find_contact(scanner, token, client_uuid)
    except ExchangeError:
        # A replay must answer as the first time did, even when the badge was since replaced
        # or the scanning window closed while the phone was offline.
        replay = _find_replay(scanner, client_uuid)
        if replay is None:
            raise
        return replay
    if contact.seen_scan_id is not None:
        replay = _find_replay(scanner, client_uuid)
        if replay is not None:
            return replay
    for attempt in range(4):
        try:
            return _record_once(scanner, contact, client_uuid, scanned_at, check_replay=attempt > 0)
        except _writes.ReplayRace:
            db.session.rollback()
        except DBAPIError as error:
            db.session.rollback()
            if not _writes.retryable(error) or attempt == 3:
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

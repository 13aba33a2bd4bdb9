"""Reading and creating events."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l

from ..attendees.models import Attendee
from ..database import utcnow
from ..errors import DomainError
from ..extensions import db
from ..i18n.markers import N_
from .models import Event
from .times import TimeAmbiguous, TimeInvalid, localize


class EventError(DomainError):
    """An event that cannot be created as described (422, code "invalid_event"); the message says why."""

    default_status = 422

    def __init__(self, message: str):
        super().__init__("invalid_event", message)


def list_events() -> list[Event]:
    """Every event, the ones still to come or running first, then past ones."""
    events = db.session.execute(db.select(Event).order_by(Event.starts_at)).scalars().all()
    now = utcnow()
    current = [e for e in events if e.ends_at >= now]
    past = [e for e in reversed(events) if e.ends_at < now]
    return current + past


def profile_gaps(attendee: Attendee) -> list[str]:
    """The profile parts a person has not filled yet, named as the form names them (translated when shown)."""
    gaps = []
    if not attendee.headline:
        gaps.append(_l("headline"))
    if not attendee.can_help_with:
        gaps.append(_l("what you can help with"))
    if not attendee.looking_for:
        gaps.append(_l("what you are looking for"))
    if not (attendee.linkedin or attendee.website):
        gaps.append(_l("a link"))
    return gaps


SLUG_ALPHABET = set("abcdefghijklmnopqrstuvwxyz0123456789-")
SLUG_RULE = N_("The slug may hold only a-z, 0-9 and '-', at most 64 characters (e.g. pycon-2026).")  # forms translate it


def slug_ok(slug: str) -> bool:
    """Whether a (lower-cased, stripped) slug can be an event's address."""
    return bool(slug) and set(slug) <= SLUG_ALPHABET and len(slug) <= 64 and not slug.startswith("-")


def create_event(
    slug: str, name: str, starts: datetime, ends: datetime, timezone: str, venue: str = ""
) -> Event:
    """Create an event. Naive start and end times are read in the event's own time zone."""
    slug = slug.strip().lower()
    if not slug_ok(slug):
        raise EventError(SLUG_RULE)
    name = name.strip()
    if not name or len(name) > 200:
        raise EventError("The name is required, at most 200 characters.")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise EventError(f"Unknown time zone {timezone!r}: use a name like Europe/Berlin or America/New_York.")
    try:
        starts, ends = localize(starts, zone), localize(ends, zone)
    except TimeAmbiguous as ambiguous:
        first, second = ambiguous.offsets
        raise EventError(f"{ambiguous} Add the UTC offset to the time: {first} for the first, {second} for "
                         "the second.") from None
    except TimeInvalid as invalid:
        raise EventError(str(invalid)) from None
    if ends <= starts:
        raise EventError("The event must end after it starts.")
    if len(venue) > 200:
        raise EventError("The venue is at most 200 characters.")
    if db.session.execute(db.select(Event.id).filter_by(slug=slug)).first():
        raise EventError(f"An event with the slug {slug!r} already exists.")
    event = Event(slug=slug, name=name, starts_at=starts, ends_at=ends, timezone=timezone, venue=venue.strip())
    db.session.add(event)
    db.session.commit()
    return event

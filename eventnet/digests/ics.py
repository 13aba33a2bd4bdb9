"""An iCalendar file (RFC 5545) proposing a coffee with a contact whose follow-up intent is "coffee".

The file goes to the owner of the connection only (a signed link, or their logged-in page), so
their own note may be in it. The contact's address is listed as an ATTENDEE only when they
share it; otherwise nobody's address is in the file.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlsplit

from flask import current_app

from ..badges.vcard import escape_text, fold
from ..connections.models import Connection
from ..database import utcnow
from ..events.models import Event
from .suggestions import one_line

COFFEE_HOUR = 10
COFFEE_MINUTES = 30


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def proposed_slot(event: Event, now: datetime | None = None) -> tuple[datetime, datetime]:
    """A first proposal: 10:00 event time on the first weekday at least three days after the event
    (or after today, once that has passed). Stable, so the same link gives the same slot."""
    zone = event.tz
    now = now or utcnow()
    first = event.local(event.ends_at).date() + timedelta(days=3)
    today = now.astimezone(zone).date() + timedelta(days=1)
    day: date = max(first, today)
    while day.weekday() >= 5:  # Saturday, Sunday
        day += timedelta(days=1)
    start = datetime.combine(day, time(COFFEE_HOUR), tzinfo=zone)
    return start, start + timedelta(minutes=COFFEE_MINUTES)


def _quoted_param(value: str) -> str:
    # A parameter value is DQUOTE-wrapped and may not contain DQUOTE or control characters.
    return '"' + one_line(value, 120).replace('"', "'") + '"'


def coffee_ics(connection: Connection, card: dict | None, event: Event, now: datetime | None = None) -> str:
    """A VCALENDAR with one VEVENT "Coffee with <name>"; CRLF lines, folded, values escaped."""
    now = now or utcnow()
    name = (card or {}).get("name") or "a contact"
    start, end = proposed_slot(event, now)
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    # Stable per connection (a second download updates the same calendar entry), and not a
    # database id in clear.
    uid = hashlib.sha256(f"{current_app.config['SECRET_KEY']}:coffee:{connection.id}".encode()).hexdigest()[:32]
    description = [f"Met at {event.name}."]
    if (connection.note or "").strip():
        description.append(f"My note: {connection.note.strip()}")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//eventnet//follow-up//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}@{host}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(end)}",
        f"SUMMARY:{escape_text(one_line('Coffee with ' + name, 150))}",
        f"DESCRIPTION:{escape_text(chr(10).join(description))}",
        "STATUS:TENTATIVE",
        "TRANSP:OPAQUE",
    ]
    email = (card or {}).get("email")
    if email:
        lines.append(f"ATTENDEE;CN={_quoted_param(name)};RSVP=FALSE:mailto:{one_line(email, 254)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) for line in lines)

"""An iCalendar file (RFC 5545) proposing a coffee with a contact whose follow-up intent is "coffee".

Built with the icalendar library, which escapes text, encodes parameters (RFC 6868) and folds
lines. The file carries no private note, tag or follow-up plan: a calendar entry syncs to
phones, shared calendars and the servers behind them, where a note written about someone must
not go. It says where the two met and links to the contact's page in the app, where the note
is, behind the login. The contact's address is listed as an ATTENDEE only when they share it;
otherwise nobody's address is in the file.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

from ..connections.models import Connection
from ..database import utcnow
from ..events.models import Event
from ..i18n.formats import event_date
from ..mail.services import absolute_url
from .suggestions import one_line

COFFEE_HOUR = 10
COFFEE_MINUTES = 30
PRODID = "-//eventnet//follow-up//EN"


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


def _uid(connection: Connection) -> str:
    # Stable per connection (a second download updates the same calendar entry), and not a
    # database id in clear.
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    digest = hashlib.sha256(f"{current_app.config['SECRET_KEY']}:coffee:{connection.id}".encode()).hexdigest()[:32]
    return f"{digest}@{host}"


def _where_we_met(connection: Connection, event: Event, name: str) -> str:
    # connection.created_at: the server's clock (a phone's may be hours off), in the event's zone.
    place = one_line(event.name, 200) + (f" ({one_line(event.venue, 200)})" if (event.venue or "").strip() else "")
    # The day in the reader's language, written by Babel ("4. Mai 2026"), not strftime's English.
    return _("You met %(name)s at %(place)s on %(date)s.", name=name, place=place, date=event_date(connection.created_at, event))


def coffee_ics(connection: Connection, card: dict | None, event: Event, now: datetime | None = None) -> str:
    """A VCALENDAR with one VEVENT "Coffee with <name>": where you met and a link to the contact's
    page, never the note. CRLF lines, folded, values escaped."""
    now = now or utcnow()
    name = one_line((card or {}).get("name") or "a contact", 120)
    start, end = proposed_slot(event, now)
    contact_url = absolute_url("connections.contact", slug=event.slug, connection_id=connection.id)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    entry = VEvent()
    entry.add("uid", _uid(connection))
    # In UTC: a time with a TZID would need a VTIMEZONE block, which some importers ignore anyway.
    entry.add("dtstamp", now.astimezone(timezone.utc))
    entry.add("dtstart", start.astimezone(timezone.utc))
    entry.add("dtend", end.astimezone(timezone.utc))
    entry.add("summary", _("Coffee with %(name)s", name=name))
    entry.add("description", _where_we_met(connection, event, name) + "\n"
              + _("Your note and follow-up: %(url)s", url=contact_url))
    entry.add("url", contact_url)
    entry.add("status", "TENTATIVE")
    entry.add("transp", "OPAQUE")
    email = one_line((card or {}).get("email") or "", 254)
    if email:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(name)
        attendee.params["rsvp"] = "FALSE"
        entry.add("attendee", attendee, encode=False)
    calendar.add_component(entry)
    return calendar.to_ical().decode("utf-8")

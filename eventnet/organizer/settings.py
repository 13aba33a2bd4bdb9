"""Editing an event's details and its scanning window (times typed in the event's own zone).

The form and its rules are organizer/forms.EventForm; this saves what it validated.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..events.models import TIMEZONE_MAX, Event
from ..events.times import LOCAL_FORMAT
from ..extensions import db
from ..audit import services as audit

LIMITS = {"name": 200, "venue": 200, "timezone": TIMEZONE_MAX}
TIME_FIELDS = ("starts_at", "ends_at", "scan_opens_at", "scan_closes_at")
LABELS = {
    "name": "Name", "venue": "Venue", "timezone": "Time zone", "starts_at": "Starts", "ends_at": "Ends",
    "scan_opens_at": "Scanning opens", "scan_closes_at": "Scanning closes", "default_language": "Default language",
}


@dataclass
class EventInput:
    """A validated event form (forms.EventForm.event_input): aware times, the window's may be None."""

    name: str
    venue: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    scan_opens_at: datetime | None
    scan_closes_at: datetime | None
    # A code of eventnet.i18n.LANGUAGES; None when the form did not send one (the event keeps its own).
    default_language: str | None = None


def form_values(event: Event) -> dict[str, str]:
    """The form's initial values, times in the event's zone as datetime-local strings."""
    values = {"name": event.name, "venue": event.venue or "", "timezone": event.timezone,
              "default_language": event.default_language}
    for name in TIME_FIELDS:
        moment = getattr(event, name)
        values[name] = event.local(moment).strftime(LOCAL_FORMAT) if moment else ""
    return values


def update_event(event: Event, actor, data: EventInput) -> Event:
    """Store the event's details and scanning window, and log what changed. Commits.

    `actor` is an organizer (Attendee) or an administrator (auth.models.Administrator).
    """
    before = form_values(event)
    event.name, event.venue, event.timezone = data.name, data.venue, data.timezone
    if data.default_language is not None:
        event.default_language = data.default_language
    for name in TIME_FIELDS:
        setattr(event, name, getattr(data, name))
    after = form_values(event)
    changed = {LABELS[k]: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changed:
        audit.record(event, actor, "event_updated", changed=changed)
    db.session.commit()
    return event

"""Editing an event's details and its scanning window (times typed in the event's own zone)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..events.models import Event
from ..events.times import LOCAL_FORMAT, TimeAmbiguous, TimeInvalid, parse_local
from ..extensions import db
from ..forms import FormInvalid, fold_of
from ..audit import services as audit

LIMITS = {"name": 200, "venue": 200, "timezone": 64}
TIME_FIELDS = ("starts_at", "ends_at", "scan_opens_at", "scan_closes_at")
LABELS = {
    "name": "Name", "venue": "Venue", "timezone": "Time zone", "starts_at": "Starts", "ends_at": "Ends",
    "scan_opens_at": "Scanning opens", "scan_closes_at": "Scanning closes",
}


class EventInvalid(FormInvalid):
    """The event form cannot be saved."""

    form_code = "invalid_event"


@dataclass
class EventInput:
    name: str
    venue: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    scan_opens_at: datetime | None
    scan_closes_at: datetime | None


def form_values(event: Event) -> dict[str, str]:
    """The form's initial values, times in the event's zone as datetime-local strings."""
    values = {"name": event.name, "venue": event.venue or "", "timezone": event.timezone}
    for name in TIME_FIELDS:
        moment = getattr(event, name)
        values[name] = event.local(moment).strftime(LOCAL_FORMAT) if moment else ""
    return values


def parse_event_form(form) -> EventInput:
    """Check a posted event form; EventInvalid with a message per field."""
    raw = {name: " ".join(str(form.get(name, "")).split()) for name in ("name", "venue", "timezone") + TIME_FIELDS}
    errors: dict[str, str] = {}
    for name, limit in LIMITS.items():
        if len(raw[name]) > limit:
            errors[name] = f"At most {limit} characters ({len(raw[name])} now)."
    if "name" not in errors and not raw["name"]:
        errors["name"] = "Enter the event's name."
    zone = None
    try:
        zone = ZoneInfo(raw["timezone"]) if raw["timezone"] and "timezone" not in errors else None
    except (ZoneInfoNotFoundError, ValueError):
        pass
    if zone is None and "timezone" not in errors:
        errors["timezone"] = "Enter a time zone name like Europe/Berlin or America/New_York."
    times: dict[str, datetime | None] = {}
    choices: dict[str, list[tuple[str, str]]] = {}
    for name in TIME_FIELDS:
        value = raw[name]
        if not value:
            if name in ("starts_at", "ends_at"):
                errors[name] = f"Enter when the event {'starts' if name == 'starts_at' else 'ends'}."
            times[name] = None
            continue
        try:
            times[name] = parse_local(value, zone or ZoneInfo("UTC"), fold=fold_of(form, name))
        except TimeAmbiguous as ambiguous:
            errors[name], choices[name] = str(ambiguous), ambiguous.choices
        except TimeInvalid as invalid:
            errors[name] = str(invalid)
    if not errors:
        if times["ends_at"] <= times["starts_at"]:
            errors["ends_at"] = "The event must end after it starts."
        opens, closes = times["scan_opens_at"], times["scan_closes_at"]
        if opens and closes and closes <= opens:
            errors["scan_closes_at"] = "Scanning must close after it opens."
    if errors:
        raise EventInvalid(errors, choices)
    return EventInput(name=raw["name"], venue=raw["venue"], timezone=raw["timezone"], **times)


def update_event(event: Event, actor, data: EventInput) -> Event:
    """Store the event's details and scanning window, and log what changed. Commits.

    `actor` is an organizer (Attendee) or an administrator (auth.models.Administrator).
    """
    before = form_values(event)
    event.name, event.venue, event.timezone = data.name, data.venue, data.timezone
    for name in TIME_FIELDS:
        setattr(event, name, getattr(data, name))
    after = form_values(event)
    changed = {LABELS[k]: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changed:
        audit.record(event, actor, "event_updated", changed=changed)
    db.session.commit()
    return event

"""Follow-up mail services: attendees' choices, signed links, marking follow-ups done, and the
organizer's controls (schedule, sample test send, start now, pause, resume, retry, counts).

The organizer's console calls these; they are plain functions that commit their own writes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from ..attendees.models import Attendee
from ..connections.models import Connection
from ..database import utcnow
from ..events.models import Event
from flask_babel import lazy_gettext as _l

from ..errors import DomainError
from ..i18n.markers import N_
from ..extensions import db
from ..mail.models import OutboxMessage
from ..mail.services import new_message_id
from . import sample, tokens
from .models import MailPreference
from .schedule import (  # noqa: F401  (the organizer console imports these from here)
    DIGEST_KINDS,
    KIND_DIGEST,
    KIND_REMINDER,
    KIND_TEST,
    DigestSchedule,
    ReminderSlot,
    cancel_held_digests,
    default_digest_at,
    digest_schedule,
    digest_time,
    digests_to_start,
    held_digests,
    queue_digests,
    queue_due,
    queue_reminders,
    reminder_days,
    status_counts,
)

UNSUBSCRIBED = "unsubscribed from follow-up emails"
REMINDERS_OFF = "turned reminders off"
# Values are stored; labels English here, translated where a page shows them (`_(label)`).
NO_CONTACTS_CHOICES = {
    "matches": N_("A short email: people whose topics match theirs, and how to reach them"),
    "none": N_("Nothing"),
}
REMINDER_DAYS_MAX = 4


class DigestError(DomainError):
    """An organizer or attendee action on digests that cannot be done."""

    MESSAGES = {
        "other_event": (404, _l("There is no such attendee in this event.")),
        "unknown_variant": (400, _l("Choose the sample for an attendee with contacts or for one without.")),
        "no_address": (400, _l("This organizer has no email address to send the test to.")),
    }


# ----------------------------------------------------------------------------- attendees' choices

def get_preference(attendee: Attendee) -> MailPreference:
    """The attendee's mail choices (an unsaved all-on row when they never chose)."""
    preference = db.session.get(MailPreference, attendee.id)
    return preference or MailPreference(attendee_id=attendee.id, event_id=attendee.event_id,
                                        followups_off=False, reminders_off=False)


def _save_preference(attendee: Attendee, **values) -> MailPreference:
    preference = db.session.get(MailPreference, attendee.id)
    if preference is None:
        preference = MailPreference(attendee_id=attendee.id, event_id=attendee.event_id,
                                    followups_off=False, reminders_off=False)
        db.session.add(preference)
    for key, value in values.items():
        setattr(preference, key, value)
    return preference


def _cancel_waiting(attendee: Attendee, kinds: tuple[str, ...], reason: str) -> int:
    # Rows not yet handed to a sender are cancelled now, so the organizer's counts are right;
    # a row being sent at this moment is checked again by its builder.
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.attendee_id == attendee.id, OutboxMessage.kind.in_(kinds), OutboxMessage.status == "pending")
        .values(status="cancelled", last_error=reason)
    )
    return result.rowcount


def set_preferences(attendee: Attendee, *, digest: bool, reminders: bool) -> MailPreference:
    """Save whether the attendee gets the digest (and reminders at all) and the reminders. Commits."""
    preference = _save_preference(attendee, followups_off=not digest, reminders_off=not reminders)
    if not digest:
        _cancel_waiting(attendee, DIGEST_KINDS, UNSUBSCRIBED)
    elif not reminders:
        _cancel_waiting(attendee, (KIND_REMINDER,), REMINDERS_OFF)
    _reopen(attendee, digest=digest, reminders=reminders and digest)
    db.session.commit()
    return preference


def unsubscribe(attendee: Attendee, scope: str = "all") -> MailPreference:
    """Stop follow-up emails ("all": digest and reminders; "reminders": reminders only). Commits."""
    if scope == "reminders":
        preference = _save_preference(attendee, reminders_off=True)
        _cancel_waiting(attendee, (KIND_REMINDER,), REMINDERS_OFF)
    else:
        preference = _save_preference(attendee, followups_off=True, reminders_off=True)
        _cancel_waiting(attendee, DIGEST_KINDS, UNSUBSCRIBED)
    db.session.commit()
    return preference


def _reopen(attendee: Attendee, *, digest: bool, reminders: bool) -> None:
    # Undoing an unsubscribe brings back what it cancelled, if it had not been sent.
    kinds = ((KIND_DIGEST,) if digest else ()) + ((KIND_REMINDER,) if reminders else ())
    if kinds:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.attendee_id == attendee.id, OutboxMessage.kind.in_(kinds),
                   OutboxMessage.status == "cancelled", OutboxMessage.last_error.in_((UNSUBSCRIBED, REMINDERS_OFF)))
            .values(status="pending", last_error=None, next_attempt_at=utcnow())
        )


def resubscribe(attendee: Attendee) -> MailPreference:
    """Undo an unsubscribe: digest and reminders on again. Commits."""
    return set_preferences(attendee, digest=True, reminders=True)


# ----------------------------------------------------------------------------- signed links

def attendee_for_unsubscribe(event: Event, token: str) -> Attendee:
    """The attendee an unsubscribe link was made for; LinkError when invalid, expired or not this event's."""
    attendee_id, event_id = tokens.read_token("unsubscribe", token, 2)
    attendee = db.session.get(Attendee, attendee_id)
    if event_id != event.id or attendee is None or attendee.event_id != event.id:
        raise tokens.LinkError("invalid")
    return attendee


def connection_for_link(event: Event, purpose: str, token: str) -> Connection:
    """The owner's connection a mark-done or calendar link was made for; LinkError otherwise."""
    connection_id, owner_id = tokens.read_token(purpose, token, 2)
    connection = db.session.execute(
        db.select(Connection).filter_by(id=connection_id, owner_id=owner_id, event_id=event.id)
    ).scalar_one_or_none()
    if connection is None:
        raise tokens.LinkError("invalid")
    return connection


def set_followup_done(connection: Connection, done: bool = True) -> Connection:
    """Mark the owner's follow-up with a contact done (or open again); reminders skip done ones. Commits."""
    if done and connection.followup_done_at is None:
        connection.followup_done_at = utcnow()
    elif not done:
        connection.followup_done_at = None
    db.session.commit()
    return connection


# ----------------------------------------------------------------------------- organizer controls

def pause_digests(event: Event) -> None:
    """Hold the event's digests and reminders: nothing is created or sent until resumed. Commits."""
    event.digests_paused = True
    db.session.commit()


def resume_digests(event: Event) -> None:
    """Let the event's digests and reminders go out again. Commits."""
    event.digests_paused = False
    db.session.commit()


def retry_failed(event: Event) -> int:
    """Put the event's failed digests and reminders back in the queue; returns how many. Commits."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.event_id == event.id, OutboxMessage.kind.in_(DIGEST_KINDS), OutboxMessage.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), claimed_by=None, claimed_until=None)
    )
    db.session.commit()
    return result.rowcount


def digest_status_counts(event: Event, kind: str = KIND_DIGEST) -> dict[str, int]:
    """{status: count} of the event's rows of `kind` ("digest", "reminder", "digest_test"); every status present."""
    return status_counts(event, kind)


def failed_digests(event: Event, limit: int = 50) -> list[OutboxMessage]:
    """The event's failed digests and reminders with their reasons (last_error), newest first."""
    return list(db.session.execute(
        db.select(OutboxMessage)
        .where(OutboxMessage.event_id == event.id, OutboxMessage.kind.in_(DIGEST_KINDS), OutboxMessage.status == "failed")
        .order_by(OutboxMessage.id.desc()).limit(limit)
    ).scalars())


def send_sample_digest(event: Event, organizer: Attendee, variant: str = "contacts") -> OutboxMessage:
    """Queue the event's sample digest (made-up people, digests.sample) to the organizer's own address.

    Built by the sender like any digest; the row names the variant, never an attendee whose
    contacts it would show. Commits.
    """
    if organizer.event_id != event.id:
        raise DigestError("other_event")
    if variant not in sample.VARIANTS:
        raise DigestError("unknown_variant")
    if not (organizer.email or "").strip():
        raise DigestError("no_address")
    now = utcnow()
    row = OutboxMessage(
        event_id=event.id, attendee_id=organizer.id, kind=KIND_TEST, dedupe_key=None, to_addr=organizer.email.strip(),
        subject=f"{sample.subject_prefix()}Digest of {event.name}"[:300], text_body="", html_body="", headers={},
        payload={"variant": variant}, message_id=new_message_id(), status="pending", attempts=0,
        next_attempt_at=now, created_at=now,
    )
    db.session.add(row)
    db.session.commit()
    return row


def settings_values(event: Event) -> dict[str, str]:
    """The event's digest settings as form values (digest_at as a datetime-local in the event's zone)."""
    return {
        "digest_at": event.local(event.digest_at).strftime("%Y-%m-%dT%H:%M") if event.digest_at else "",
        "no_contacts": event.digest_no_contacts,
        "reminder_days": ", ".join(str(d) for d in reminder_days(event)),
        "reply_to": event.reply_to or "",
    }


@dataclass
class DigestSettings:
    """Validated digest settings (forms.DigestSettingsForm): digest_at aware, None for the default;
    no_contacts one of NO_CONTACTS_CHOICES; reminder_days sorted, e.g. [30, 90]; reply_to "" for none."""

    digest_at: datetime | None
    no_contacts: str
    reminder_days: list[int]
    reply_to: str


def update_digest_settings(event: Event, settings: DigestSettings) -> Event:
    """Save the event's digest time, no-contacts choice, reminder days and reply-to. Commits."""
    event.digest_at, event.digest_no_contacts = settings.digest_at, settings.no_contacts
    event.reminder_days, event.reply_to = settings.reminder_days, settings.reply_to
    db.session.commit()
    return event

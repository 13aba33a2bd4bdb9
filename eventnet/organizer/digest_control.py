"""Digest control for organizers: thin audited wrappers around the digest feature's services.

The schedule, queueing, pausing, retrying and test sends are eventnet.digests' own functions;
this module adds who did it to the audit log, and finds the attendee an organizer typed.
"""
from __future__ import annotations

from ..attendees.models import Attendee
from ..attendees.services import find_by_email
from ..digests import services as digests
from ..digests.services import DigestError, DigestSchedule, DigestSettingsInvalid  # noqa: F401
from ..events.models import Event
from ..extensions import db
from . import audit


class NoSuchAttendee(LookupError):
    """The typed email is nobody's in this event."""

    code = "unknown_attendee"
    message = "Nobody in this event has that email address. Copy it from the attendee list."


def schedule(event: Event) -> DigestSchedule:
    """When the digest goes out, what was queued, pause state and per-status counts."""
    return digests.digest_schedule(event)


def failures(event: Event):
    """Failed digests and reminders with the mail server's reasons, newest first."""
    return digests.failed_digests(event)


def attendee_by_email(event: Event, email: str) -> Attendee:
    """The attendee of this event with this address; NoSuchAttendee otherwise."""
    attendee = find_by_email(event, (email or "")[:254]) if email else None
    if attendee is None:
        raise NoSuchAttendee()
    return attendee


def _log(event: Event, actor: Attendee, action: str, **details) -> None:
    audit.record(event, db.session.get(Attendee, actor.id), action, **details)
    db.session.commit()


def send_test(event: Event, actor: Attendee, email: str) -> Attendee:
    """Queue the digest of the attendee with `email` to the organizer's own address. Commits."""
    attendee = attendee_by_email(event, email)
    digests.send_test_digest(event, actor, attendee)
    _log(event, actor, "digest_test_sent", attendee_id=attendee.id, name=attendee.name, to=actor.email)
    return attendee


def start_now(event: Event, actor: Attendee) -> int:
    """Create every recipient's digest row now instead of at the scheduled time; returns how many. Commits."""
    count = digests.queue_digests(event)
    _log(event, actor, "digest_started", queued=count)
    return count


def pause(event: Event, actor: Attendee) -> None:
    """Hold the event's digests and reminders until resumed. Commits."""
    digests.pause_digests(event)
    _log(event, actor, "digest_paused")


def resume(event: Event, actor: Attendee) -> None:
    """Let the event's digests and reminders go out again. Commits."""
    digests.resume_digests(event)
    _log(event, actor, "digest_resumed")


def retry(event: Event, actor: Attendee) -> int:
    """Put failed digests and reminders back in the queue; returns how many. Commits."""
    count = digests.retry_failed(event)
    _log(event, actor, "digest_retried", requeued=count)
    return count


def save_settings(event: Event, actor: Attendee, form) -> None:
    """Save the digest time, the no-contacts choice, reminders and reply-to (DigestSettingsInvalid). Commits."""
    before = digests.settings_values(event)
    digests.update_digest_settings(event, form)
    after = digests.settings_values(event)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changed:
        _log(event, actor, "event_updated", changed=changed)

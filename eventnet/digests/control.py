"""Digest control for organizers: thin audited wrappers around this feature's services.

The schedule, queueing, pausing, retrying and sample sends are eventnet.digests.services' functions;
this module adds who did it to the audit log. Nothing here names an attendee: the preview and
the test send are a sample built from made-up people (digests.sample), and the counts are counts.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from ..attendees.models import Attendee
from ..database import utcnow
from ..confirmation import BulkError, hold_seconds
from . import services as digests
from .services import DigestError, DigestSchedule, DigestSettings  # noqa: F401
from ..events.models import Event
from ..extensions import db
from ..audit import services as audit


def schedule(event: Event) -> DigestSchedule:
    """When the digest goes out, what was queued, pause state and per-status counts."""
    return digests.digest_schedule(event)


def failures(event: Event):
    """Failed digests and reminders with the mail server's reasons, newest first."""
    return digests.failed_digests(event)


def _log(event: Event, actor: Attendee, action: str, **details) -> None:
    audit.record(event, db.session.get(Attendee, actor.id), action, **details)
    db.session.commit()


def send_sample(event: Event, actor: Attendee, variant: str = "contacts") -> None:
    """Queue the event's sample digest (made-up people) to the organizer's own address. Commits."""
    digests.send_sample_digest(event, actor, variant)
    _log(event, actor, "digest_test_sent", to=actor.email, sample=variant)


def to_start(event: Event) -> int:
    """How many digests "start now" would queue (recipients without one yet): the confirmation's number."""
    return digests.digests_to_start(event)


def start_now(event: Event, actor: Attendee) -> int:
    """Queue every recipient's digest now instead of at the scheduled time, held for the cancel
    window (MASS_MAIL_HOLD_SECONDS); returns how many. Commits."""
    until = utcnow() + timedelta(seconds=hold_seconds())
    count = digests.queue_digests(event, hold_until=until)
    _log(event, actor, "digest_started", queued=count, held_until=until.isoformat())
    return count


def held(event: Event) -> tuple[int, datetime | None]:
    """(how many, until when) of the digests "start now" queued that can still be cancelled."""
    return digests.held_digests(event)


def cancel_start(event: Event, actor: Attendee) -> tuple[int, datetime | None]:
    """Take back the digests "start now" is still holding (BulkError when none). Commits.

    Returns (how many, when they go out now): the scheduled time when it is still ahead, None when
    it has passed. A cancel after the digest's time must not let the scheduler send them at once
    (that would undo the cancel), so they then wait for the next "start now", and the organizer is
    told so.
    """
    cancelled = digests.cancel_held_digests(event)
    if not cancelled:
        raise BulkError("window_over")
    _log(event, actor, "digest_start_cancelled", count=cancelled)
    at = digests.digest_time(event)
    return cancelled, (at if at > utcnow() else None)


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


def save_settings(event: Event, actor: Attendee, settings: DigestSettings) -> None:
    """Save the digest time, the no-contacts choice, reminders and reply-to (validated). Commits."""
    before = digests.settings_values(event)
    digests.update_digest_settings(event, settings)
    after = digests.settings_values(event)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changed:
        _log(event, actor, "event_updated", changed=changed)

"""When digests and reminders are due, and creating their outbox rows exactly once.

A digest row is unique per event, attendee and kind through the outbox's dedupe_key
("digest:<event>:<attendee>", "reminder:<days>:<event>:<attendee>"); rows hold no body, the
sender builds it (digests.build). A DigestRun row per event and kind tells the scheduler that an
event is done, so that a worker looking every few seconds does not rescan every attendee.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import and_, delete, exists, func, or_
from sqlalchemy.dialects import postgresql, sqlite

from ..attendees.models import Attendee
from ..connections.keep_in_touch import mutual_exists
from ..connections.models import Connection
from ..promises.models import Promise
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..mail.models import STATUSES, OutboxMessage
from ..mail.services import database_unavailable, first_time, new_message_id
from .models import DigestRun, MailPreference

log = logging.getLogger(__name__)

KIND_DIGEST = "digest"
KIND_REMINDER = "reminder"
KIND_TEST = "digest_test"
DIGEST_KINDS = (KIND_DIGEST, KIND_REMINDER)  # paused with their event
DIGEST_HOUR = 9
# A digest or reminder first noticed this long after its time (the feature was off, the worker
# was down) is recorded as skipped rather than sent weeks late.
LATE_LIMIT = timedelta(days=14)
INSERT_CHUNK = 1000


# ----------------------------------------------------------------------------- times

def default_digest_at(event: Event) -> datetime:
    """09:00 in the event's time zone, the morning after its last day."""
    day = event.local(event.ends_at).date() + timedelta(days=1)
    return datetime.combine(day, time(DIGEST_HOUR), tzinfo=event.tz)


def digest_time(event: Event) -> datetime:
    """When the event's digest goes out: its digest_at, or the default."""
    return event.digest_at or default_digest_at(event)


def reminder_days(event: Event) -> list[int]:
    """The event's reminder offsets in days, valid ones only, ascending."""
    days = {d for d in (event.reminder_days or []) if isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 365}
    return sorted(days)


def reminder_time(event: Event, days: int) -> datetime:
    """`days` after the event's last day, at the digest's local time of day."""
    at = digest_time(event).astimezone(event.tz)
    day = event.local(event.ends_at).date() + timedelta(days=days)
    return datetime.combine(day, at.time(), tzinfo=event.tz)


def reminder_kind(days: int) -> str:
    return f"{KIND_REMINDER}:{days}"


# The keep-in-touch nudge (issue 14) is a reminder row (kind "reminder", so turning reminders
# off, pausing and retrying treat it like any other), with its own run and dedupe key.
KEEP_IN_TOUCH_DAYS = 91  # thirteen weeks: "three months"
KEEP_IN_TOUCH_RUN = f"{KIND_REMINDER}:keep-in-touch"


# ----------------------------------------------------------------------------- who gets what

def _not_unsubscribed(*, reminders: bool):
    off = MailPreference.followups_off.is_(True)
    if reminders:
        off = or_(off, MailPreference.reminders_off.is_(True))
    return ~exists().where(MailPreference.attendee_id == Attendee.id, off)


def open_followup_sql():
    """SQL for "this connection holds an open follow-up or an open promise" (as build._is_open)."""
    open_promise = exists().where(Promise.connection_id == Connection.id, Promise.done_at.is_(None))
    return or_(
        and_(Connection.followup_done_at.is_(None), or_(Connection.intent != "none", Connection.starred.is_(True))),
        open_promise,
    )


def digest_recipients(event: Event) -> list[tuple[int, str]]:
    """(attendee id, email) of everyone who gets the digest: not unsubscribed, and with a
    contact unless the event sends the no-contacts variant."""
    query = db.select(Attendee.id, Attendee.email).where(Attendee.event_id == event.id, _not_unsubscribed(reminders=False))
    if event.digest_no_contacts == "none":
        query = query.where(exists().where(Connection.owner_id == Attendee.id))
    return [tuple(row) for row in db.session.execute(query.order_by(Attendee.id))]


def _reminded(event: Event, connection_condition) -> list[tuple[int, str]]:
    # (attendee id, email) of everyone with reminders on and a connection that meets the condition.
    query = db.select(Attendee.id, Attendee.email).where(
        Attendee.event_id == event.id,
        _not_unsubscribed(reminders=True),
        exists().where(Connection.owner_id == Attendee.id, connection_condition),
    )
    return [tuple(row) for row in db.session.execute(query.order_by(Attendee.id))]


def reminder_recipients(event: Event) -> list[tuple[int, str]]:
    """(attendee id, email) of everyone with a follow-up that may still be open and reminders on."""
    return _reminded(event, open_followup_sql())


def keep_in_touch_recipients(event: Event) -> list[tuple[int, str]]:
    """(attendee id, email) of everyone with reminders on and a contact who, like them, wants to keep in touch."""
    return _reminded(event, mutual_exists())


# ----------------------------------------------------------------------------- creating rows

def _insert(table):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _take_write_lock() -> None:
    # SQLite: a transaction that reads and then writes fails at once with "database is locked"
    # when another writer got in between; taking the write lock first makes it wait instead.
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _queue_rows(event: Event, kind: str, recipients: list[tuple[int, str]], subject: str,
                dedupe_prefix: str, payload: dict | None, now: datetime, due: datetime | None = None) -> int:
    created = 0
    table = OutboxMessage.__table__
    # `now` may be a scheduler's notion of time (tests, a catch-up run); the rows are due at once,
    # or at `due` when an organizer's "start now" holds them for its cancel window.
    now = min(now, utcnow())
    for start in range(0, len(recipients), INSERT_CHUNK):
        values = [
            {
                "event_id": event.id, "attendee_id": attendee_id, "kind": kind,
                "dedupe_key": f"{dedupe_prefix}:{event.id}:{attendee_id}", "to_addr": email,
                "subject": subject[:300], "text_body": "", "html_body": "", "headers": {},
                "payload": payload, "message_id": new_message_id(), "status": "pending", "attempts": 0,
                "next_attempt_at": due or now, "created_at": now,
            }
            for attendee_id, email in recipients[start:start + INSERT_CHUNK]
        ]
        inserted = db.session.execute(
            _insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id), values
        ).all()
        created += len(inserted)
    return created


def _record_run(event: Event, kind: str, count: int, now: datetime, skipped: str | None = None) -> None:
    table = DigestRun.__table__
    statement = _insert(table).values(event_id=event.id, kind=kind, queued_at=now, count=count, skipped=skipped)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["event_id", "kind"], set_={"count": table.c.count + count, "skipped": statement.excluded.skipped}
    ))


def queue_digests(event: Event, now: datetime | None = None, hold_until: datetime | None = None) -> int:
    """Create the digest outbox row of every recipient who has none yet ("start now"); returns
    how many were created. Safe to repeat and to race: each attendee's row exists once.
    `hold_until`: the rows wait until then (an organizer's cancel window). Commits."""
    now = now or utcnow()
    db.session.commit()
    _take_write_lock()
    event = db.session.get(Event, event.id, populate_existing=True)
    count = _queue_rows(event, KIND_DIGEST, digest_recipients(event), f"Your contacts from {event.name}",
                        KIND_DIGEST, None, now, hold_until)
    _record_run(event, KIND_DIGEST, count, now)
    db.session.commit()
    return count


def digests_to_start(event: Event) -> int:
    """How many digests "start now" would queue: recipients who have no digest row yet."""
    have = set(db.session.execute(
        db.select(OutboxMessage.attendee_id).where(OutboxMessage.event_id == event.id, OutboxMessage.kind == KIND_DIGEST)
    ).scalars())
    return sum(1 for attendee_id, _ in digest_recipients(event) if attendee_id not in have)


def held_digests(event: Event) -> tuple[int, datetime | None]:
    """(how many, until when) of the event's digests held by "start now", still cancellable."""
    count, until = db.session.execute(
        db.select(func.count(OutboxMessage.id), func.max(OutboxMessage.next_attempt_at))
        .where(*_held(event, utcnow()))
    ).one()
    return count, until


def _held(event: Event, now: datetime):
    # Held: never tried and not due yet. A retried row waiting out its backoff has attempts > 0.
    return (OutboxMessage.event_id == event.id, OutboxMessage.kind == KIND_DIGEST, OutboxMessage.status == "pending",
            OutboxMessage.attempts == 0, OutboxMessage.next_attempt_at > now)


def cancel_held_digests(event: Event) -> int:
    """Delete the digests "start now" is still holding, so that none of them leaves; returns how many.

    Deleted rather than marked cancelled: each attendee's digest row is unique, and a cancelled
    start must leave the digest to go out later (at its time, or at the next "start now"). The
    run's count goes down by as many; a run left empty whose time is still ahead is removed, so
    the schedule applies again. A sender claims only due rows, and this deletes only rows not due
    yet, so no row is both sent and deleted. Commits.
    """
    now = utcnow()
    db.session.commit()
    _take_write_lock()
    deleted = db.session.execute(
        delete(OutboxMessage).where(*_held(event, now)).execution_options(synchronize_session=False)
    ).rowcount or 0
    run = db.session.execute(db.select(DigestRun).filter_by(event_id=event.id, kind=KIND_DIGEST)).scalar_one_or_none()
    if run is not None and deleted:
        run.count = max(run.count - deleted, 0)
        if run.count == 0 and not run.skipped and digest_time(event) > now:
            db.session.delete(run)
    db.session.commit()
    return deleted


def queue_reminders(event: Event, days: int, now: datetime | None = None) -> int:
    """Create the `days`-day reminder row of everyone with an open follow-up; returns how many. Commits."""
    now = now or utcnow()
    db.session.commit()
    _take_write_lock()
    event = db.session.get(Event, event.id, populate_existing=True)
    kind = reminder_kind(days)
    count = _queue_rows(event, KIND_REMINDER, reminder_recipients(event), f"Follow-ups from {event.name}",
                        kind, {"days": days}, now)
    _record_run(event, kind, count, now)
    db.session.commit()
    return count


def queue_keep_in_touch(event: Event, now: datetime | None = None) -> int:
    """Create the keep-in-touch reminder row of everyone in a mutual pair; returns how many. Commits."""
    now = now or utcnow()
    db.session.commit()
    _take_write_lock()
    event = db.session.get(Event, event.id, populate_existing=True)
    count = _queue_rows(event, KIND_REMINDER, keep_in_touch_recipients(event), f"Say hello: people you met at {event.name}",
                        KEEP_IN_TOUCH_RUN, {"keep_in_touch": True, "days": KEEP_IN_TOUCH_DAYS}, now)
    _record_run(event, KEEP_IN_TOUCH_RUN, count, now)
    db.session.commit()
    return count


def queue_due(now: datetime | None = None) -> dict[str, int]:
    """Create the rows of every digest and reminder whose time has come (the sender's producer).

    Returns {"<slug> <kind>": rows created}. Paused events are left alone until resumed. Each
    event is taken on its own: one whose data breaks the scheduling (an end date past what a
    date can hold, a bug) is logged, once per process and error, and the others go on; it is
    looked at again every round, so that fixing it is enough. Raises only when the database fails.
    """
    now = now or utcnow()
    events = db.session.execute(db.select(Event).where(Event.digests_paused.is_(False))).scalars().all()
    runs = {(run.event_id, run.kind) for run in db.session.execute(db.select(DigestRun.event_id, DigestRun.kind))}
    targets = [(event.id, event.slug) for event in events]
    db.session.commit()
    created: dict[str, int] = {}
    for event, (event_id, slug) in zip(events, targets, strict=True):
        try:
            _queue_due_for(event, runs, now, created)
        except Exception as exc:
            if database_unavailable(exc):
                raise
            db.session.rollback()
            error = f"{type(exc).__name__}: {exc}"
            if first_time(("digests", event_id, error)):
                log.exception("digests of event %s (%s) not queued: %s; the other events go on", event_id, slug, error)
    return created


def _queue_due_for(event: Event, runs: set[tuple[int, str]], now: datetime, created: dict[str, int]) -> None:
    """queue_due for one event: its digest and each reminder that is due; adds to `created`."""
    if (event.id, KIND_DIGEST) not in runs and digest_time(event) <= now:
        late = now - digest_time(event)
        if late > LATE_LIMIT:
            # An old event first seen by a new deployment: its digest now would surprise
            # everyone. The organizer can still send it with "start now" (queue_digests).
            _take_write_lock()
            _record_run(event, KIND_DIGEST, 0, now, skipped=f"first looked at {late.days} days after its time")
            db.session.commit()
        else:
            created[f"{event.slug} {KIND_DIGEST}"] = queue_digests(event, now)
    for days in reminder_days(event):
        kind = reminder_kind(days)
        due = reminder_time(event, days)
        if (event.id, kind) in runs or due > now:
            continue
        if now - due > LATE_LIMIT:
            _take_write_lock()
            _record_run(event, kind, 0, now, skipped=f"first looked at {(now - due).days} days after its day")
            db.session.commit()
            continue
        created[f"{event.slug} {kind}"] = queue_reminders(event, days, now)
    due = reminder_time(event, KEEP_IN_TOUCH_DAYS)
    if (event.id, KEEP_IN_TOUCH_RUN) not in runs and due <= now:
        if now - due > LATE_LIMIT:
            _take_write_lock()
            _record_run(event, KEEP_IN_TOUCH_RUN, 0, now, skipped=f"first looked at {(now - due).days} days after its day")
            db.session.commit()
        else:
            created[f"{event.slug} {KEEP_IN_TOUCH_RUN}"] = queue_keep_in_touch(event, now)


# ----------------------------------------------------------------------------- reading the schedule

@dataclass
class ReminderSlot:
    days: int
    due_at: datetime
    queued_at: datetime | None
    count: int
    skipped: str | None


@dataclass
class DigestSchedule:
    """Everything the organizer's console shows about an event's follow-up mail."""

    digest_at: datetime
    is_default: bool
    queued_at: datetime | None
    queued_count: int
    skipped: str | None  # why the scheduler did not send it (too late when first seen)
    paused: bool
    no_contacts: str
    reply_to: str
    recipients: int  # who would get the digest if it were queued now
    reminders: list[ReminderSlot] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # digest rows per status
    reminder_counts: dict[str, int] = field(default_factory=dict)
    test_counts: dict[str, int] = field(default_factory=dict)


def status_counts(event: Event, kind: str) -> dict[str, int]:
    """How many outbox rows of `kind` this event has in each status (every status present)."""
    rows = db.session.execute(
        db.select(OutboxMessage.status, func.count()).where(OutboxMessage.event_id == event.id, OutboxMessage.kind == kind)
        .group_by(OutboxMessage.status)
    ).all()
    counts = {status: 0 for status in STATUSES}
    counts.update({status: count for status, count in rows})
    return counts


def digest_schedule(event: Event) -> DigestSchedule:
    """The event's digest time, reminders, pause state, what was queued and per-status counts."""
    runs = {run.kind: run for run in db.session.execute(db.select(DigestRun).filter_by(event_id=event.id)).scalars()}
    digest_run = runs.get(KIND_DIGEST)
    reminders = []
    for days in reminder_days(event):
        run = runs.get(reminder_kind(days))
        reminders.append(ReminderSlot(days, reminder_time(event, days), run.queued_at if run else None,
                                      run.count if run else 0, run.skipped if run else None))
    return DigestSchedule(
        digest_at=digest_time(event),
        is_default=event.digest_at is None,
        queued_at=digest_run.queued_at if digest_run else None,
        queued_count=digest_run.count if digest_run else 0,
        skipped=digest_run.skipped if digest_run else None,
        paused=bool(event.digests_paused),
        no_contacts=event.digest_no_contacts,
        reply_to=event.reply_to or "",
        recipients=len(digest_recipients(event)),
        reminders=reminders,
        counts=status_counts(event, KIND_DIGEST),
        reminder_counts=status_counts(event, KIND_REMINDER),
        test_counts=status_counts(event, KIND_TEST),
    )

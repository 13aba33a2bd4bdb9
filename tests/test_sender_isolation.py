"""One event's bad data never stops another's mail (issue 10): the digest producer and the sender
take each event and each outbox row on its own, log one line for what fails, and go on.

The bad event is written straight into the database, as data saved before the forms bounded
dates would be: it ends on 9999-12-31 at 23:59 UTC, so its end in Berlin, and the morning after,
lie past the last year Python's datetime can hold.
"""
from __future__ import annotations

import logging
import mailbox
import secrets
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

from sqlalchemy import insert

from eventnet.attendees.models import SHARED_BY_DEFAULT, Attendee
from eventnet.auth.services import request_login
from eventnet.connections.models import Connection
from eventnet.database import utcnow
from eventnet.digests.schedule import queue_digests, queue_due
from eventnet.events.models import Event
from eventnet.extensions import db
from eventnet.mail.models import OutboxMessage

FAR_END = datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc)


def add_attendee(event_id: int, name: str) -> int:
    now = utcnow()
    email = f"{name}@example.org"
    return db.session.execute(insert(Attendee).values(
        event_id=event_id, email=email, email_key=email, role="attendee", name=name.title(), headline="",
        company="", bio="", phone="", linkedin="", website="", links=[], can_help_with="", looking_for="",
        shared_fields=sorted(SHARED_BY_DEFAULT), badge_token=secrets.token_urlsafe(24),
        short_code=secrets.token_hex(4).upper(), created_at=now, updated_at=now,
    ).returning(Attendee.id)).scalar_one()


def exchange(event_id: int, a: int, b: int) -> None:
    for owner, contact in ((a, b), (b, a)):
        db.session.execute(insert(Connection).values(
            event_id=event_id, owner_id=owner, contact_id=contact, initiated=owner == a, created_at=utcnow(),
            note="I promised: send the slides", tags=[], starred=False, intent="send"))


def far_future_event() -> int:
    """An event whose end overflows in its own time zone, inserted without the forms' checks."""
    now = utcnow()
    event_id = db.session.execute(insert(Event).values(
        slug="far-future", name="Far Future Conf", starts_at=now - timedelta(days=3), ends_at=FAR_END,
        timezone="Europe/Berlin", venue="", created_at=now, digest_no_contacts="matches",
        reminder_days=[30, 90], reply_to="", digests_paused=False,
    ).returning(Event.id)).scalar_one()
    db.session.commit()
    return event_id


def test_an_event_whose_dates_overflow_stops_nobody_elses_mail(app, runner, make_event, make_attendee, caplog):
    now = utcnow()
    good = make_event(slug="good-conf", starts=now - timedelta(days=3, hours=8), ends=now - timedelta(days=3))
    ana, bob = add_attendee(good.id, "ana"), add_attendee(good.id, "bob")
    exchange(good.id, ana, bob)
    bad_id = far_future_event()
    cleo, dan = add_attendee(bad_id, "cleo"), add_attendee(bad_id, "dan")
    exchange(bad_id, cleo, dan)
    db.session.commit()
    # The bad event's digests were started by hand before its end was changed ("start now").
    assert queue_digests(db.session.get(Event, bad_id)) == 2
    # Someone asks for a login link, on each event.
    request_login(good, "ana@example.org")
    request_login(db.session.get(Event, bad_id), "cleo@example.org")

    caplog.set_level(logging.INFO)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output

    box = mailbox.Maildir(app.config["MAILBOX_PATH"], create=False)
    received = [message_from_bytes(box.get_bytes(key), policy=policy.default) for key in box.keys()]
    subjects = sorted((str(m["To"]), str(m["Subject"])) for m in received)
    assert subjects == [
        ("ana@example.org", f"Ana, your 1 contact from {good.name}"),
        ("ana@example.org", f"Your login link for {good.name}"),
        ("bob@example.org", f"Bob, your 1 contact from {good.name}"),
        ("cleo@example.org", "Your login link for Far Future Conf"),
    ]
    db.session.expire_all()
    bad_rows = db.session.execute(db.select(OutboxMessage).where(
        OutboxMessage.event_id == bad_id, OutboxMessage.kind == "digest")).scalars().all()
    # Not lost and not given up: retried later, in case the organizer fixes the date.
    assert {(row.status, row.attempts) for row in bad_rows} == {("pending", 1)}
    assert all(row.last_error.startswith("could not be built: OverflowError") for row in bad_rows)
    assert all(row.next_attempt_at > utcnow() for row in bad_rows)

    messages = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    producer = [m for m in messages if "far-future" in m and "digests" in m]
    assert len(producer) == 1, messages
    builds = [m for m in messages if "could not be built" in m]
    assert len(builds) == 2 and all(f"event {bad_id}" in m for m in builds), messages
    # One line each, and at most one traceback per kind of failure, not one per row and round.
    assert sum(1 for record in caplog.records if record.exc_info) <= 2


def test_the_digest_producer_goes_on_past_a_bad_event_and_says_so_once(app, make_event, caplog):
    now = utcnow()
    good = make_event(slug="good-conf", starts=now - timedelta(days=3, hours=8), ends=now - timedelta(days=3))
    ana, bob = add_attendee(good.id, "ana"), add_attendee(good.id, "bob")
    exchange(good.id, ana, bob)
    far_future_event()
    db.session.commit()

    caplog.set_level(logging.INFO)
    assert queue_due() == {"good-conf digest": 2}
    assert queue_due() == {}  # the worker asks again every 15 seconds
    failures = [r for r in caplog.records if "far-future" in r.getMessage()]
    assert len(failures) == 1 and failures[0].levelno == logging.ERROR
    assert "OverflowError" in failures[0].getMessage()



def test_a_message_that_cannot_be_built_waits_and_the_round_goes_on(app, caplog):
    from eventnet.mail.services import deliver_due, queue_email, register_builder

    def broken(row):
        # An error whose text PostgreSQL cannot store (a NUL byte), from a builder's bug.
        raise ValueError("bad \x00 byte in the data")

    register_builder(app, "broken", broken)
    for kind in ("broken", "test", "broken", "test"):
        queue_email(to=f"{kind}@example.org", subject="Hello", template="login_link", kind=kind,
                    context={"event": {"name": "E"}, "attendee": None, "url": "u", "code": "1", "minutes": 1})
    db.session.commit()
    caplog.set_level(logging.INFO)
    report = deliver_due()
    assert (report.sent, report.retried, report.failed) == (2, 2, 0)
    db.session.expire_all()
    broken_rows = db.session.execute(db.select(OutboxMessage).filter_by(kind="broken")).scalars().all()
    assert {(row.status, row.attempts) for row in broken_rows} == {("pending", 1)}
    assert {row.last_error for row in broken_rows} == {"could not be built: ValueError: bad  byte in the data"}
    lines = [r for r in caplog.records if "could not be built" in r.getMessage()]
    assert len(lines) == 2 and sum(1 for r in lines if r.exc_info) == 1

"""The sender: claim due outbox rows with a lease, deliver them through a transport, record the outcome.

`flask mail send` (cron) and `flask mail worker` run it; several senders may run at once.

Each row is handled on its own: whatever goes wrong with one (it cannot be built, the relay
refuses its recipient) is recorded on that row and logged in one line, and the round goes on.
A relay that refuses *us* (transports.RelayUnavailable) is no row's fault: the outbox pauses
(eventnet.mail.relay), the rows go back unclaimed with their attempts untouched, and sending
resumes by itself once the relay takes mail again.
"""
from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Literal, TypeVar

from flask import current_app
from sqlalchemy import and_, or_, update

from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from . import relay
from .models import OutboxMessage
from .outbox import (
    PAUSABLE_KEY,
    SCRUB_AFTER_SENDING,
    SCRUBBED,
    SkipMessage,
    build_message,
    database_unavailable,
    first_time,
)
from .relay import RelayStatus
from .transports import (
    MaildirTransport,
    PermanentFailure,
    RelayUnavailable,
    SMTPTransport,
    TemporaryFailure,
    make_transport,
)

log = logging.getLogger(__name__)

Outcome = Literal["sent", "retried", "failed", "cancelled", "left"]
T = TypeVar("T")

LEASE = timedelta(minutes=10)  # a sender that has not finished a claimed row by then is presumed dead
                               # (MAIL_LEASE_SECONDS overrides it; tests use a second or two)
BATCH = 25  # rows claimed at once, all sent over one SMTP connection

# Retries of a message the relay answered 4xx (or that could not be built): after attempt n the
# next waits BACKOFF_BASE_SECONDS * 2^(n-1), at most BACKOFF_MAX_SECONDS, plus up to 10% jitter.
# Sixteen attempts put 1, 2, 4 ... 256 minutes, then six times 6 hours between the first and the
# last: 44.5 hours, 49 with the jitter, about two days (RETRY_SPAN; a test adds it up). A relay
# that refuses us uses up no attempt at all: the outbox pauses instead (eventnet.mail.relay).
MAX_ATTEMPTS = 16
BACKOFF_BASE_SECONDS = 60  # MAIL_BACKOFF_SECONDS overrides it
BACKOFF_MAX_SECONDS = 6 * 60 * 60
JITTER = (1.0, 1.1)


def _nominal_delay(attempts: int, base: float) -> float:
    return min(base * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


# (shortest, longest) time from the first attempt to the last, with the default base delay.
RETRY_SPAN = tuple(
    sum((timedelta(seconds=_nominal_delay(n, BACKOFF_BASE_SECONDS) * factor) for n in range(1, MAX_ATTEMPTS)), timedelta())
    for factor in JITTER
)


def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("MAIL_LEASE_SECONDS") or LEASE.total_seconds()))


def backoff(attempts: int) -> timedelta:
    """Delay before the retry that follows attempt number `attempts` (see MAX_ATTEMPTS)."""
    base = float(current_app.config.get("MAIL_BACKOFF_SECONDS") or BACKOFF_BASE_SECONDS)
    return timedelta(seconds=_nominal_delay(attempts, base) * random.uniform(*JITTER))


@dataclass
class SendReport:
    """What one call of deliver_due did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    # Set when the round found the outbox paused, or paused it: the relay refuses us.
    paused: RelayStatus | None = None
    stopped: bool = False  # a stop was asked for: the rest of the batch was handed back


def _claimable(now):
    # Due pending rows, and rows a sender claimed but did not finish within its lease.
    due = or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
    )
    pausable = sorted(current_app.extensions.get(PAUSABLE_KEY, ()))
    if not pausable:
        return due
    # A paused event's digests wait, untouched, until the organizer resumes them.
    paused = db.select(Event.id).where(Event.digests_paused.is_(True)).scalar_subquery()
    return and_(due, or_(OutboxMessage.kind.not_in(pausable), OutboxMessage.event_id.is_(None),
                         OutboxMessage.event_id.not_in(paused)))


def claim_batch(worker: str, size: int) -> list[int]:
    """Mark up to `size` due rows as ours ('sending' with a lease) and return their ids."""
    now = utcnow()
    lease = {"status": "sending", "claimed_by": worker, "claimed_until": now + _lease()}
    query = db.select(OutboxMessage.id).where(_claimable(now)).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(size)
    if db.engine.dialect.name == "postgresql":
        # Rows another sender holds are skipped rather than waited for.
        ids = list(db.session.execute(query.with_for_update(skip_locked=True)).scalars())
        if ids:
            db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**lease))
        db.session.commit()
        return ids
    # SQLite has no row locks: one conditional UPDATE claims the batch, under the write lock
    # taken up front (BEGIN IMMEDIATE), so that of two senders racing for a row exactly one
    # gets it back from RETURNING. A deferred transaction could instead fail at once with
    # "database is locked" when another sender committed between its read and its write.
    connection = db.session.connection()
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    ids = list(db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(query.scalar_subquery()), _claimable(now))
        .values(**lease).returning(OutboxMessage.id)
    ).scalars())
    db.session.commit()
    return sorted(ids)


def _finish(row_id: int, worker: str, **values) -> None:
    # Only while our claim stands: a sender whose lease was taken over must not overwrite.
    if values.get("last_error"):
        # PostgreSQL text cannot hold NUL, and a server's answer could carry one.
        values["last_error"] = values["last_error"].replace("\x00", "")[:2000]
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker, OutboxMessage.status == "sending")
        .values(claimed_by=None, claimed_until=None, **values)
    )
    db.session.commit()


def _release(ids: list[int], worker: str, **values) -> None:
    """Hand claimed rows back: pending, unclaimed, attempts untouched, claimable by anyone at once."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == worker, OutboxMessage.status == "sending")
        .values(status="pending", claimed_by=None, claimed_until=None, **values)
    )
    db.session.commit()


def deliver_due(limit: int | None = None, *, stop: threading.Event | None = None,
                transport: SMTPTransport | MaildirTransport | None = None) -> SendReport:
    """Claim and deliver due outbox rows until none are due, `limit` were tried, the relay
    refuses us, or `stop` is set; returns what happened.

    `transport`, when given, is the caller's and stays open afterwards (the worker keeps one
    SMTP connection across its rounds); otherwise one is made for this call and closed.

    `stop` (the worker's SIGTERM) is looked at between emails: the one being sent is finished,
    and the rest of the batch is handed back at once, for another sender to take without
    waiting for the lease. Raises only when the database fails: nothing goes on without it.
    """
    worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    report = SendReport()
    key = relay.settings_key()
    turn, state = relay.begin_round(key)
    if turn == "wait":
        report.paused = state
        return report
    probing = turn == "probe"  # the outbox is paused and this round tries the relay again
    owned = transport is None
    if transport is None:
        transport = make_transport()
    held: list[int] = []
    tried = 0
    # One message is handed to the relay (this thread waits on the socket) while the next is
    # built here: building is most of a digest's cost and a relay's answer takes tens of ms.
    # Only the transport is used over there; the database stays in this thread, and each row's
    # outcome is recorded here once its send has ended, before the next send starts.
    sending = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-send")
    in_flight: tuple[_Built, Future] | None = None

    def conclude() -> bool:
        """Record the message in flight; False when the relay refused us (the round ends)."""
        nonlocal in_flight, probing
        built, future = in_flight
        in_flight = None
        outcome = _guarded(lambda: _conclude(built, future.exception(), worker, report), built.row_id, worker, report)
        if isinstance(outcome, RelayUnavailable):
            report.paused = relay.pause(key, outcome.reason, outcome.reply)
            return False
        if probing and outcome == "sent":
            relay.resume()
            probing = False
        return True

    try:
        while (limit is None or tried < limit) and not report.stopped and report.paused is None:
            if stop is not None and stop.is_set():
                report.stopped = True
                break
            held = claim_batch(worker, BATCH if limit is None else min(BATCH, limit - tried))
            if not held:
                break
            while held:
                if stop is not None and stop.is_set():
                    report.stopped = True
                    break
                row_id = held.pop(0)
                tried += 1
                prepared = _guarded(lambda: _prepare(row_id, worker, report), row_id, worker, report)
                if in_flight is not None and not conclude():
                    if isinstance(prepared, _Built):
                        held.insert(0, row_id)  # built, never sent: handed back with the rest
                    break
                if isinstance(prepared, _Built) and stop is not None and stop.is_set():
                    # The stop came while the email before it was on the wire: that one was
                    # finished, this one goes back unsent with the rest.
                    held.insert(0, row_id)
                    report.stopped = True
                    break
                if isinstance(prepared, _Built):
                    in_flight = (prepared, sending.submit(transport.send, prepared.message))
            # A new batch is claimed only once the last send is recorded: a relay that refused
            # it ends the round before more rows are taken.
            if in_flight is not None:
                conclude()
        if probing and tried == 0 and not report.stopped:
            # Nothing was due to try the relay with: ask it without an email, so that a pause
            # ends (and the dashboard says so) even when no mail is waiting.
            try:
                transport.probe()
            except RelayUnavailable as exc:
                report.paused = relay.pause(key, exc.reason, exc.reply)
            else:
                relay.resume()
    finally:
        if in_flight is not None:
            # Leaving on a database failure while a message was with the relay: wait for it, and
            # record it if the database lets us (else its lease frees it, as for a crash).
            row_id = in_flight[0].row_id
            try:
                conclude()
            except Exception:
                db.session.rollback()
                log.warning("outbox %s: sent or not, could not be recorded; its lease frees it", row_id)
        sending.shutdown(wait=True)
        if held:
            _hand_back(held, worker)
        if owned or report.paused is not None:
            # A relay that refuses us is asked afresh, over a new connection, next time.
            transport.close()
    return report


def _hand_back(ids: list[int], worker: str) -> None:
    try:
        db.session.rollback()
        _release(ids, worker)
    except Exception:
        # The database is failing (that is why we are leaving): the lease frees them later.
        db.session.rollback()
        log.warning("outbox %s: could not hand back; another sender takes them when the lease ends",
                    ", ".join(map(str, ids)))


def _guarded(step: Callable[[], T], row_id: int, worker: str, report: SendReport) -> T | Outcome:
    """A step of one row's delivery, with whatever it did not foresee recorded on the row rather
    than ending the round."""
    try:
        return step()
    except Exception as exc:
        if database_unavailable(exc):
            raise
        # Something about this row broke even the recording of its outcome (a value the
        # database refuses): it waits with a backoff like a temporary failure, the round goes on.
        db.session.rollback()
        log.error("outbox %s: %s: %s", row_id, type(exc).__name__, exc,
                  exc_info=first_time(("sender", type(exc).__name__)))
        attempts = 1 + (db.session.execute(
            db.select(OutboxMessage.attempts).where(OutboxMessage.id == row_id)).scalar_one_or_none() or 0)
        # Only the exception's type is kept: its text is what the database may have refused.
        return _retry_or_give_up(row_id, worker, report, attempts, type(exc).__name__, {})


def _where(row: OutboxMessage) -> str:
    """How log lines name a row: "outbox 12 (digest, event 3)"."""
    return f"outbox {row.id} ({row.kind}" + (f", event {row.event_id})" if row.event_id else ")")


@dataclass
class _Built:
    """A claimed row's message, built and ready for the relay, with what recording its outcome needs."""

    row_id: int
    message: EmailMessage
    attempts: int
    where: str
    scrub: dict[str, str]


def _prepare(row_id: int, worker: str, report: SendReport) -> Outcome | _Built:
    """Build a claimed row's message; the row's outcome instead when it is not to be sent now."""
    row = db.session.get(OutboxMessage, row_id, populate_existing=True)
    if row is None or row.status != "sending" or row.claimed_by != worker or row.claimed_until - utcnow() < _lease() / 4:
        # Our lease ran out (or nearly) before we got to this row, in a slow batch: another
        # sender may take it over while we send, which would make a duplicate. It is left for
        # the next claim.
        db.session.rollback()
        return "left"
    attempts = row.attempts + 1
    where = _where(row)
    event_id = row.event_id
    scrub = {"text_body": SCRUBBED, "html_body": SCRUBBED} if row.kind in SCRUB_AFTER_SENDING else {}
    try:
        message = build_message(row)
    except SkipMessage as skip:
        db.session.rollback()
        report.cancelled += 1
        _finish(row_id, worker, status="cancelled", attempts=attempts - 1, last_error=skip.reason[:500], **scrub)
        log.info("%s: not sent (%s)", where, skip.reason)
        return "cancelled"
    except Exception as exc:
        if database_unavailable(exc):
            raise
        # Data a builder cannot handle (a date past the year 9999, a bug): retried with the
        # backoff rather than failed at once, so that fixing the data (or the code) within the
        # retry span still sends it. The traceback is logged once per event and kind of error.
        db.session.rollback()
        error = f"could not be built: {type(exc).__name__}: {exc}"
        outcome = _retry_or_give_up(row_id, worker, report, attempts, error, scrub)
        log.error("%s: %s (%s)", where, error, "given up" if outcome == "failed" else "will retry",
                  exc_info=first_time(("build", event_id, type(exc).__name__)))
        return outcome
    # Building read from the database: end that read so that a SQLite sender does not hold
    # a read snapshot (and block checkpoints) while it talks to the SMTP server.
    db.session.commit()
    return _Built(row_id, message, attempts, where, scrub)


def _conclude(built: _Built, error: BaseException | None, worker: str,
              report: SendReport) -> Outcome | RelayUnavailable:
    """Record how the relay took a built message: `error` is what transport.send raised, None when it took it."""
    row_id, attempts, where, scrub = built.row_id, built.attempts, built.where, built.scrub
    try:
        if error is not None:
            raise error
    except RelayUnavailable as exc:
        # Not this message's fault: deliver_due pauses the outbox (and logs it, once).
        if exc.attempted:
            # Its content had gone out when the relay went quiet: it may have been delivered.
            _retry_or_give_up(row_id, worker, report, attempts, exc.reply, scrub)
        else:
            _release([row_id], worker, last_error=f"waiting: {exc.reason} ({exc.reply})"[:2000])
        return exc
    except TemporaryFailure as exc:
        outcome = _retry_or_give_up(row_id, worker, report, attempts, str(exc), scrub)
        log.warning("%s: temporary failure, %s: %s", where, "given up" if outcome == "failed" else "will retry", exc)
        return outcome
    except PermanentFailure as exc:
        report.failed += 1
        _finish(row_id, worker, status="failed", attempts=attempts, last_error=str(exc), **scrub)
        log.warning("%s: refused for good: %s", where, exc)
        return "failed"
    except Exception as exc:
        # An error the transport does not classify (an address smtplib cannot encode) would
        # come back on every retry: recorded, and the round goes on.
        db.session.rollback()
        report.failed += 1
        _finish(row_id, worker, status="failed", attempts=attempts, last_error=f"{type(exc).__name__}: {exc}", **scrub)
        log.error("%s: could not be sent: %s: %s", where, type(exc).__name__, exc,
                  exc_info=first_time(("send", type(exc).__name__)))
        return "failed"
    report.sent += 1
    _finish(row_id, worker, status="sent", attempts=attempts, sent_at=utcnow(), last_error=None, **scrub)
    return "sent"


def _retry_or_give_up(row_id: int, worker: str, report: SendReport, attempts: int, error: str,
                      scrub: dict[str, str]) -> Outcome:
    """A temporary failure of attempt `attempts`: wait the backoff, or fail after MAX_ATTEMPTS."""
    if attempts >= MAX_ATTEMPTS:
        report.failed += 1
        _finish(row_id, worker, status="failed", attempts=attempts,
                last_error=f"gave up after {attempts} attempts: {error}", **scrub)
        return "failed"
    report.retried += 1
    _finish(row_id, worker, status="pending", attempts=attempts, last_error=error,
            next_attempt_at=utcnow() + backoff(attempts))
    return "retried"


def send_due(limit: int | None = None) -> int:
    """Deliver due outbox rows; returns how many were sent."""
    return deliver_due(limit).sent


def outbox_counts() -> dict[str, int]:
    """How many outbox rows are in each status."""
    rows = db.session.execute(
        db.select(OutboxMessage.status, db.func.count()).group_by(OutboxMessage.status)
    ).all()
    return {status: count for status, count in rows}

"""Queue emails in the outbox, and send what is due through SMTP or the local Maildir.

A request never sends mail: it writes an outbox row in its own transaction, so the email exists
exactly when the change that caused it was committed. A sender (`flask mail send` from cron, or
`flask mail worker`) claims due rows with a lease, delivers them and records the outcome.
"""
from __future__ import annotations

import logging
import mailbox
import os
import random
import re
import smtplib
import socket
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app
from sqlalchemy import and_, func, or_, update

from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from .models import OutboxMessage

if TYPE_CHECKING:
    from ..attendees.models import Attendee

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # a sender that has not finished a claimed row by then is presumed dead
                               # (MAIL_LEASE_SECONDS overrides it; tests use a second or two)
BATCH = 25  # rows claimed at once, all sent over one SMTP connection
MAX_ATTEMPTS = 12  # with the backoff below: about two days of retrying before giving up
BACKOFF_BASE_SECONDS = 60  # MAIL_BACKOFF_SECONDS overrides it
BACKOFF_MAX_SECONDS = 6 * 60 * 60
SMTP_TIMEOUT = 30
# Kinds whose body holds a secret (a login link, or the link that confirms a new login address):
# once sent or given up, the outbox copy is blanked so that the database holds no usable token.
SCRUB_AFTER_SENDING = frozenset({"login_link", "email_change"})
SCRUBBED = "(removed after sending: this email held a login or confirmation link)"
BUILDERS_KEY = "eventnet.mail.builders"
PAUSABLE_KEY = "eventnet.mail.pausable"
PRODUCERS_KEY = "eventnet.mail.producers"


# ----------------------------------------------------------------------------- built at send time

@dataclass
class Attachment:
    filename: str
    content_type: str  # "text/vcard", "text/calendar"
    data: str | bytes


@dataclass
class BuiltEmail:
    """What a builder makes of an outbox row when it is sent: the whole message but its envelope."""

    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)


class SkipMessage(Exception):
    """A builder's answer "do not send this one" (unsubscribed, nothing to say); `reason` is kept."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


Builder = Callable[[OutboxMessage], BuiltEmail]


def register_builder(app: Flask, kind: str, builder: Builder, *, pausable: bool = False) -> None:
    """Build rows of `kind` at send time with `builder`; pausable kinds wait while their event is paused."""
    app.extensions.setdefault(BUILDERS_KEY, {})[kind] = builder
    if pausable:
        app.extensions.setdefault(PAUSABLE_KEY, set()).add(kind)


def register_producer(app: Flask, producer: Callable[[], object]) -> None:
    """Run `producer` (it queues mail that has become due, e.g. digests) before each sending round."""
    producers = app.extensions.setdefault(PRODUCERS_KEY, [])
    if producer not in producers:
        producers.append(producer)


def run_producers() -> list:
    """Let every registered producer queue what is due; returns their results in order."""
    return [producer() for producer in current_app.extensions.get(PRODUCERS_KEY, ())]


def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("MAIL_LEASE_SECONDS") or LEASE.total_seconds()))


# ----------------------------------------------------------------------------- queueing

def absolute_url(endpoint: str, **values) -> str:
    """An absolute URL on BASE_URL; works outside a request (CLI, sender), unlike url_for."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def render_email(template: str, context: dict) -> tuple[str, str]:
    """Render mail/<template>.txt and .html (the HTML autoescaped) into (text, html).

    The templates are rendered without the page context processors: there is no request, no
    session and no logged-in attendee in an email. `absolute_url` is there for links.
    """
    env = current_app.jinja_env
    ctx = {"absolute_url": absolute_url, "base_url": current_app.config["BASE_URL"], **context}
    text = env.get_template(f"mail/{template}.txt").render(ctx)
    html = env.get_template(f"mail/{template}.html").render(ctx)
    return text, html


def clean_header(value: str) -> str:
    """One line: a header value must never carry a line break (header injection)."""
    return " ".join(value.split())


def new_message_id() -> str:
    """A Message-ID on our own domain (BASE_URL's host), fixed when a row is queued."""
    return make_msgid(domain=urlsplit(current_app.config["BASE_URL"]).hostname or "localhost")


def queue_email(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict,
    kind: str,
    event_id: int | None = None,
    attendee_id: int | None = None,
    dedupe_key: str | None = None,
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    """Render an email into an outbox row in the current session; the caller commits."""
    to = clean_header(to)
    if not to or "@" not in to:
        raise ValueError(f"not an email address: {to!r}")
    text, html = render_email(template, context)
    message = OutboxMessage(
        event_id=event_id,
        attendee_id=attendee_id,
        kind=kind,
        dedupe_key=dedupe_key,
        to_addr=to,
        subject=clean_header(subject)[:300],
        text_body=text,
        html_body=html,
        headers={clean_header(k): clean_header(v) for k, v in (headers or {}).items()},
        # Fixed at queueing, so a retried delivery carries the same Message-ID.
        message_id=new_message_id(),
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


RESERVED_HEADERS = frozenset({"from", "to", "subject", "date", "message-id", "auto-submitted"})


def build_message(row: OutboxMessage) -> EmailMessage:
    """The email for one outbox row: text then HTML as alternatives, then any attachments.

    Rows of a kind with a registered builder get their content from it now (it may raise
    SkipMessage); others carry their rendered bodies.
    """
    builder = current_app.extensions.get(BUILDERS_KEY, {}).get(row.kind)
    if builder is not None:
        built = builder(row)
    else:
        built = BuiltEmail(row.subject, row.text_body, row.html_body, dict(row.headers or {}))
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = clean_header(row.to_addr)
    msg["Subject"] = clean_header(built.subject)
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = row.message_id
    # RFC 3834: tells out-of-office responders not to answer a machine.
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in built.headers.items():
        if name.lower() not in RESERVED_HEADERS:
            msg[clean_header(name)] = clean_header(value)
    msg.set_content(built.text)
    msg.add_alternative(built.html, subtype="html")
    for attachment in built.attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        data = attachment.data.encode("utf-8") if isinstance(attachment.data, str) else attachment.data
        params = {"charset": "utf-8"} if maintype == "text" else {}
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=clean_header(attachment.filename), params=params)
    return msg


REMOVED_FOR_DELETION = "(removed: the recipient deleted their account)"


def pseudonymise_recipient(attendee: Attendee, label: str) -> None:
    """Replace a deleted attendee's name and address in the outbox by `label` (the caller commits).

    Rows to them (by attendee_id, or to their address within their event) keep their status
    and time, but not the address, nor a stored body; rows about them (an organizer's test
    digest of them, `payload.attendee_id`) lose their name from the subject. The address is
    also taken out of a mail server's answer (a bounce quotes it). A row a sender is handing
    to SMTP right now goes out with the address it already read; one it has not read yet
    fails rather than reach the person who left.
    """
    email_key = attendee.email_key
    to_them = or_(
        OutboxMessage.attendee_id == attendee.id,
        and_(OutboxMessage.event_id == attendee.event_id, func.lower(func.trim(OutboxMessage.to_addr)) == email_key),
    )
    about_them = and_(OutboxMessage.event_id == attendee.event_id,
                      OutboxMessage.payload["attendee_id"].as_integer() == attendee.id)
    address = re.compile(re.escape(email_key), re.IGNORECASE) if email_key else None
    named = _name_pattern(attendee.name or "")

    def scrubbed(text: str | None) -> str | None:
        if text and named:
            text = named.sub(label, text)
        return address.sub(label, text) if text and address else text

    for row in db.session.execute(db.select(OutboxMessage).where(or_(to_them, about_them))).scalars():
        if row.attendee_id == attendee.id or (row.to_addr or "").strip().lower() == email_key:
            row.to_addr = label
            if {row.text_body, row.html_body} - {"", SCRUBBED}:
                row.text_body = row.html_body = REMOVED_FOR_DELETION
        row.subject = scrubbed(row.subject) or ""
        row.last_error = scrubbed(row.last_error)


def _name_pattern(name: str) -> re.Pattern | None:
    """A person's name as written in a subject: whole or in part ("Ana, your contacts"), any
    run of its words becoming one match; a run starts at a word of two letters or more, so a
    lone initial or a one-letter name never matches "A" in ordinary text."""
    words = sorted({word for word in name.split() if word}, key=len, reverse=True)
    starters = [word for word in words if sum(ch.isalnum() for ch in word) >= 2]
    if not starters:
        return None

    def either(options: list[str]) -> str:
        return r"(?<!\w)(?:" + "|".join(re.escape(word) for word in options) + r")(?!\w)"
    return re.compile(either(starters) + r"(?:\s+" + either(words) + ")*")


# ----------------------------------------------------------------------------- transports

class TemporaryFailure(Exception):
    """Worth trying again later: a 4xx answer, a dropped connection, a misconfigured server."""


class PermanentFailure(Exception):
    """The server refused this message for good (5xx): retrying would not help."""


class MaildirTransport:
    """Development delivery: each message becomes a file in a local Maildir."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.box: mailbox.Maildir | None = None

    def send(self, msg: EmailMessage) -> None:
        try:
            if self.box is None:
                # Maildir(create=True) races with a second sender creating it at the same
                # moment (it sees the folder and skips tmp/new/cur); makedirs does not.
                for sub in ("tmp", "new", "cur"):
                    os.makedirs(os.path.join(self.path, sub), mode=0o700, exist_ok=True)
                self.box = mailbox.Maildir(self.path, create=False)
            self.box.add(msg.as_bytes())
        except OSError as exc:  # a full or unwritable disk is worth another try later
            raise TemporaryFailure(f"cannot write to {self.path}: {exc}") from exc

    def close(self) -> None:
        self.box = None


class SMTPTransport:
    """SMTP from a URL: smtp:// (STARTTLS when offered), smtps:// (TLS from the first byte).

    One connection serves a whole batch. Credentials are never sent over an unencrypted
    connection: a server without STARTTLS gets no password and the batch waits. The server's
    certificate is always verified, against the system's CAs or, when `ca_file` is given (the
    SMTP_CA_FILE setting, for a relay with a private CA), against the CAs in that file only.
    """

    def __init__(self, url: str, mail_from: str, ca_file: str | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.envelope_from = parseaddr(mail_from)[1]
        self.ca_file = ca_file or None
        self.conn: smtplib.SMTP | None = None

    def _tls_context(self) -> ssl.SSLContext:
        # create_default_context verifies the chain and the host name; nothing here loosens it.
        try:
            return ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ValueError) as exc:
            raise TemporaryFailure(f"cannot load SMTP_CA_FILE {self.ca_file}: {exc}") from exc

    def _connect(self) -> smtplib.SMTP:
        context = self._tls_context()
        if self.implicit_tls:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT, context=context)
            encrypted = True
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
            encrypted = False
        try:
            if not encrypted:
                conn.ehlo()
                if conn.has_extn("starttls"):
                    conn.starttls(context=context)
                    conn.ehlo()
                    encrypted = True
            if self.username:
                if not encrypted:
                    raise TemporaryFailure(
                        f"{self.host} offers no TLS: refusing to send the SMTP password in clear text"
                    )
                conn.login(self.username, self.password or "")
        except BaseException:
            # The connection is not ours to keep yet (send() only drops self.conn): close it
            # here, or a failed STARTTLS or login leaks the socket.
            conn.close()
            raise
        return conn

    def send(self, msg: EmailMessage) -> None:
        try:
            if self.conn is None:
                self.conn = self._connect()
            self.conn.send_message(msg, from_addr=self.envelope_from, to_addrs=[msg["To"].addresses[0].addr_spec])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            self._raise_for(code, text)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            self._reset_after_refusal()
            self._raise_for(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPAuthenticationError as exc:
            # Wrong credentials are the deployment's fault, not the message's: keep it for later.
            self._drop()
            raise TemporaryFailure(f"SMTP login refused: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except ssl.SSLCertVerificationError as exc:
            # A certificate we cannot verify may be an attacker in the path, or a relay with a
            # private CA not named in SMTP_CA_FILE: either way nothing is sent, and it says why.
            self._drop()
            raise TemporaryFailure(
                f"TLS certificate of {self.host}:{self.port} not trusted: {exc.verify_message or exc}"
            ) from exc
        except ssl.SSLError as exc:
            self._drop()
            raise TemporaryFailure(f"TLS with {self.host}:{self.port} failed: {exc}") from exc
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            self._drop()
            raise TemporaryFailure(f"SMTP connection problem: {exc}") from exc

    @staticmethod
    def _raise_for(code: int, text: bytes | str) -> None:
        reason = f"{code} {_text(text)}"
        if 400 <= code < 500:
            raise TemporaryFailure(reason)
        raise PermanentFailure(reason)

    def _reset_after_refusal(self) -> None:
        # After a refused transaction the connection is still good; RSET starts afresh.
        try:
            if self.conn is not None:
                self.conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def make_transport():
    """SMTP when SMTP_URL is set, otherwise the development Maildir."""
    config = current_app.config
    if config.get("SMTP_URL"):
        return SMTPTransport(config["SMTP_URL"], config["MAIL_FROM"], ca_file=config.get("SMTP_CA_FILE"))
    return MaildirTransport(config["MAILBOX_PATH"])


# ----------------------------------------------------------------------------- sending

@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0


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
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker, OutboxMessage.status == "sending")
        .values(claimed_by=None, claimed_until=None, **values)
    )
    db.session.commit()


def backoff(attempts: int) -> timedelta:
    """Delay before retry number `attempts`: doubling from a minute, capped, with some jitter."""
    base = float(current_app.config.get("MAIL_BACKOFF_SECONDS") or BACKOFF_BASE_SECONDS)
    seconds = min(base * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return timedelta(seconds=seconds * random.uniform(1.0, 1.1))


def deliver_due(limit: int | None = None) -> SendReport:
    """Claim and deliver due outbox rows until none are due (or `limit` were tried)."""
    worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    report = SendReport()
    transport = make_transport()
    tried = 0
    try:
        while limit is None or tried < limit:
            size = BATCH if limit is None else min(BATCH, limit - tried)
            ids = claim_batch(worker, size)
            if not ids:
                break
            for row_id in ids:
                tried += 1
                _deliver_one(transport, row_id, worker, report)
    finally:
        transport.close()
    return report


def _deliver_one(transport, row_id: int, worker: str, report: SendReport) -> None:
    row = db.session.get(OutboxMessage, row_id, populate_existing=True)
    if row is None or row.status != "sending" or row.claimed_by != worker or row.claimed_until - utcnow() < _lease() / 4:
        # Our lease ran out (or nearly) before we got to this row, in a slow batch: another
        # sender may take it over while we send, which would make a duplicate. It is left for
        # the next claim.
        db.session.rollback()
        return
    attempts = row.attempts + 1
    scrub = {"text_body": SCRUBBED, "html_body": SCRUBBED} if row.kind in SCRUB_AFTER_SENDING else {}
    try:
        message = build_message(row)
    except SkipMessage as skip:
        db.session.rollback()
        report.cancelled += 1
        _finish(row_id, worker, status="cancelled", attempts=attempts - 1, last_error=skip.reason[:500], **scrub)
        log.info("outbox %s: not sent (%s)", row_id, skip.reason)
        return
    except Exception as exc:
        # A message we cannot build would fail the same way on every retry: record why.
        log.exception("outbox %s: could not be built", row_id)
        db.session.rollback()
        report.failed += 1
        _finish(row_id, worker, status="failed", attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000], **scrub)
        return
    # Building read from the database: end that read so that a SQLite sender does not hold
    # a read snapshot (and block checkpoints) while it talks to the SMTP server.
    db.session.commit()
    try:
        transport.send(message)
    except TemporaryFailure as exc:
        if attempts >= MAX_ATTEMPTS:
            report.failed += 1
            _finish(row_id, worker, status="failed", attempts=attempts, last_error=f"gave up after {attempts} attempts: {exc}", **scrub)
        else:
            report.retried += 1
            _finish(row_id, worker, status="pending", attempts=attempts, last_error=str(exc),
                    next_attempt_at=utcnow() + backoff(attempts))
        log.warning("outbox %s: temporary failure (%s)", row_id, exc)
    except PermanentFailure as exc:
        report.failed += 1
        _finish(row_id, worker, status="failed", attempts=attempts, last_error=str(exc), **scrub)
        log.warning("outbox %s: refused for good (%s)", row_id, exc)
    except Exception as exc:
        # An error the transport does not classify (an address smtplib cannot encode) would
        # otherwise come back after every lease, forever; record why and move on.
        log.exception("outbox %s: could not be sent", row_id)
        db.session.rollback()
        report.failed += 1
        _finish(row_id, worker, status="failed", attempts=attempts, last_error=f"{type(exc).__name__}: {exc}", **scrub)
    else:
        report.sent += 1
        _finish(row_id, worker, status="sent", attempts=attempts, sent_at=utcnow(), last_error=None, **scrub)


def send_due(limit: int | None = None) -> int:
    """Deliver due outbox rows; returns how many were sent."""
    return deliver_due(limit).sent


def outbox_counts() -> dict[str, int]:
    """How many outbox rows are in each status."""
    rows = db.session.execute(
        db.select(OutboxMessage.status, db.func.count()).group_by(OutboxMessage.status)
    ).all()
    return {status: count for status, count in rows}

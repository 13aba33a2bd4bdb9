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
import smtplib
import socket
import ssl
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import and_, or_, update

from ..database import utcnow
from ..extensions import db
from .models import OutboxMessage

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # a sender that has not finished a claimed row by then is presumed dead
BATCH = 25  # rows claimed at once, all sent over one SMTP connection
MAX_ATTEMPTS = 12  # with the backoff below: about two days of retrying before giving up
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 60 * 60
SMTP_TIMEOUT = 30
# Kinds whose body holds a secret (a login link): once sent or given up, the outbox copy is
# blanked so that the database holds no usable token.
SCRUB_AFTER_SENDING = frozenset({"login_link"})
SCRUBBED = "(removed after sending: this email held a login link)"


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
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
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
        message_id=make_msgid(domain=host),
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


def build_message(row: OutboxMessage) -> EmailMessage:
    """The multipart/alternative email (text, then HTML) for one outbox row."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = row.to_addr
    msg["Subject"] = clean_header(row.subject)
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = row.message_id
    # RFC 3834: tells out-of-office responders not to answer a machine.
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in (row.headers or {}).items():
        if name.lower() not in {"from", "to", "subject", "date", "message-id", "auto-submitted"}:
            msg[name] = value
    msg.set_content(row.text_body)
    msg.add_alternative(row.html_body, subtype="html")
    return msg


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
    connection: a server without STARTTLS gets no password and the batch waits.
    """

    def __init__(self, url: str, mail_from: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.envelope_from = parseaddr(mail_from)[1]
        self.conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.implicit_tls:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT, context=context)
            encrypted = True
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
            conn.ehlo()
            encrypted = False
            if conn.has_extn("starttls"):
                conn.starttls(context=context)
                conn.ehlo()
                encrypted = True
        if self.username:
            if not encrypted:
                conn.close()
                raise TemporaryFailure(
                    f"{self.host} offers no TLS: refusing to send the SMTP password in clear text"
                )
            conn.login(self.username, self.password or "")
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
        return SMTPTransport(config["SMTP_URL"], config["MAIL_FROM"])
    return MaildirTransport(config["MAILBOX_PATH"])


# ----------------------------------------------------------------------------- sending

@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _claimable(now):
    # Due pending rows, and rows a sender claimed but did not finish within its lease.
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
    )


def claim_batch(worker: str, size: int) -> list[int]:
    """Mark up to `size` due rows as ours ('sending' with a lease) and return their ids."""
    now = utcnow()
    lease = {"status": "sending", "claimed_by": worker, "claimed_until": now + LEASE}
    query = db.select(OutboxMessage.id).where(_claimable(now)).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(size)
    if db.engine.dialect.name == "postgresql":
        # Rows another sender holds are skipped rather than waited for.
        ids = list(db.session.execute(query.with_for_update(skip_locked=True)).scalars())
        if ids:
            db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**lease))
        db.session.commit()
        return ids
    claimed: list[int] = []
    # A few rounds: if another sender took every candidate we saw, look again rather than
    # report "nothing due" while rows are waiting.
    for _ in range(5):
        candidates = list(db.session.execute(query).scalars())
        db.session.commit()
        if not candidates:
            break
        for row_id in candidates:
            # The condition is checked again inside the write: of two senders racing for a
            # row, exactly one sees rowcount 1. Each claim is its own short write transaction.
            result = db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id, _claimable(now)).values(**lease)
            )
            db.session.commit()
            if result.rowcount == 1:
                claimed.append(row_id)
        if claimed:
            break
    return claimed


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
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
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
    attempts = row.attempts + 1
    scrub = {"text_body": SCRUBBED, "html_body": SCRUBBED} if row.kind in SCRUB_AFTER_SENDING else {}
    try:
        transport.send(build_message(row))
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
        # A message we cannot even build (a bad address slipped in) would otherwise come back
        # after every lease, forever; record why and move on to the next one.
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

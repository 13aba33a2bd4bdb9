"""The outbox: queue emails as rows, and build each row's message when it is sent.

A request never sends mail: it writes an outbox row in its own transaction, so the email exists
exactly when the change that caused it was committed. A sender (eventnet.mail.sender) claims
due rows, builds them here and hands them to a transport (eventnet.mail.transports).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import idna
from flask import Flask, current_app
from sqlalchemy import and_, func, or_
from sqlalchemy.exc import InterfaceError, OperationalError

from ..database import utcnow
from ..extensions import db
from ..i18n.hooks import bound_gettext
from .models import OutboxMessage

if TYPE_CHECKING:
    from ..attendees.models import Attendee

log = logging.getLogger(__name__)

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
    content_type: str  # "text/vcard", "text/calendar", "image/jpeg"
    data: str | bytes
    # Set for an image the HTML shows inline as <img src="cid:{content_id}"> (RFC 2392): it
    # travels inside the HTML part's multipart/related (RFC 2387), not as a file to open.
    content_id: str = ""


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
    """Let every registered producer queue what is due; returns their results in order.

    A producer that fails is logged in one line and gives None, and the others still run (the
    digest producer already goes on past a bad event; this catches what it did not foresee).
    Raises when the database is unavailable: then nothing can be queued or sent anyway.
    """
    results = []
    for producer in current_app.extensions.get(PRODUCERS_KEY, ()):
        try:
            results.append(producer())
        except Exception as exc:
            if database_unavailable(exc):
                raise
            db.session.rollback()
            name = getattr(producer, "__qualname__", repr(producer))
            log.error("mail producer %s failed: %s: %s", name, type(exc).__name__, exc,
                      exc_info=first_time(("producer", name, type(exc).__name__)))
            results.append(None)
    return results


def database_unavailable(exc: BaseException) -> bool:
    """True when `exc` says the database itself is failing (unreachable, locked, connection
    lost), not the row at hand: then a round must stop rather than blame row after row."""
    return isinstance(exc, (OperationalError, InterfaceError)) or bool(getattr(exc, "connection_invalidated", False))


LOGGED_KEY = "eventnet.mail.logged"
LOGGED_MAX = 1000


def first_time(key: tuple) -> bool:
    """True the first time this process reports `key` (e.g. ("build", event id, error type)).

    For tracebacks: the first failure of a kind gets one, its repeats (every row of a bad
    event, every round of a worker) one line each. Kept per app, so a test's app starts afresh.
    """
    seen = current_app.extensions.setdefault(LOGGED_KEY, set())
    if key in seen:
        return False
    if len(seen) >= LOGGED_MAX:
        seen.clear()
    seen.add(key)
    return True


# ----------------------------------------------------------------------------- queueing

def absolute_url(endpoint: str, **values) -> str:
    """An absolute URL on BASE_URL; works outside a request (CLI, sender), unlike url_for."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def mail_context(context: dict) -> dict:
    """The context a mail template renders with (see render_email)."""
    from ..branding.services import mail_brand

    return {"absolute_url": absolute_url, "base_url": current_app.config["BASE_URL"],
            "brand": mail_brand(context.get("event")), **bound_gettext(current_app.jinja_env), **context}


def render_mail_part(template: str, ctx: dict) -> str:
    """One part of an email, mail/<template> (e.g. "digest.html"), rendered in a mail_context()."""
    return current_app.jinja_env.get_template(f"mail/{template}").render(ctx)


def render_email(template: str, context: dict) -> tuple[str, str]:
    """Render mail/<template>.txt and .html (the HTML autoescaped) into (text, html).

    The templates are rendered without the page context processors: there is no request, no
    session and no logged-in attendee in an email. `absolute_url` is there for links, and
    `brand` is the look of the context's `event` (its accent and logo; branding.services).
    """
    ctx = mail_context(context)
    return render_mail_part(f"{template}.txt", ctx), render_mail_part(f"{template}.html", ctx)


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


def wire_address(address: str) -> str:
    """An address as it goes on the wire: its domain in ASCII (IDNA 2008 with UTS #46 mapping).

    'anna@bücher.example' -> 'anna@xn--bcher-kva.example': with an ASCII local part the whole
    message stays ASCII and any relay takes it. A non-ASCII local part keeps its Unicode and
    needs SMTPUTF8 (RFC 6531), which the transport asks for only then. An address whose domain
    IDNA refuses is left as it is: the relay's refusal then says why.
    """
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return address
    return f"{local}@{ascii_domain}"


def build_message(row: OutboxMessage) -> EmailMessage:
    """The email for one outbox row: text then HTML as alternatives, then any attachments.

    Rows of a kind with a registered builder get their content from it now (it may raise
    SkipMessage); others carry their rendered bodies.
    """
    from ..branding.services import inline_logo

    builder = current_app.extensions.get(BUILDERS_KEY, {}).get(row.kind)
    if builder is not None:
        built = builder(row)
    else:
        built = BuiltEmail(row.subject, row.text_body, row.html_body, dict(row.headers or {}))
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = wire_address(clean_header(row.to_addr))
    msg["Subject"] = clean_header(built.subject)
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = row.message_id
    # RFC 3834: tells out-of-office responders not to answer a machine.
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in built.headers.items():
        if name.lower() not in RESERVED_HEADERS:
            msg[clean_header(name)] = clean_header(value)
    msg.set_content(built.text)
    # Images the HTML shows (the event's logo, contacts' faces) ride inside the email: parts of a
    # multipart/related around the HTML (RFC 2387), referenced as cid: (RFC 2392). Never remote
    # images: mail clients block those, and fetching one tells the sender who opened it.
    html, logos = inline_logo(row.event_id, built.html)
    msg.add_alternative(html, subtype="html")
    inline = [(i.data, i.content_type, i.content_id, i.filename) for i in logos]
    inline += [(a.data, a.content_type, a.content_id, a.filename) for a in built.attachments if a.content_id]
    if inline:
        html_part = msg.get_payload()[1]
        for data, content_type, content_id, filename in inline:
            maintype, subtype = content_type.split("/", 1)
            html_part.add_related(data, maintype=maintype, subtype=subtype, cid=f"<{content_id}>",
                                  disposition="inline", filename=clean_header(filename))
    for attachment in built.attachments:
        if attachment.content_id:
            continue
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

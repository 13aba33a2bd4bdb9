"""The development mailbox: messages the local sender delivered, readable in the browser.

Registered only when MAILBOX_ENABLED (no SMTP_URL, not production): anyone who reaches the
app can read it. An email's HTML is never put into our page (it would be an XSS vector and the
CSP forbids its inline styles); it is served alone, sandboxed, into an iframe.
"""
from __future__ import annotations

import email
import mailbox
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

from flask import Blueprint, current_app, make_response, render_template
from markupsafe import Markup, escape

from ..errors import fail

bp = Blueprint("mailbox", __name__, url_prefix="/dev/mail")

# What a sandboxed email may do: show itself with its own styles and data: images, and let a
# click on a link open it in the whole tab (the login link must be usable from here).
HTML_PART_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; "
    "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
)
URL_PATTERN = re.compile(r"https?://[^\s<>\"']+")
HEAD_TAG = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


@dataclass
class Summary:
    key: str
    to: str
    subject: str
    date: datetime | None


def _box() -> mailbox.Maildir | None:
    try:
        return mailbox.Maildir(current_app.config["MAILBOX_PATH"], create=False)
    except mailbox.NoSuchMailboxError:
        return None


def _read(key: str) -> EmailMessage:
    box = _box()
    try:
        if box is None:
            raise KeyError(key)
        data = box.get_bytes(key)
    except KeyError:
        fail(404, "There is no message with this key in the development mailbox.")
    return email.message_from_bytes(data, policy=policy.default)


def _date(msg: EmailMessage) -> datetime | None:
    try:
        return parsedate_to_datetime(msg["Date"]) if msg["Date"] else None
    except (TypeError, ValueError):
        return None


def linkify(text: str) -> Markup:
    """Escape plain text and turn the http(s) URLs in it into links."""
    out, last = [], 0
    for match in URL_PATTERN.finditer(text):
        url = match.group(0).rstrip(".,;:!?)")
        end = match.start() + len(url)
        out.append(escape(text[last:match.start()]))
        out.append(Markup('<a href="{0}">{0}</a>').format(url))
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _parts(msg: EmailMessage) -> tuple[str, str | None]:
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    return (text.get_content() if text else ""), (html.get_content() if html else None)


@bp.get("/")
def index():
    """Every message in the development mailbox, newest first."""
    box = _box()
    messages = []
    for key in (box.keys() if box is not None else []):
        try:
            head = email.message_from_bytes(box.get_bytes(key), policy=policy.default)
        except KeyError:  # deleted between listing and reading
            continue
        messages.append(Summary(key, str(head["To"] or ""), str(head["Subject"] or "(no subject)"), _date(head)))
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    messages.sort(key=lambda m: (m.date or oldest, m.key), reverse=True)
    return render_template("mailbox/index.html", messages=messages)


@bp.get("/<key>")
def message(key: str):
    """One message: its headers, the text part with clickable links, and the HTML part framed."""
    msg = _read(key)
    text, html = _parts(msg)
    headers = [(name, str(msg[name])) for name in ("From", "To", "Subject", "Date", "Message-ID") if msg[name]]
    return render_template("mailbox/message.html", key=key, headers=headers, text=linkify(text), has_html=html is not None)


@bp.get("/<key>/html")
def html_part(key: str):
    """The HTML part alone, under a CSP that sandboxes it (no scripts, no remote loads)."""
    _, html = _parts(_read(key))
    if html is None:
        fail(404, "This message has no HTML part.")
    # A <base> makes links open in the whole tab rather than inside the frame; it goes inside
    # <head> so that a leading <!doctype> keeps the email out of quirks mode.
    base = '<base target="_top">'
    html, found = HEAD_TAG.subn(lambda m: m.group(0) + base, html, count=1)
    response = make_response(html if found else base + html)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = HTML_PART_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response

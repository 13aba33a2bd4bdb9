"""The development mailbox: messages the local sender delivered, readable in the browser.

Registered only when MAILBOX_ENABLED (no SMTP_URL, not production). It holds every login link,
so it answers only the machine the app runs on, or a browser that brought MAILBOX_KEY (the
address scripts/run.sh prints, `/dev/mail/?key=…`, which leaves a cookie for the next clicks);
with HOST=0.0.0.0 the rest of the network gets a 403 that says how to open it.

An email's HTML is never put into our page (it would be an XSS vector and the CSP forbids its
inline styles); it is served alone, sandboxed, into an iframe.
"""
from __future__ import annotations

import email
import hashlib
import hmac
import ipaddress
import mailbox
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..errors import fail, render_error

bp = Blueprint("mailbox", __name__, url_prefix="/dev/mail")

COOKIE = "eventnet_mailbox"
# Headers a proxy adds; on a request that arrives from a loopback address they mean a proxy on
# this machine passed on someone else's request.
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")

# What a sandboxed email may do: show itself with its own styles and data: images, and let a
# click on a link open it in the whole tab (the login link must be usable from here).
HTML_PART_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; "
    "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
)
URL_PATTERN = re.compile(r"https?://[^\s<>\"']+")
HEAD_TAG = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


def from_this_machine() -> bool:
    """Whether the request comes from the machine the app runs on (a loopback address).

    request.remote_addr is the proxy-corrected address when TRUSTED_PROXIES is set (ProxyFix
    applies X-Forwarded-For). Without a trusted proxy, a forwarding header on a loopback
    request means a proxy here relayed it for someone else, so it is not local.
    """
    try:
        address = ipaddress.ip_address((request.remote_addr or "").split("%")[0])
    except ValueError:
        return False  # a Unix socket, or nothing: nobody we can place on this machine
    mapped = getattr(address, "ipv4_mapped", None)
    if not (mapped or address).is_loopback:
        return False
    forwarded = [name for name in FORWARDING_HEADERS if name in request.headers]
    if not forwarded:
        return True
    # A trusted proxy's X-Forwarded-For was already applied to remote_addr; the other headers
    # are not (ProxyFix reads only X-Forwarded-*), so they still hide who is behind the proxy.
    return bool(current_app.config.get("TRUSTED_PROXIES")) and forwarded == ["X-Forwarded-For"]


def _cookie_value() -> str:
    # Derived from the key rather than the key itself, and so void when the key changes.
    key = current_app.config["MAILBOX_KEY"].encode()
    return hmac.new(key, b"eventnet development mailbox", hashlib.sha256).hexdigest()


def _same(offered: str, expected: str) -> bool:
    return hmac.compare_digest(offered.encode("utf-8", "replace"), expected.encode("utf-8"))


def _refused(wrong_key: bool):
    port = urlsplit(request.host_url).port
    local = f"http://127.0.0.1{f':{port}' if port else ''}{url_for('mailbox.index')}"
    detail = _("It holds everyone's login links, so it opens only on the computer that runs eventnet (at %(address)s), "
               "or with the mailbox address that scripts/run.sh printed when it started, the one ending in ?key=…. "
               "Open that address once on this device and the mailbox stays open here.", address=local)
    if wrong_key:
        detail = _("That mailbox key is not this server's: a new one is made each time the app starts (unless "
                   "MAILBOX_KEY is set). Copy the address again from where scripts/run.sh started. %(detail)s",
                   detail=detail)
    # For whoever runs the app (`flask run` without scripts/run.sh never printed the key):
    # the server's own log, which the refused visitor does not see.
    current_app.logger.warning(
        "development mailbox: refused %s from %s; to open it from another device use %s",
        request.path, request.remote_addr,
        url_for("mailbox.index", key=current_app.config["MAILBOX_KEY"], _external=True),
    )
    body, status = render_error(403, _("The development mailbox is private"), detail)
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_request
def only_this_machine_or_the_key():
    """Let in this machine, or a browser with the key (in the URL once, then in a cookie)."""
    offered = request.args.get("key")
    if offered is not None:
        if not _same(offered, current_app.config["MAILBOX_KEY"]):
            return _refused(wrong_key=True)
        # The key leaves the address bar (and so history and any Referer) at once; the cookie
        # carries it from here, sent only to the mailbox and never by another site's page.
        args = {name: value for name, value in request.args.items() if name != "key"}
        response = redirect(url_for(request.endpoint, **(request.view_args or {}), **args), 303)
        response.set_cookie(COOKIE, _cookie_value(), path=bp.url_prefix, httponly=True, samesite="Strict",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
        response.headers["Cache-Control"] = "no-store"
        return response
    if from_this_machine() or _same(request.cookies.get(COOKIE, ""), _cookie_value()):
        return None
    return _refused(wrong_key=False)


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
        fail(404, _("There is no message with this key in the development mailbox."))
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
        messages.append(Summary(key, str(head["To"] or ""), str(head["Subject"] or _("(no subject)")), _date(head)))
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
        fail(404, _("This message has no HTML part."))
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

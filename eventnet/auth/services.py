"""Magic-link login: create links and codes, request one by email, and redeem them.

Only SHA-256 hashes of link tokens are stored, so a copy of the database logs nobody in. The
typed code is short, so its hash is keyed with SECRET_KEY (a plain hash of six digits would be
reversed instantly) and each token accepts a few wrong codes before it dies.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, update

from .. import ratelimit
from ..attendees.models import Attendee, new_session_epoch, normalise_email
from ..attendees.services import find_by_email
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..mail.services import absolute_url, queue_email, render_email
from .models import LoginToken

MAX_CODE_ATTEMPTS = 5
CODE_DIGITS = 6
RATE_WINDOW_SECONDS = 15 * 60
REQUESTS_PER_ADDRESS = 5
REQUESTS_PER_CLIENT = 20
CODE_TRIES_PER_CLIENT = 30


class LoginError(Exception):
    """A link or code that cannot log anyone in; `code` says why."""

    def __init__(self, code: str, event: Event | None = None) -> None:
        super().__init__(code)
        self.code = code  # invalid | expired | used | wrong_code | rate_limited
        self.event = event  # the token's event when known, to offer a new link there


@dataclass(frozen=True)
class LoginLink:
    url: str
    code: str
    expires_at: datetime


def hash_token(token: str) -> str:
    """The stored form of a link token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _hash_code(token_hash: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{token_hash}:{code}".encode(), hashlib.sha256).hexdigest()


def safe_next(value: str | None) -> str | None:
    """`value` if it is a path on this site ("/e/x/..."), else None (no open redirects)."""
    if not value or len(value) > 500 or not value.startswith("/") or value.startswith("//"):
        return None
    # Browsers read "\" as "/" and drop tabs and newlines, so "/\evil.org" is another site.
    if "\\" in value or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def token_minutes() -> int:
    return int(current_app.config.get("LOGIN_TOKEN_MINUTES", 15))


def create_login_link(attendee: Attendee, next_path: str | None = None, minutes: int | None = None) -> LoginLink:
    """A new single-use link and code for one attendee (valid `minutes`, default the config's); does not commit."""
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    token_hash = hash_token(token)
    expires_at = utcnow() + timedelta(minutes=minutes or token_minutes())
    db.session.add(
        LoginToken(
            attendee_id=attendee.id,
            token_hash=token_hash,
            code_hash=_hash_code(token_hash, code),
            expires_at=expires_at,
            failed_attempts=0,
        )
    )
    values = {"next": next_path} if safe_next(next_path) else {}
    return LoginLink(url=absolute_url("auth.confirm", token=token, **values), code=code, expires_at=expires_at)


def _address_key(event: Event, email: str) -> str:
    # A hash, so the rate-limit store (Redis) holds no email addresses.
    return hashlib.sha256(f"{event.id}:{normalise_email(email)}".encode()).hexdigest()[:32]


def request_login(event: Event, email: str, client_key: str, next_path: str | None = None) -> None:
    """Email a login link when the address belongs to the event; commits.

    Raises LoginError("rate_limited") past the per-client or per-address limits. Otherwise it
    behaves the same whether or not the address is known, so the answer reveals nothing.
    """
    if not ratelimit.hit(f"login-client:{client_key}", REQUESTS_PER_CLIENT, RATE_WINDOW_SECONDS):
        raise LoginError("rate_limited")
    if not ratelimit.hit(f"login-address:{_address_key(event, email)}", REQUESTS_PER_ADDRESS, RATE_WINDOW_SECONDS):
        raise LoginError("rate_limited")
    attendee = find_by_email(event, email)
    if attendee is None:
        # Similar work for an unknown address (make a token, render the email) so the response
        # time does not tell known addresses from unknown ones.
        token = secrets.token_urlsafe(32)
        render_email("login_link", _email_context(event, None, absolute_url("auth.confirm", token=token), "000000"))
        db.session.commit()
        return
    link = create_login_link(attendee, next_path)
    queue_email(
        to=attendee.email,
        subject=f"Your login link for {event.name}",
        template="login_link",
        context=_email_context(event, attendee, link.url, link.code),
        kind="login_link",
        event_id=event.id,
        attendee_id=attendee.id,
    )
    db.session.commit()


def _email_context(event: Event, attendee: Attendee | None, url: str, code: str) -> dict:
    return {"event": event, "attendee": attendee, "url": url, "code": code, "minutes": token_minutes()}


def _token_by_hash(token: str) -> LoginToken:
    if not token or len(token) > 100:
        raise LoginError("invalid")
    found = db.session.execute(db.select(LoginToken).filter_by(token_hash=hash_token(token))).scalar_one_or_none()
    if found is None:
        raise LoginError("invalid")
    return found


def _check_usable(login_token: LoginToken) -> None:
    event = login_token.attendee.event
    if login_token.used_at is not None or login_token.failed_attempts >= MAX_CODE_ATTEMPTS:
        raise LoginError("used", event)
    if login_token.expires_at <= utcnow():
        raise LoginError("expired", event)


def check_link(token: str) -> LoginToken:
    """The token behind a link if it can still log in; changes nothing (scanners open links)."""
    login_token = _token_by_hash(token)
    _check_usable(login_token)
    return login_token


def _consume(login_token: LoginToken) -> Attendee:
    now = utcnow()
    # Conditional on still being unused: of two simultaneous POSTs only one logs in.
    result = db.session.execute(
        update(LoginToken)
        .where(LoginToken.id == login_token.id, LoginToken.used_at.is_(None))
        .values(used_at=now)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise LoginError("used", login_token.attendee.event)
    attendee = db.session.get(Attendee, login_token.attendee_id)
    attendee.last_login_at = now
    db.session.commit()
    return attendee


def redeem_link(token: str) -> Attendee:
    """Use a link token once and return its attendee (the caller starts the session); commits."""
    return _consume(check_link(token))


def redeem_code(event: Event, email: str, code: str, client_key: str) -> Attendee:
    """Log in with the typed code from the email; a wrong code counts against the tokens. Commits."""
    if not ratelimit.hit(f"code-client:{client_key}", CODE_TRIES_PER_CLIENT, RATE_WINDOW_SECONDS):
        raise LoginError("rate_limited")
    code = "".join(code.split())
    attendee = find_by_email(event, email) if email else None
    if attendee is None:
        raise LoginError("wrong_code")
    now = utcnow()
    live = db.session.execute(
        db.select(LoginToken).where(
            LoginToken.attendee_id == attendee.id,
            LoginToken.used_at.is_(None),
            LoginToken.expires_at > now,
            LoginToken.failed_attempts < MAX_CODE_ATTEMPTS,
        )
    ).scalars().all()
    for login_token in live:
        if hmac.compare_digest(login_token.code_hash, _hash_code(login_token.token_hash, code)):
            return _consume(login_token)
    # Every live token of this person takes the miss: guessing spreads over no more tries.
    if live:
        db.session.execute(
            update(LoginToken)
            .where(LoginToken.id.in_([t.id for t in live]))
            .values(failed_attempts=LoginToken.failed_attempts + 1)
        )
        db.session.commit()
    raise LoginError("wrong_code")


def end_every_session(attendee: Attendee) -> None:
    """Log attendee out on every device (a lost phone, a shared computer). Commits.

    Every session carries the attendee's session epoch, so a new one ends them all at once;
    login links not yet used go too, in case one waits in the lost phone's mail.
    """
    old = attendee.session_epoch
    while attendee.session_epoch == old:
        attendee.session_epoch = new_session_epoch()
    db.session.execute(delete(LoginToken).where(LoginToken.attendee_id == attendee.id, LoginToken.used_at.is_(None)))
    db.session.commit()

"""Magic-link login: create links and codes, request one by email, and redeem them.

Only SHA-256 hashes of link tokens are stored, so a copy of the database logs nobody in. The
typed code is short, so its hash is keyed with SECRET_KEY (a plain hash of six digits would be
reversed instantly), each code accepts a few wrong tries, and every address accepts at most
CODE_ATTEMPTS_PER_WINDOW typed codes a window across all its codes and all client addresses.

Invariants enforced here:
- A link the attendee asks for cancels their older links and codes; an invitation or help-desk
  link cancels older ones too, except a link the attendee asked for in the last
  KEEP_REQUESTED_MINUTES (they may be reading that email now).
- A typed code is counted before it is checked (redeem_code), so parallel guesses cannot get
  past the limit; past it, typed codes wait until the window ends (the emailed link still works).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, not_, or_, update

from ..attendees.models import Attendee, normalise_email
from ..attendees.services import find_by_email
from ..database import utcnow
from ..errors import DomainError
from ..events.models import Event
from ..extensions import db
from ..i18n.languages import DEFAULT_LANGUAGE
from ..i18n.selection import browser_language, recipient_language
from ..mail.services import absolute_url, queue_email, render_email
from .models import ORIGINS, LoginToken
from .session import end_sessions

MAX_CODE_ATTEMPTS = 5  # wrong tries one code survives
CODE_DIGITS = 6
# Typed codes one address may try in a window, right or wrong, whoever types them: about ten
# an hour keeps a six-digit code's odds of being guessed near one in a hundred thousand a day.
CODE_ATTEMPTS_PER_WINDOW = 10
CODE_WINDOW = timedelta(hours=1)
KEEP_REQUESTED_MINUTES = 15


class LoginError(DomainError):
    """A link or code that cannot log anyone in; `code` says why (auth.views words each for people).

    invalid | expired | used | replaced | wrong_code | codes_paused (retry_at says until when)
    """

    MESSAGES = {
        "invalid": (400, _l("This login link is not valid.")),
        "expired": (410, _l("This login link has expired.")),
        "used": (410, _l("This login link was already used.")),
        "replaced": (410, _l("This login link was replaced by a newer one.")),
        "wrong_code": (422, _l("That code is not right, or it has expired.")),
        "codes_paused": (429, _l("Too many codes were tried for this address; the link in the email still works.")),
    }

    def __init__(self, code: str, event: Event | None = None, retry_at: datetime | None = None,
                 admin: bool = False) -> None:
        super().__init__(code)
        self.event = event  # the token's event when known, to offer a new link there
        self.retry_at = retry_at
        self.admin = admin  # an administrator's link: a new one comes from /admin/login


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


def _live(now: datetime):
    return and_(LoginToken.used_at.is_(None), LoginToken.cancelled_at.is_(None), LoginToken.expires_at > now)


def _cancel_older(attendee_id: int, origin: str, now: datetime) -> None:
    """Cancel the attendee's live links before a new one of `origin` (see the module's invariants)."""
    condition = and_(LoginToken.attendee_id == attendee_id, _live(now))
    if origin != "requested":
        recent_request = and_(LoginToken.origin == "requested",
                              LoginToken.created_at > now - timedelta(minutes=KEEP_REQUESTED_MINUTES))
        condition = and_(condition, not_(recent_request))
    db.session.execute(update(LoginToken).where(condition).values(cancelled_at=now))


def create_login_link(attendee: Attendee, next_path: str | None = None, minutes: int | None = None,
                      *, origin: str = "requested") -> LoginLink:
    """A new single-use link and code for one attendee (valid `minutes`, default the config's).

    `origin` is who asked: "requested" (the attendee, from the login page), "invitation" (an
    organizer's login emails) or "helpdesk". Cancels older links as the module says. Does not commit.
    """
    if origin not in ORIGINS or origin == "admin":
        raise ValueError(f"not an attendee link origin: {origin!r}")
    now = utcnow()
    _cancel_older(attendee.id, origin, now)
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    token_hash = hash_token(token)
    expires_at = now + timedelta(minutes=minutes or token_minutes())
    db.session.add(LoginToken(attendee_id=attendee.id, origin=origin, token_hash=token_hash,
                              code_hash=_hash_code(token_hash, code), expires_at=expires_at,
                              failed_attempts=0, created_at=now))
    values = {"next": next_path} if safe_next(next_path) else {}
    return LoginLink(url=absolute_url("auth.confirm", token=token, **values), code=code, expires_at=expires_at)


def request_login(event: Event, email: str, next_path: str | None = None) -> None:
    """Email a login link when the address belongs to the event; commits.

    Behaves the same whether or not the address is known, so the answer reveals nothing. The
    request limits (per client, per address) are the view's (auth.views).
    """
    attendee = find_by_email(event, email)
    if attendee is None:
        # Similar work for an unknown address (make a token, render the email) so the response
        # time does not tell known addresses from unknown ones.
        token = secrets.token_urlsafe(32)
        with force_locale(recipient_language(None, event, own_request=True)):
            render_email("login_link", _email_context(event, None, absolute_url("auth.confirm", token=token), "000000",
                                                      token_minutes()))
        db.session.commit()
        return
    link = create_login_link(attendee, next_path)
    # The request comes from the person's own browser: its language is a fair guess when they
    # chose none (recipient_language).
    queue_login_email(attendee, link, token_minutes(), own_request=True)
    db.session.commit()


def queue_login_email(attendee: Attendee, link: LoginLink, minutes: int, *, desk: bool = False,
                      own_request: bool = False) -> None:
    """Queue the login email for `link`, in the attendee's language (eventnet.i18n); the caller commits.

    `desk`: the help desk sent it (the email says so). `own_request`: the attendee asked for it
    in this request, so their browser's language counts when they chose none.
    """
    event = attendee.event
    with force_locale(recipient_language(attendee, event, own_request=own_request)):
        queue_email(
            to=attendee.email,
            subject=_("Your login link for %(event)s", event=event.name),
            template="login_link",
            context={**_email_context(event, attendee, link.url, link.code, minutes), "desk": desk},
            kind="login_link",  # scrubbed from the outbox once sent: it holds a login secret
            event_id=event.id,
            attendee_id=attendee.id,
        )


def _email_context(event: Event, attendee: Attendee | None, url: str, code: str, minutes: int) -> dict:
    return {"event": event, "attendee": attendee, "url": url, "code": code, "minutes": minutes}


def _token_by_hash(token: str) -> LoginToken:
    if not token or len(token) > 100:
        raise LoginError("invalid")
    found = db.session.execute(db.select(LoginToken).filter_by(token_hash=hash_token(token))).scalar_one_or_none()
    if found is None:
        raise LoginError("invalid")
    return found


def _check_usable(login_token: LoginToken) -> None:
    event = login_token.attendee.event if login_token.attendee is not None else None
    admin = login_token.administrator_id is not None
    if login_token.used_at is not None or login_token.failed_attempts >= MAX_CODE_ATTEMPTS:
        raise LoginError("used", event, admin=admin)
    if login_token.cancelled_at is not None:
        raise LoginError("replaced", event, admin=admin)
    if login_token.expires_at <= utcnow():
        raise LoginError("expired", event, admin=admin)


def check_link(token: str) -> LoginToken:
    """The token behind a link if it can still log in; changes nothing (scanners open links)."""
    login_token = _token_by_hash(token)
    _check_usable(login_token)
    return login_token


def _consume(login_token: LoginToken) -> LoginToken:
    now = utcnow()
    # Conditional on still being usable: of two simultaneous POSTs only one logs in, and a link
    # cancelled a moment ago stays cancelled.
    result = db.session.execute(
        update(LoginToken)
        .where(LoginToken.id == login_token.id, LoginToken.used_at.is_(None), LoginToken.cancelled_at.is_(None))
        .values(used_at=now)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise LoginError("used", login_token.attendee.event if login_token.attendee is not None else None)
    if login_token.attendee_id is not None:
        attendee = db.session.get(Attendee, login_token.attendee_id)
        attendee.last_login_at = now
        attendee.code_attempts = 0
        # Their browser's language, for emails when they chose none: a German attendee who never
        # opened the language setting still gets a German digest (recipient_language).
        attendee.browser_language = browser_language()
    db.session.commit()
    return login_token


def redeem_link(token: str) -> LoginToken:
    """Use a link token once and return it (the caller starts the session it is for); commits."""
    return _consume(check_link(token))


def _count_code_attempt(attendee: Attendee) -> tuple[int, datetime]:
    """Count one typed code against the attendee's window, atomically, and commit it.

    Returns (attempts in this window, window start). Counting commits before the check, so
    parallel requests each see every attempt committed before theirs.
    """
    now = utcnow()
    fresh = or_(Attendee.code_window_started_at.is_(None), Attendee.code_window_started_at <= now - CODE_WINDOW)
    row = db.session.execute(
        update(Attendee)
        .where(Attendee.id == attendee.id)
        # Both right-hand sides read the row as it was before this UPDATE.
        .values(code_attempts=case((fresh, 1), else_=Attendee.code_attempts + 1),
                code_window_started_at=case((fresh, now), else_=Attendee.code_window_started_at))
        .returning(Attendee.code_attempts, Attendee.code_window_started_at)
        .execution_options(synchronize_session=False)
    ).one()
    db.session.commit()
    return row[0], row[1]


def redeem_code(event: Event, email: str, code: str) -> LoginToken:
    """Log in with the typed code from the email: the token it belongs to, used. Commits.

    LoginError("wrong_code") for a wrong, expired or unknown code (or address), and
    LoginError("codes_paused", retry_at=...) once the address used its attempts for the window.
    """
    code = "".join(code.split())
    attendee = find_by_email(event, email) if email else None
    if attendee is None:
        raise LoginError("wrong_code")
    attempts, window_started = _count_code_attempt(attendee)
    if attempts > CODE_ATTEMPTS_PER_WINDOW:
        raise LoginError("codes_paused", event, retry_at=window_started + CODE_WINDOW)
    now = utcnow()
    live = db.session.execute(
        db.select(LoginToken).where(
            LoginToken.attendee_id == attendee.id, _live(now), LoginToken.failed_attempts < MAX_CODE_ATTEMPTS,
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

    Every server-side session of theirs goes, and so do login links not yet used, in case one
    waits in the lost phone's mail.
    """
    end_sessions(attendee.id)
    now = utcnow()
    db.session.execute(update(LoginToken).where(LoginToken.attendee_id == attendee.id, _live(now))
                       .values(cancelled_at=now))
    db.session.commit()


def request_admin_login(email: str) -> None:
    """Email a login link to an administrator's address, if it is one; commits.

    Invariant: administrator rights come only from an address set on the server
    (`flask admin add`) and a link sent to that address. No event account, whatever its email,
    is ever an administrator, so an organizer cannot make one. The link has no typed code, and
    the answer is the same for every address.
    """
    from .models import Administrator

    key = normalise_email(email)
    admin = db.session.execute(db.select(Administrator).filter_by(email_key=key)).scalar_one_or_none()
    now = utcnow()
    token = secrets.token_urlsafe(32)
    url = absolute_url("auth.confirm", token=token)
    context = {"url": url, "minutes": token_minutes(), "email": key}
    # An administrator has no attendee row and no saved language: the email is in the language
    # of the browser that asked for it (its `lang` cookie, else Accept-Language), else English.
    language = browser_language() or DEFAULT_LANGUAGE
    if admin is None:
        with force_locale(language):
            render_email("admin_login_link", context)  # similar work, so timing tells nothing
        db.session.commit()
        return
    db.session.execute(update(LoginToken).where(LoginToken.administrator_id == admin.id, _live(now))
                       .values(cancelled_at=now))
    token_hash = hash_token(token)
    db.session.add(LoginToken(
        administrator_id=admin.id, origin="admin", token_hash=token_hash,
        # No code logs an administrator in: this hash matches no code anyone can type.
        code_hash=_hash_code(token_hash, secrets.token_hex(32)),
        expires_at=now + timedelta(minutes=token_minutes()), failed_attempts=0, created_at=now,
    ))
    with force_locale(language):
        queue_email(to=admin.email_key, subject=_("Your administrator login link"), template="admin_login_link",
                    context=context, kind="login_link")
    db.session.commit()

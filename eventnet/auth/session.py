"""Who is logged in, for which event, and the decorators that guard views.

Sessions are kept on the server (auth.models.LoginSession): the signed cookie carries only a
random token, and a session exists while its row does. So logging out ends that session
wherever its cookie was copied to, and ending every session of a person is one DELETE.

Invariant (desk sessions): a session started from a login link an organizer saw on the help
desk's screen (only ever shown for someone with no data yet) lasts only while the attendee has
no data of their own, unless it is the session that made their first exchange, which is the
attendee's own from then on (keep_desk_session). So an organizer who kept a copy of such a
login never sees the contacts and notes that come later.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import wraps
from typing import Callable

from flask import current_app, g, has_request_context, request, session, url_for
from sqlalchemy import bindparam, delete, exists, or_, select, update

from ..attendees.models import Attendee
from ..connections.models import Connection
from ..database import utcnow
from ..errors import fail
from ..events.models import Event
from ..extensions import db
from ..htmx import redirect_to
from .models import LoginSession

SESSION_KEY = "sid"  # an attendee's session token
ADMIN_SESSION_KEY = "admin_sid"  # an administrator's, beside it (see organizer.admin)
CACHE_KEY = "_current_attendee"
# An administrator can create events and name organizers: their session is short.
ADMIN_SESSION_HOURS = 12


def hash_session_token(token: str) -> str:
    """The stored form of a session token (a copy of the table logs nobody in)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _new_session(*, attendee_id: int | None = None, administrator_id: int | None = None,
                 lifetime: timedelta, origin: str = "own") -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=hash_session_token(token), attendee_id=attendee_id, origin=origin,
                                administrator_id=administrator_id, expires_at=utcnow() + lifetime))
    return token


# A desk session counts while its attendee has no connection (where every note lives): both
# sides of an exchange get one, so this also covers being scanned.
DESK_RULE = or_(
    LoginSession.origin == "own",
    ~exists().where(Connection.owner_id == LoginSession.attendee_id),
)


def start_session(attendee: Attendee, desk: bool = False) -> str:
    """A new server-side session for an attendee; returns the token for the cookie. Does not commit.

    desk=True: from a link an organizer saw (see the module's invariant).
    """
    lifetime = current_app.permanent_session_lifetime
    # Sessions of this person that ran out are dropped here rather than by a cleaning job.
    db.session.execute(delete(LoginSession).where(LoginSession.attendee_id == attendee.id,
                                                  LoginSession.expires_at <= utcnow()))
    return _new_session(attendee_id=attendee.id, lifetime=lifetime, origin="desk" if desk else "own")


def start_admin_session(administrator_id: int) -> str:
    """A new server-side administrator session (ADMIN_SESSION_HOURS long); does not commit."""
    db.session.execute(delete(LoginSession).where(LoginSession.administrator_id == administrator_id,
                                                  LoginSession.expires_at <= utcnow()))
    return _new_session(administrator_id=administrator_id, lifetime=timedelta(hours=ADMIN_SESSION_HOURS))


def _end_cookie_sessions() -> None:
    """Delete the server-side sessions this browser's cookie names (not committed)."""
    hashes = [hash_session_token(token) for token in (session.get(SESSION_KEY), session.get(ADMIN_SESSION_KEY))
              if isinstance(token, str)]
    if hashes:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash.in_(hashes)))


def login_user(attendee: Attendee, desk: bool = False) -> None:
    """Start a session for one attendee of one event in this browser (a desk session if `desk`). Commits."""
    # Whatever this browser was logged in as before ends here, on the server too.
    _end_cookie_sessions()
    token = start_session(attendee, desk=desk)
    db.session.commit()
    session.clear()  # a fresh session on login: nothing from before survives (fixation)
    session.permanent = True
    session[SESSION_KEY] = token
    _forget_cached()


def login_admin(administrator_id: int) -> None:
    """Start an administrator session in this browser, beside any attendee session. Commits."""
    old = session.get(ADMIN_SESSION_KEY)
    if isinstance(old, str):
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == hash_session_token(old)))
    token = start_admin_session(administrator_id)
    db.session.commit()
    session.permanent = True
    session[ADMIN_SESSION_KEY] = token
    # A new privilege level gets a new CSRF token, as a new login does.
    session.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def logout_user() -> None:
    """End this browser's sessions (attendee and administrator) on the server too. Commits."""
    _end_cookie_sessions()
    db.session.commit()
    session.clear()
    _forget_cached()


def end_sessions(attendee_id: int) -> None:
    """End every session of one attendee, on every device (not committed)."""
    db.session.execute(delete(LoginSession).where(LoginSession.attendee_id == attendee_id))


def _forget_cached() -> None:
    # The session was just cleared: the cached attendee and the CSRF token Flask-WTF keeps in g
    # belong to the old one, and a form rendered after this point needs a fresh token.
    g.pop(CACHE_KEY, None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def session_token_hash(key: str = SESSION_KEY) -> str | None:
    """The hash of the session token this request's cookie carries, or None (not yet checked)."""
    token = session.get(key)
    return hash_session_token(token) if isinstance(token, str) and len(token) <= 100 else None


_ATTENDEE_BY_SESSION = (
    select(Attendee, LoginSession.origin)
    .join(LoginSession, LoginSession.attendee_id == Attendee.id)
    .where(LoginSession.token_hash == bindparam("token_hash"), LoginSession.expires_at > bindparam("now"), DESK_RULE)
)
DESK_KEY = "_desk_session"


def current_attendee() -> Attendee | None:
    """The logged-in attendee, or None; cached for the request."""
    if not has_request_context():
        return None
    # Keyed by the request object: an app context (and its g) can outlive one request, as in
    # tests that keep a context pushed while the client makes several requests.
    req = request._get_current_object()
    cached = g.get(CACHE_KEY)
    if cached is not None and cached[0] is req:
        return cached[1]
    attendee, origin = None, None
    token_hash = session_token_hash()
    if token_hash is not None:
        row = db.session.execute(_ATTENDEE_BY_SESSION, {"token_hash": token_hash, "now": utcnow()}).first()
        if row is not None:
            attendee, origin = row
    setattr(g, CACHE_KEY, (req, attendee))
    setattr(g, DESK_KEY, origin == "desk")
    return attendee


def keep_desk_session(desk: bool | None = None) -> None:
    """After an exchange: a desk session that made it is the attendee's own from now on. Commits.

    `desk`: whether this request's session is a desk session, when the caller knows (the scan
    API's fast path); otherwise what current_attendee() found.
    """
    if desk is None:
        current_attendee()
        desk = g.get(DESK_KEY, False)
    if not desk:
        return
    token_hash = session_token_hash()
    if token_hash is not None:
        db.session.execute(update(LoginSession).where(LoginSession.token_hash == token_hash, LoginSession.origin == "desk")
                           .values(origin="own"))
        db.session.commit()


# Built once: SQLAlchemy caches the compiled form of a statement it sees again, and building a
# fresh filter_by() on every guarded request costs more than the lookup itself.
_EVENT_BY_SLUG = select(Event).where(Event.slug == bindparam("slug"))


def current_administrator():
    """The administrator this browser's administrator session belongs to, or None; cached for the request."""
    from .models import Administrator

    if not has_request_context():
        return None
    req = request._get_current_object()
    cached = g.get("_current_administrator")
    if cached is not None and cached[0] is req:
        return cached[1]
    admin = None
    token_hash = session_token_hash(ADMIN_SESSION_KEY)
    if token_hash is not None:
        admin = db.session.execute(
            select(Administrator)
            .join(LoginSession, LoginSession.administrator_id == Administrator.id)
            .where(LoginSession.token_hash == token_hash, LoginSession.expires_at > utcnow())
        ).scalar_one_or_none()
    g._current_administrator = (req, admin)
    return admin


def logout_admin() -> None:
    """End this browser's administrator session on the server, keeping any attendee session. Commits."""
    token = session.pop(ADMIN_SESSION_KEY, None)
    if isinstance(token, str):
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == hash_session_token(token)))
    db.session.commit()
    g.pop("_current_administrator", None)


def get_event_or_404(slug: str) -> Event:
    """The event at this URL's slug, or a 404 page."""
    event = db.session.execute(_EVENT_BY_SLUG, {"slug": slug}).scalar_one_or_none()
    if event is None:
        fail(404, "There is no event at this address.")
    return event


def _guarded_event(slug: str, attendee: Attendee | None) -> tuple[Event, bool]:
    """The event of the URL (404 if none), and whether the visitor is logged in for it."""
    # The attendee's event came joined with them: when its slug is the URL's, it is the event,
    # and a second query would only read it again. Anything else takes the general path.
    if attendee is not None and attendee.event.slug == slug:
        return attendee.event, True
    event = get_event_or_404(slug)
    return event, attendee is not None and attendee.event_id == event.id


def _login_redirect(event: Event):
    return redirect_to(url_for("auth.login", slug=event.slug, next=request.full_path.rstrip("?")))


def attendee_required(view: Callable) -> Callable:
    """Guard an event view (URL argument `slug`): the visitor must be logged in for that event.

    Sets g.event and g.attendee. Someone logged in for another event is, for this one, not
    logged in at all.
    """

    @wraps(view)
    def wrapped(slug: str, **kwargs):
        attendee = current_attendee()
        event, logged_in = _guarded_event(slug, attendee)
        if not logged_in:
            return _login_redirect(event)
        g.event, g.attendee = event, attendee
        return view(**kwargs)

    return wrapped


def organizer_required(view: Callable) -> Callable:
    """Like attendee_required, and the attendee must be an organizer of this event."""

    @wraps(view)
    def wrapped(slug: str, **kwargs):
        attendee = current_attendee()
        event, logged_in = _guarded_event(slug, attendee)
        if not logged_in:
            return _login_redirect(event)
        if not attendee.is_organizer:
            # Said to an attendee who followed a console link: what this is, and what they can do.
            fail(403, f"This page is for the organizers of {event.name}, and you are logged in as an attendee. "
                      "Your own pages (your QR code, scanner and contacts) are on the event's home. If you help "
                      "organize this event, ask one of its organizers to make you an organizer; then log in again.")
        g.event, g.attendee = event, attendee
        return view(**kwargs)

    return wrapped

"""Who is logged in, for which event, and the decorators that guard views."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import current_app, g, has_request_context, request, session, url_for
from sqlalchemy import bindparam, select

from ..attendees.models import Attendee
from ..errors import fail
from ..events.models import Event
from ..extensions import db
from ..htmx import redirect_to

SESSION_KEY = "attendee"
CACHE_KEY = "_current_attendee"


def login_user(attendee: Attendee) -> None:
    """Start a session for one attendee of one event."""
    session.clear()  # a fresh session on login: nothing from before survives (fixation)
    session.permanent = True
    session[SESSION_KEY] = {"id": attendee.id, "epoch": attendee.session_epoch}
    _forget_cached()


def logout_user() -> None:
    session.clear()
    _forget_cached()


def _forget_cached() -> None:
    # The session was just cleared: the cached attendee and the CSRF token Flask-WTF keeps in g
    # belong to the old one, and a form rendered after this point needs a fresh token.
    g.pop(CACHE_KEY, None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


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
    attendee = None
    claim = session_claim()
    if claim is not None:
        found = db.session.get(Attendee, claim[0])
        if found is not None and found.session_epoch == claim[1]:
            attendee = found
    setattr(g, CACHE_KEY, (req, attendee))
    return attendee


def session_claim() -> tuple[int, object] | None:
    """(attendee id, session epoch) that the signed session names, or None.

    Not yet checked against the database: the attendee may have been deleted or logged out
    everywhere since (their session_epoch moved on). current_attendee() checks it; so must any
    other caller before trusting it.
    """
    data = session.get(SESSION_KEY)
    if isinstance(data, dict) and isinstance(data.get("id"), int):
        return data["id"], data.get("epoch")
    return None


# Built once: SQLAlchemy caches the compiled form of a statement it sees again, and building a
# fresh filter_by() on every guarded request costs more than the lookup itself.
_EVENT_BY_SLUG = select(Event).where(Event.slug == bindparam("slug"))


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
            fail(403, "This page is for the event's organizers.")
        g.event, g.attendee = event, attendee
        return view(**kwargs)

    return wrapped

"""A test client logged in as an organizer of a bench's event, as a magic-link login leaves it.

The in-process benches (badge sheet, import, console) time organizer pages through
`app.test_client()`; each needs the same organizer and session first.
"""
from __future__ import annotations


def add_organizer(event_id: int):
    """An organizer of the event, committed. Call inside the app's context."""
    from eventnet.attendees.models import Attendee
    from eventnet.badges.tokens import new_badge_token, new_short_code
    from eventnet.extensions import db

    organizer = Attendee(event_id=event_id, email="org@example.org", email_key="org@example.org", name="Org",
                         role="organizer", links=[], badge_token=new_badge_token(), short_code=new_short_code())
    db.session.add(organizer)
    db.session.commit()
    return organizer


def client_for(app, attendee_id: int):
    """A test client of `app` with a server-side session of the attendee. Call inside the app's context."""
    from eventnet.attendees.models import Attendee
    from eventnet.auth.session import SESSION_KEY, start_session
    from eventnet.extensions import db

    token = start_session(db.session.get(Attendee, attendee_id))
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = token
    return client

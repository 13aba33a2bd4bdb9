"""The organizer's desk (issue 13): the console shell, the attendee table for thousands, bulk
actions that confirm with the exact count, mass emails held for a cancel window, exports."""
from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest

from eventnet.auth.services import create_login_link
from eventnet.extensions import db
from tests.conftest import csrf_token


def _log_in_by_link(client, attendee) -> str:
    """Log in as a person does (open the link, press Log in); returns where the login lands."""
    link = create_login_link(attendee)
    db.session.commit()
    path = urlsplit(link.url).path
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 303
    return response.headers["Location"]


# ----------------------------------------------------------------------------- the shell

def test_organizers_land_on_the_dashboard_and_attendees_on_their_home(client, app, make_event, make_attendee):
    event = make_event(slug="org", name="PyConf")
    maren = make_attendee(event, email="maren@example.org", name="Maren", role="organizer")
    ada = make_attendee(event, email="ada@example.org", name="Ada")
    assert _log_in_by_link(client, maren) == "/e/org/organizer/"
    # Already logged in, the login page sends an organizer to the console too.
    assert client.get("/e/org/login").headers["Location"] == "/e/org/organizer/"
    # The "Organize" tab opens the dashboard.
    home = client.get("/e/org/").get_data(as_text=True)
    assert re.search(r'<a href="/e/org/organizer/"[^>]*>Organize</a>', home)
    other = app.test_client()
    assert _log_in_by_link(other, ada) == "/e/org/"


def test_the_console_says_the_events_phase_and_scanning_state(client, login, make_event, make_attendee):
    from datetime import timedelta

    from eventnet.database import utcnow

    now = utcnow()
    event = make_event(slug="org", starts=now - timedelta(hours=1), ends=now + timedelta(hours=5))
    maren = make_attendee(event, email="maren@example.org", role="organizer")
    login(client, maren)
    page = client.get("/e/org/organizer/").get_data(as_text=True)
    assert 'data-phase="running"' in page and 'data-scanning="open"' in page
    assert "Running now" in page and "Scanning open" in page
    event.starts_at, event.ends_at = now + timedelta(days=3), now + timedelta(days=4)
    db.session.commit()
    page = client.get("/e/org/organizer/").get_data(as_text=True)
    assert 'data-phase="upcoming"' in page and 'data-scanning="closed"' in page


def test_administration_link_only_for_an_administrator_session(client, app, runner, login, make_event, make_attendee):
    from tests.test_organizer_admin import admin_login

    event = make_event(slug="org")
    maren = make_attendee(event, email="maren@example.org", role="organizer")
    login(client, maren)
    assert "data-admin-link" not in client.get("/e/org/organizer/").get_data(as_text=True)
    runner.invoke(args=["admin", "add", "root@example.org"])
    admin_login(client, "root@example.org")
    page = client.get("/e/org/organizer/").get_data(as_text=True)
    assert re.search(r'<a href="/admin"[^>]*data-admin-link>Administration</a>', page)


def test_an_attendee_at_admin_is_told_what_they_can_do(client, login, make_event, make_attendee):
    event = make_event(slug="org", name="PyConf")
    ada = make_attendee(event, email="ada@example.org", name="Ada")
    login(client, ada)
    page = html.unescape(client.get("/admin/login").get_data(as_text=True))
    assert "flask admin" not in page
    assert "You are logged in to PyConf" in page and 'href="/e/org/"' in page

"""In a real phone-sized browser: open a badge URL, exchange cards, write a note, see it saved."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from eventnet.auth.services import create_login_link
from eventnet.connections.models import Connection
from eventnet.extensions import db

pytestmark = pytest.mark.browser


def log_in(live_server, page, attendee, next_path=None):
    # The live app's context, so that the link is made on its BASE_URL (the served address).
    with live_server.app.app_context():
        link = create_login_link(db.session.merge(attendee), next_path)
        db.session.commit()
    page.goto(link.url)
    page.get_by_role("button", name="Log in").click()


def test_exchange_then_note_autosaves(live_server, phone, make_event, make_attendee):
    event = make_event(slug="conf")
    alice = make_attendee(event, "alice@example.org", "Alice Able", headline="Data engineer",
                          shared_fields=["headline", "topics"], can_help_with="Kubernetes")
    bob = make_attendee(event, "bob@example.org", "Bob Baker")
    page = phone

    log_in(live_server, page, bob)
    expect(page.get_by_text("You are logged in")).to_be_visible()
    page.goto(f"{live_server.url}/b/{alice.badge_token}")
    expect(page.get_by_text("Alice Able").first).to_be_visible()
    page.get_by_role("button", name="Exchange cards").click()

    # htmx swaps the note form in under the confirmation, on the badge page itself.
    expect(page.get_by_text("Cards exchanged")).to_be_visible()
    assert page.url == f"{live_server.url}/b/{alice.badge_token}"
    note = page.get_by_label("What did you talk about?")
    # A prompt chip opens its own labelled input: what goes there is stored as data, not as an
    # English prefix in the note.
    page.locator("summary", has_text="Works on").click()
    page.get_by_label("What do they work on?").fill("observability pipelines")
    note.press_sequentially("observability pipelines at scale")
    status = page.locator("[id^=note-status-]")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_contain_text(re.compile(r"Saved at \d\d:\d\d"))
    # The caret stayed where it was: typing more goes on the end of the same note.
    note.press_sequentially(", wants intro")
    page.get_by_label("Star this contact").check()
    page.get_by_label("Intro", exact=True).check()
    page.get_by_role("button", name="Add tag kubernetes").click()
    expect(page.get_by_label("Tags", exact=True)).to_have_value("kubernetes")
    expect(status).to_contain_text("Saved at")

    db.session.expire_all()
    mine = db.session.execute(db.select(Connection).filter_by(owner_id=bob.id)).scalar_one()
    assert mine.note == "observability pipelines at scale, wants intro" and mine.works_on == "observability pipelines"
    assert mine.starred is True and mine.intent == "introduce" and mine.tags == ["kubernetes"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The note is what people remember a contact by: the contact book finds it by a few words.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    page.get_by_label("Search name, company, your notes and tags").fill("pipelines")
    expect(page).to_have_url(re.compile(r"q=pipelines"))
    result = page.locator(".contact-row")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("Alice Able")
    result.locator(".contact-link").click()
    expect(page.get_by_label("What did you talk about?")).to_have_value(mine.note)

"""On a 360 px phone: the note's "I promised" chip, and "Track this as a promise?" after a note
that reads like one, on the contact page; by keyboard, and without JavaScript."""
from __future__ import annotations

import pytest
from conftest import screenshot
from playwright.sync_api import expect

from test_exchange_browser import log_in

from eventnet.connections.services import record_scan
from eventnet.extensions import db
from eventnet.promises.models import Promise

pytestmark = pytest.mark.browser


def promises_of(connection_id: int) -> list[tuple[str, bool]]:
    db.session.expire_all()
    rows = db.session.execute(db.select(Promise).filter_by(connection_id=connection_id).order_by(Promise.id)).scalars()
    return [(p.text, p.done_at is not None) for p in rows]


@pytest.fixture
def met(make_event, make_attendee):
    event = make_event(slug="conf")
    alice = make_attendee(event, "alice@example.org", "Alice Able", headline="Data engineer")
    bob = make_attendee(event, "bob@example.org", "Bob Baker")
    connection = record_scan(bob, alice.badge_token, "5b7f3c1e-2a4d-4e6f-8a9b-0c1d2e3f4a5b").connection
    return bob, connection.id


def test_track_this_as_a_promise_and_the_i_promised_chip_on_a_phone(live_server, phone, met):
    bob, cid = met
    page = phone
    log_in(live_server, page, bob)
    expect(page.get_by_text("You are logged in")).to_be_visible()
    page.goto(f"{live_server.url}/e/conf/contacts/{cid}")
    note = page.get_by_label("What did you talk about?")
    note.fill("Hiring two backend engineers. Send him my CV by Friday.")
    # The autosave's answer brings the suggestion along, the sentence ready to track.
    suggestion = page.get_by_label("Track this as a promise?")
    expect(suggestion).to_have_value("Send him my CV by Friday")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "promises-track-this-360")
    page.get_by_role("button", name="Track it").click()
    expect(page.get_by_role("heading", name="Your promises")).to_be_visible()
    expect(page.get_by_label("Track this as a promise?")).to_have_count(0)
    assert promises_of(cid) == [("Send him my CV by Friday", False)]

    # The chip by keyboard: focus it, Enter opens its labelled input, Enter there adds it.
    chip = page.locator("summary", has_text="I promised")
    chip.focus()
    page.keyboard.press("Enter")
    promise = page.get_by_label("What did you promise?")
    expect(promise).to_be_visible()
    promise.fill("Intro to Maria")
    promise.press("Enter")
    expect(page.locator(".promise-list")).to_contain_text("Intro to Maria")
    assert promises_of(cid) == [("Send him my CV by Friday", False), ("Intro to Maria", False)]
    screenshot(page, "promises-contact-360")
    page.get_by_role("button", name="Mark done: Intro to Maria").click()
    expect(page.get_by_role("button", name="Open again: Intro to Maria")).to_be_visible()
    assert promises_of(cid)[1] == ("Intro to Maria", True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # My promises: open first, then done.
    page.goto(f"{live_server.url}/e/conf/me/promises")
    expect(page.get_by_role("heading", name="My promises")).to_be_visible()
    expect(page.locator(".promise").first).to_contain_text("Send him my CV by Friday")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "promises-mine-360")


def test_promises_work_without_javascript(live_server, open_page, met):
    bob, cid = met
    page = open_page(javascript=False)
    log_in(live_server, page, bob)
    page.goto(f"{live_server.url}/e/conf/contacts/{cid}")
    page.get_by_label("What did you talk about?").fill("I'll share the slides tonight.")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_label("Track this as a promise?")).to_have_value("I'll share the slides tonight")
    page.get_by_role("button", name="Not a promise").click()
    expect(page.get_by_label("Track this as a promise?")).to_have_count(0)
    page.locator("summary", has_text="I promised").click()
    page.get_by_label("What did you promise?").fill("Send the slides")
    page.get_by_role("button", name="Add promise").click()
    expect(page.locator(".promise-list")).to_contain_text("Send the slides")
    assert promises_of(cid) == [("Send the slides", False)]
    screenshot(page, "promises-nojs-360")

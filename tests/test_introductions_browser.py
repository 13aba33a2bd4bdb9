"""In a 360 px browser: asking for an introduction without JavaScript, answering by keyboard."""
from __future__ import annotations

import uuid

import pytest
from conftest import screenshot
from playwright.sync_api import expect
from test_exchange_browser import log_in

from eventnet.connections.models import Connection
from eventnet.connections.services import record_scan
from eventnet.extensions import db

pytestmark = pytest.mark.browser


def fits_360(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_ask_without_javascript_then_accept_by_keyboard_at_360_px(live_server, open_page, make_event, make_attendee):
    event = make_event(slug="conf")
    ivy = make_attendee(event, "ivy@example.org", "Ivy Introducer")
    ana = make_attendee(event, "ana@example.org", "Ana Alves", headline="Data engineer")
    bob = make_attendee(event, "bob@example.org", "Bob Brown", headline="Platform lead at a very long company name")
    for other in (ana, bob):
        record_scan(ivy, other.badge_token, str(uuid.uuid4()))
    to_ana = db.session.execute(db.select(Connection.id).filter_by(owner_id=ivy.id, contact_id=ana.id)).scalar_one()

    page = open_page(javascript=False)
    log_in(live_server, page, ivy)
    page.goto(f"{live_server.url}/e/conf/contacts/{to_ana}")
    page.get_by_role("link", name="Introduce to…").click()
    page.get_by_label("Introduce them to").select_option(label="Bob Brown")
    page.get_by_label("Why they should meet").fill("You both run data platforms and hire in Berlin.")
    fits_360(page)
    screenshot(page, "introductions-form-nojs-360")
    page.get_by_role("button", name="Ask both").click()
    expect(page.get_by_text("To Bob Brown: Pending")).to_be_visible()
    fits_360(page)
    page.locator("#introductions").scroll_into_view_if_needed()
    screenshot(page, "introductions-contact-pending-nojs-360", full_page=False)

    page = open_page()
    log_in(live_server, page, ana)
    page.goto(f"{live_server.url}/e/conf/#introductions-h")
    section = page.locator("#introductions")
    expect(section.get_by_text("Bob Brown", exact=True)).to_be_visible()
    expect(section.get_by_text("Platform lead at a very long company name")).to_be_visible()
    fits_360(page)
    section.scroll_into_view_if_needed()
    screenshot(page, "introductions-home-request-360", full_page=False)
    accept = section.get_by_role("button", name="Accept meeting Bob Brown")
    accept.focus()
    page.keyboard.press("Enter")
    # htmx swapped the section: waiting for Bob, the page not reloaded.
    expect(page.locator("#introductions").get_by_text("You accepted: waiting for the other person")).to_be_visible()
    assert page.url.endswith("/e/conf/#introductions-h")
    fits_360(page)
    screenshot(page, "introductions-home-waiting-360", full_page=False)

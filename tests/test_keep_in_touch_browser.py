"""In a 360 px browser: the private "stay in touch" switch by keyboard, with and without JavaScript."""
from __future__ import annotations

import uuid

import pytest
from conftest import screenshot
from playwright.sync_api import expect
from test_exchange_browser import log_in

from eventnet.connections import keep_in_touch
from eventnet.connections.models import Connection
from eventnet.connections.services import record_scan
from eventnet.extensions import db

pytestmark = pytest.mark.browser

SWITCH = "I'd like to stay in touch"


def fits_360(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_switch_by_keyboard_then_both_told_at_360_px(live_server, open_page, make_event, make_attendee):
    event = make_event(slug="conf")
    ana = make_attendee(event, "ana@example.org", "Ana Alves", headline="Data engineer")
    bob = make_attendee(event, "bob@example.org", "Bob Brown", headline="Platform lead")
    record_scan(ana, bob.badge_token, str(uuid.uuid4()))
    ana_row = db.session.execute(db.select(Connection).filter_by(owner_id=ana.id)).scalar_one()
    bob_row = db.session.execute(db.select(Connection).filter_by(owner_id=bob.id)).scalar_one()
    keep_in_touch.mark(bob_row, True)

    page = open_page()
    log_in(live_server, page, ana)
    page.goto(f"{live_server.url}/e/conf/contacts/{ana_row.id}")
    switch = page.get_by_role("switch", name=SWITCH)
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(page.get_by_text("You both want to keep in touch")).to_have_count(0)
    switch.focus()
    page.keyboard.press("Enter")
    # htmx swapped the slot: Bob had marked, so Ana is told at once, on the same page.
    expect(page.get_by_text("You both want to keep in touch.")).to_be_visible()
    switch = page.get_by_role("switch", name=SWITCH)
    expect(switch).to_have_attribute("aria-checked", "true")
    assert page.url == f"{live_server.url}/e/conf/contacts/{ana_row.id}"
    fits_360(page)
    page.locator("[data-keep-in-touch]").scroll_into_view_if_needed()
    screenshot(page, "keep-in-touch-contact-mutual-360")

    page.goto(f"{live_server.url}/e/conf/contacts/?kit=1")
    expect(page.locator(".contact-row")).to_have_count(1)
    expect(page.locator("[data-mutual]")).to_have_text("Keep in touch")
    fits_360(page)
    screenshot(page, "keep-in-touch-book-filter-360")


def test_switch_without_javascript_reloads_and_stays_private(live_server, open_page, make_event, make_attendee):
    event = make_event(slug="conf")
    ana = make_attendee(event, "ana@example.org", "Ana Alves")
    bob = make_attendee(event, "bob@example.org", "Bob Brown")
    record_scan(ana, bob.badge_token, str(uuid.uuid4()))
    ana_row = db.session.execute(db.select(Connection).filter_by(owner_id=ana.id)).scalar_one()

    page = open_page(javascript=False)
    log_in(live_server, page, ana)
    page.goto(f"{live_server.url}/e/conf/contacts/{ana_row.id}")
    page.get_by_role("switch", name=SWITCH).click()
    expect(page.get_by_text("Saved, privately.")).to_be_visible()
    expect(page.get_by_role("switch", name=SWITCH)).to_have_attribute("aria-checked", "true")
    expect(page.get_by_text("Marked, privately.")).to_be_visible()
    expect(page.get_by_text("You both want to keep in touch")).to_have_count(0)
    fits_360(page)
    page.locator("[data-keep-in-touch]").scroll_into_view_if_needed()
    screenshot(page, "keep-in-touch-contact-one-sided-nojs-360", full_page=False)

"""In a 360 px browser: "Who has my card", narrowing one person's copy and taking it back, by
keyboard with JavaScript and by plain form posts without it."""
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


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_narrow_then_take_back_one_persons_copy_at_360_px(live_server, open_page, make_event, make_attendee,
                                                           javascript):
    event = make_event(slug="conf", name="PyConf")
    ana = make_attendee(event, "ana@example.org", "Ana Nwosu", headline="Data engineer", bio="Pipelines.")
    bob = make_attendee(event, "bob@example.org", "Bartholomew Featherstonehaugh-Brown")
    record_scan(bob, ana.badge_token, str(uuid.uuid4()))
    copy_id = db.session.execute(db.select(Connection.id).filter_by(owner_id=bob.id)).scalar_one()

    page = open_page(javascript=javascript)
    log_in(live_server, page, ana)
    page.goto(f"{live_server.url}/e/conf/")
    page.get_by_role("link", name="Who has my card").first.click()
    expect(page.get_by_role("heading", name="1 person has your card")).to_be_visible()
    fits_360(page)
    screenshot(page, f"card-holders-360-{'js' if javascript else 'nojs'}")

    page.get_by_role("link", name="Bartholomew Featherstonehaugh-Brown").click()
    bio = page.get_by_role("checkbox", name="Bio")
    expect(bio).to_be_checked()
    bio.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Saved what Bartholomew Featherstonehaugh-Brown gets.")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Bio")).not_to_be_checked()
    with live_server.app.app_context():
        assert "bio" not in db.session.get(Connection, copy_id).card_fields

    page.get_by_role("button", name="Take my card back").click()
    expect(page.get_by_role("heading", name="Take your card back from Bartholomew Featherstonehaugh-Brown?")).to_be_visible()
    fits_360(page)
    page.get_by_role("button", name="Yes, take it back").click()
    expect(page.get_by_role("heading", name="You took your card back")).to_be_visible()
    expect(page.get_by_role("button", name="Share again")).to_be_visible()
    fits_360(page)
    screenshot(page, f"card-holder-taken-back-360-{'js' if javascript else 'nojs'}")
    with live_server.app.app_context():
        assert db.session.get(Connection, copy_id).card_revoked_at is not None

    # Bob's copy: the name and the event, his note form still his.
    bob_page = open_page(javascript=javascript)
    log_in(live_server, bob_page, bob)
    bob_page.goto(f"{live_server.url}/e/conf/contacts/{copy_id}")
    expect(bob_page.get_by_text("Ana Nwosu · met at PyConf")).to_be_visible()
    expect(bob_page.get_by_text("Data engineer")).to_have_count(0)
    expect(bob_page.get_by_label("Your private note")).to_be_visible()
    fits_360(bob_page)
    screenshot(bob_page, f"card-taken-back-holders-copy-360-{'js' if javascript else 'nojs'}")


def test_the_scanners_sheet_leads_to_what_they_get_at_360_px(live_server, open_page, make_event, make_attendee):
    from eventnet.badges.services import badge_url

    event = make_event(slug="conf", name="PyConf")
    ana = make_attendee(event, "ana@example.org", "Ana Nwosu", headline="Data engineer")
    bob = make_attendee(event, "bob@example.org", "Bob Brown")
    page = open_page()
    log_in(live_server, page, bob)
    page.goto(f"{live_server.url}/e/conf/scan")
    page.wait_for_function("() => window.eventnetScanner !== undefined")
    with live_server.app.app_context():
        url = badge_url(ana)
    page.evaluate("url => window.eventnetScanner.handleDecoded(url)", url)
    link = page.get_by_role("link", name="What they get of your card · Change")
    expect(link).to_be_visible()
    fits_360(page)
    screenshot(page, "card-scan-sheet-360", full_page=False)
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your card for Ana Nwosu")).to_be_visible()

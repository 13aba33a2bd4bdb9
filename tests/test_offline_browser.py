"""The installed app without a network (issue 12), in a real Chromium with the service worker.

The worker is installed while online (logged in, one page opened), then the browser goes
offline and opens the app where an installed app opens: the manifest's start_url.
"""
from __future__ import annotations

import io
import json
import re

import pytest
import zxingcpp
from conftest import screenshot
from PIL import Image
from playwright.sync_api import expect

from eventnet.auth.services import create_login_link
from eventnet.badges.services import badge_url
from eventnet.connections.models import Connection
from eventnet.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def people(make_event, make_attendee):
    event = make_event(slug="conf", name="Rail Data Summit")
    ada = make_attendee(event, "ada@example.org", "Ada Lovelace")
    grace = make_attendee(event, "grace@example.org", "Grace Hopper")
    db.session.add_all([
        Connection(event_id=event.id, owner_id=ada.id, contact_id=grace.id, initiated=True, note="Compilers"),
        Connection(event_id=event.id, owner_id=grace.id, contact_id=ada.id, initiated=False),
    ])
    db.session.commit()
    return event, ada, grace


def install_while_online(page, live_server, attendee) -> None:
    """Log in, and wait until the service worker controls the page and has saved the pages it
    keeps for offline use (the scanner, my QR, my contacts and the offline page)."""
    link = create_login_link(attendee)
    db.session.commit()
    page.goto(link.url)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/e/conf/$"))
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    wanted = [entry["url"] for entry in json.loads(page.locator("body").get_attribute("data-offline-pages"))]
    page.wait_for_function(
        """wanted => caches.open('eventnet-pages').then(cache => cache.keys())
            .then(keys => wanted.every(url => keys.some(key => new URL(key.url).pathname === url)))""",
        arg=wanted, timeout=15_000)


def decode_qr(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_app_starts_offline_at_its_start_url_and_my_qr_is_read_from_a_screenshot(phone, people, live_server):
    event, ada, grace = people
    install_while_online(phone, live_server, ada)
    start_url = phone.request.get(f"{live_server.url}/manifest.webmanifest").json()["start_url"]
    phone.goto("about:blank")
    phone.context.set_offline(True)

    # The installed app opens at its start URL: the event's offline page, with its header and tabs.
    response = phone.goto(live_server.url + start_url)
    assert response.status == 200 and response.from_service_worker
    expect(phone.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(phone.locator(".site-header")).to_contain_text("Rail Data Summit")
    tabs = phone.get_by_role("navigation", name="Main")
    expect(tabs).to_be_visible()
    assert tabs.locator("[aria-current]").count() == 0  # it is none of the tabs' pages
    screenshot(phone, "offline-start", full_page=False)

    # My QR, from the page the worker saved, shows a QR that a camera reads: decoded here from a
    # screenshot of the phone's screen, it is the badge's URL.
    phone.get_by_role("link", name="Show my QR").click()
    expect(phone.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    phone.wait_for_function("() => document.querySelector('img.qr').complete "
                            "&& document.querySelector('img.qr').naturalWidth > 0")
    assert decode_qr(phone.screenshot()) == [badge_url(ada)]
    screenshot(phone, "offline-my-qr", full_page=False)

    # The tabs lead to the scanner and the contact book, saved too.
    tabs.get_by_role("link", name="Scan").click()
    expect(phone.get_by_role("heading", name="Scan a badge")).to_be_visible()
    tabs.get_by_role("link", name="Contacts").click()
    expect(phone.get_by_role("heading", name="Contacts", exact=True)).to_be_visible()
    expect(phone.locator("main")).to_contain_text("Grace Hopper")
    # A page that was not saved answers the offline page, whose links still work.
    phone.goto(f"{live_server.url}/e/conf/profile")
    expect(phone.get_by_role("heading", name="You are offline")).to_be_visible()
    phone.get_by_role("link", name="Scan a badge").click()
    expect(phone.get_by_role("heading", name="Scan a badge")).to_be_visible()
    phone.context.set_offline(False)


def test_logged_out_offline_page_has_the_apps_look(phone, people, live_server):
    # Nobody logged in yet: the worker is installed by the start page, and offline any page
    # answers with the app's look (its stylesheet, from the worker's cache) and its start page.
    phone.goto(live_server.url + "/")
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    phone.context.set_offline(True)
    response = phone.goto(f"{live_server.url}/e/conf/login")
    assert response.status == 503
    expect(phone.get_by_role("heading", name="You are offline")).to_be_visible()
    assert phone.evaluate("getComputedStyle(document.querySelector('.site-header')).display") == "flex"
    expect(phone.get_by_role("link", name="eventnet")).to_have_attribute("href", "/")
    phone.context.set_offline(False)


def test_my_qr_keeps_the_screen_awake_while_it_is_shown(phone, people, live_server):
    event, ada, grace = people
    link = create_login_link(ada)
    db.session.commit()
    phone.goto(link.url)
    phone.get_by_role("button", name="Log in").click()
    phone.wait_for_url(re.compile(r"/e/conf/$"))
    # Chromium grants the screen wake lock only with the permission (a phone grants it to a
    # visible page on its own).
    cdp = phone.context.new_cdp_session(phone)
    cdp.send("Browser.setPermission", {"permission": {"name": "screen-wake-lock"}, "setting": "granted",
                                       "origin": live_server.url})
    phone.goto(f"{live_server.url}/e/conf/me/qr")
    section = phone.locator("[data-wake-lock]")
    expect(section).to_have_attribute("data-wake-lock", "held")
    assert phone.evaluate("navigator.wakeLock !== undefined")

    # Hidden (another app in front), the lock is released; visible again, it is taken again.
    def visibility(state: str) -> None:
        phone.evaluate("""state => {
            Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});
            document.dispatchEvent(new Event('visibilitychange'));
        }""", state)

    visibility("hidden")
    expect(section).to_have_attribute("data-wake-lock", "released")
    visibility("visible")
    expect(section).to_have_attribute("data-wake-lock", "held")

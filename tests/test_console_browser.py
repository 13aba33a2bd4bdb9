"""The organizer's console in a real Chromium (issue 13): at a laptop (1280 x 800) and on a phone
(360 x 740), light and dark, axe-core finds no WCAG A/AA violation on any console page, focus is
never hidden and always ringed, and the layout holds (a row per attendee at most about 48 px, the
chart's labels never under 12 px). Screenshots: test-artifacts/screenshots/console-<page>-<width>.png.

The checks are tests/test_accessibility_browser.py's; this file adds the console's pages.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest
from conftest import screenshot
from test_accessibility_browser import SCHEMES, axe_violations, describe_violations, focus_walk, unfocus

from eventnet.auth.services import create_login_link
from eventnet.connections.models import Connection
from eventnet.extensions import db

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
VIEWPORTS = {"1280": LAPTOP, "360": PHONE}
FIRST = ["Ada", "Kenji", "Priya", "Zoë", "Łukasz", "Maren", "Oluwaseun", "Li", "Søren", "Amara", "Tomás", "Mei"]
LAST = ["Nwosu", "Watanabe", "Raghunathan", "Ångström", "Żółkiewski", "Lindqvist", "Chen", "Herrera Díaz"]


class Desk:
    """An event running now, its organizer Maren, 24 attendees (some logged in, some connected),
    a CSV waiting for its preview, and a batch of login emails held in its cancel window."""

    def __init__(self, live_server):
        from eventnet.attendees.services import upsert_attendee
        from eventnet.events.services import create_event
        from eventnet.organizer import attendees as people
        from eventnet.attendees.importer.uploads import stash_upload

        now = datetime.now(timezone.utc)
        self.base = live_server.url
        self.event = create_event(slug="desk", name="Rail Data Summit", starts=now - timedelta(hours=5),
                                  ends=now + timedelta(hours=4), timezone="Europe/Berlin", venue="Hall A")
        self.maren = upsert_attendee(self.event, "maren@example.org", "Maren Lindqvist", role="organizer",
                                     company="Rail Data e.V.").attendee
        self.people = []
        for i in range(24):
            name = f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}"
            person = upsert_attendee(self.event, f"{name.split()[0].lower()}.{i}@example.org", name,
                                     company=["Acme Analytics", "Tramways Ltd", "", "Navy Labs"][i % 4],
                                     headline="Data engineer").attendee
            if i % 3:
                person.last_login_at = now - timedelta(minutes=7 * i)
            self.people.append(person)
        db.session.commit()
        # Exchanges spread over the last hours: the dashboard's chart has bars.
        for i in range(0, 20, 2):
            a, b = self.people[i], self.people[i + 1]
            at = now - timedelta(minutes=25 * i + 3)
            db.session.add_all([
                Connection(event_id=self.event.id, owner_id=a.id, contact_id=b.id, initiated=True, created_at=at,
                           scanned_at=at, note="", tags=[], starred=False, intent="none"),
                Connection(event_id=self.event.id, owner_id=b.id, contact_id=a.id, initiated=False, created_at=at,
                           note="", tags=[], starred=False, intent="none"),
            ])
        db.session.commit()
        csv = "Email,First Name,Last Name,Company,Job Title\n" + "".join(
            f"new{i}@example.org,{FIRST[i]},{LAST[i % len(LAST)]},Company {i},Engineer\n" for i in range(8))
        self.upload, _ = stash_upload(self.event, self.maren, "eventbrite.csv", csv.encode())
        self.batch = people.queue_login_emails(self.event, self.maren)

    def url(self, path: str) -> str:
        return f"{self.base}/e/desk/organizer{path}"


def log_in(page, desk: Desk) -> None:
    """Log the organizer in as a person does; an organizer lands on the dashboard."""
    link = create_login_link(desk.maren)
    db.session.commit()
    page.goto(link.url)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/e/desk/organizer/$"))


def _open(path: str) -> Callable:
    def build(page, desk: Desk) -> None:
        page.goto(desk.url(path))
    return build


def _row_menu(page, desk: Desk) -> None:
    page.goto(desk.url("/attendees"))
    summary = page.locator("details.row-menu > summary").nth(2)
    summary.focus()
    page.keyboard.press("Enter")  # the keyboard opens it, as a click would
    page.locator("details.row-menu[open] .row-menu-panel").wait_for()


def _bulk(action: str, **args) -> Callable:
    def build(page, desk: Desk) -> None:
        if action == "email-selected":
            ids = "&".join(f"ids={p.id}" for p in desk.people[:3])
            page.goto(desk.url(f"/attendees/bulk?action=email&{ids}"))
        else:
            page.goto(desk.url(f"/attendees/bulk?action={action}&scope=matching&never=1"))
    return build


PAGES: dict[str, Callable] = {
    "dashboard": _open("/"),
    "attendees": _open("/attendees"),
    "attendees-filtered": _open("/attendees?q=a&never=1&sort=contacts&dir=desc&per_page=25"),
    "row-menu": _row_menu,
    "confirm-email": _bulk("email-selected"),
    "confirm-remove": _bulk("remove"),
    "confirm-login-emails": _open("/login-emails"),
    "sending-held": lambda page, desk: page.goto(desk.url(f"/login-emails/{desk.batch.id}")),
    "confirm-digest": _open("/digests/start"),
    "digests": _open("/digests"),
    "import-preview": lambda page, desk: page.goto(desk.url(f"/import/{desk.upload.id}")),
    "audit": _open("/audit"),
    "event": _open("/event"),
}


@pytest.fixture
def console_page(open_page):
    """A laptop- or phone-sized page that lets axe-core in (bypass_csp)."""
    return lambda viewport: open_page(viewport, bypass_csp=True)


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_console_pages_have_no_axe_violations_at_laptop_and_phone_width(name, width, console_page, live_server):
    desk = Desk(live_server)
    page = console_page(VIEWPORTS[width])
    log_in(page, desk)
    PAGES[name](page, desk)
    found = {}
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        if name != "row-menu":
            unfocus(page)
        screenshot(page, f"console-{name}-{width}" + ("" if scheme == "light" else "-dark"))
        problems = describe_violations(axe_violations(page)).splitlines()
        if name != "row-menu":  # the walk would close the open menu it is about
            problems += focus_walk(page)
        wide = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
        if wide:
            problems.append(f"the page scrolls sideways at {width} px")
        if problems:
            found[scheme] = "\n".join(problems)
    assert not found, "\n".join(f"--- {scheme}:\n{text}" for scheme, text in found.items())


def test_a_desk_layout_at_1280_and_cards_at_360(console_page, live_server):
    """Side navigation and no tab bar from 1024 px, one line per attendee; the phone keeps the tab
    bar and stacks. Prints the attendee page's height (24 attendees) at both widths."""
    desk = Desk(live_server)
    page = console_page(LAPTOP)
    log_in(page, desk)
    page.goto(desk.url("/attendees"))
    assert page.locator(".tabbar").is_hidden()
    aside = page.locator(".console-aside").bounding_box()
    main = page.locator("main").bounding_box()
    assert aside["x"] < 10 and main["x"] >= aside["x"] + aside["width"] - 1 and main["width"] > 900
    heights = page.evaluate("[...document.querySelectorAll('tr[data-attendee-id]')].map(r => r.getBoundingClientRect().height)")
    assert len(heights) == 25 and max(heights) <= 48, heights
    laptop_height = page.evaluate("document.documentElement.scrollHeight")
    assert page.get_by_text("Running now").is_visible() and page.get_by_text("Scanning open").is_visible()

    phone = console_page(PHONE)
    log_in(phone, desk)
    phone.goto(desk.url("/attendees"))
    assert phone.locator(".tabbar").is_visible()
    phone_height = phone.evaluate("document.documentElement.scrollHeight")
    print(f"attendee page with 25 people: {laptop_height} px at 1280, {phone_height} px at 360")
    assert laptop_height < 2600 and phone_height < 6000, (laptop_height, phone_height)


def test_the_chart_keeps_12_px_labels_at_360_and_scrolls_by_keyboard(console_page, live_server):
    desk = Desk(live_server)
    page = console_page(PHONE)
    log_in(page, desk)
    scale = page.evaluate("(() => { const s = document.querySelector('svg.chart');"
                          " return s.getBoundingClientRect().width / s.viewBox.baseVal.width; })()")
    assert scale * 12 >= 12, scale
    region = page.locator(".chart-scroll")
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    region.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # The keyboard reaches what is off screen (the browser may scroll smoothly: wait for it).
    region.page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle(), timeout=5_000)


def test_select_all_and_the_row_menu_by_keyboard(console_page, live_server):
    desk = Desk(live_server)
    page = console_page(LAPTOP)
    log_in(page, desk)
    page.goto(desk.url("/attendees"))
    page.get_by_label("Tick everyone on this page").check()
    assert page.locator('input[name="ids"]:checked').count() == 25
    assert page.locator("[data-selected-count]").inner_text() == "(25 ticked)"
    menus = page.locator("details.row-menu > summary")
    menus.nth(0).focus()
    page.keyboard.press("Enter")
    assert page.locator("details.row-menu[open]").count() == 1
    menus.nth(1).focus()
    page.keyboard.press("Enter")
    assert page.locator("details.row-menu[open]").count() == 1  # one open at a time
    page.keyboard.press("Tab")  # into the menu
    page.keyboard.press("Escape")
    assert page.locator("details.row-menu[open]").count() == 0
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"

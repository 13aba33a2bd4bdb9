"""The first journey in German and in Arabic on a 360 px phone: login page, the switcher, home.

Screenshots (test-artifacts/screenshots/i18n-*.png) are for a person to look at: the Arabic ones
must read right to left, the German ones must hold their longer words.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import PHONE_VIEWPORT, guard_offsite, screenshot
from playwright.sync_api import expect

from eventnet.auth.services import create_login_link
from eventnet.extensions import db

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent

JOURNEYS = {
    # language: (browser locale, login button, home heading start, Home tab, Organize tab)
    "de": ("de-DE", "Anmeldelink per E-Mail senden", "Hallo, ", "Start", "Verwalten"),
    "ar": ("ar-EG", "أرسل لي رابط تسجيل الدخول", "مرحبًا، ", "الرئيسية", "التنظيم"),
}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "compile"], check=True)


def phone_in(browser, locale: str):
    context = browser.new_context(viewport=PHONE_VIEWPORT, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale=locale)
    page = context.new_page()
    page.set_default_timeout(10_000)
    guard_offsite(page)
    return context, page


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", JOURNEYS)
def test_login_and_home_in_the_browsers_language_at_360px(language, browser, live_server, make_event, make_attendee):
    locale, send_label, hello, home_tab, organize_tab = JOURNEYS[language]
    event = make_event(slug=f"journey-{language}", name="Rail Data Summit")
    # An organizer: the tab bar has all six tabs, the tightest it gets.
    person = make_attendee(event, email=f"{language}@example.org", name="Ada Lovelace", role="organizer")
    context, page = phone_in(browser, locale)
    try:
        page.goto(f"{live_server.url}/e/{event.slug}/login")
        html = page.locator("html")
        expect(html).to_have_attribute("lang", language)
        expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
        expect(page.get_by_role("button", name=send_label)).to_be_visible()
        assert no_sideways_scroll(page)
        screenshot(page, f"i18n-login-{language}")

        # Logged in: the home page and the tab bar in the same language.
        link = create_login_link(person)
        db.session.commit()
        page.goto(live_server.url + urlsplit(link.url).path)
        page.locator("main form button[type=submit]").click()
        page.goto(f"{live_server.url}/e/{event.slug}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^" + re.escape(hello)))
        tabbar = page.get_by_role("navigation").last
        home, organize = tabbar.get_by_role("link", name=home_tab), tabbar.get_by_role("link", name=organize_tab)
        expect(home).to_be_visible()
        expect(organize).to_be_visible()
        assert no_sideways_scroll(page)
        # Each tab's label fits its tab: nothing cut off or running into its neighbour.
        screenshot(page, f"i18n-home-{language}")
        widths = page.evaluate("""() => [...document.querySelectorAll('.tabbar a')]
            .map(a => [a.textContent, a.scrollWidth, a.clientWidth])""")
        assert all(scroll <= client + 1 for _, scroll, client in widths), widths
        # Right to left, the first tab (Home) is at the right-hand end; left to right, at the left.
        home_x, organize_x = home.bounding_box()["x"], organize.bounding_box()["x"]
        assert (home_x > organize_x) if language == "ar" else (home_x < organize_x)
        screenshot(page, f"i18n-home-{language}")
    finally:
        context.close()
    assert page.offsite_requests == []


def test_the_switcher_works_without_javascript(browser, live_server, make_event):
    event = make_event(slug="switch")
    context = browser.new_context(viewport=PHONE_VIEWPORT, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/e/{event.slug}/login")
        page.get_by_label("Sprache").select_option("ar")
        page.get_by_role("button", name="Sprache wechseln").click()
        page.wait_for_url(f"{live_server.url}/e/{event.slug}/login")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.get_by_role("button", name="أرسل لي رابط تسجيل الدخول")).to_be_visible()
        assert no_sideways_scroll(page)
        screenshot(page, "i18n-login-switched-ar-no-js")
    finally:
        context.close()

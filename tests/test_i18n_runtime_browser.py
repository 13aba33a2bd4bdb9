"""The scanner's JavaScript and the offline pages in German and Arabic (issue 15), in a real
Chromium at 360 px: the camera status line, the offline queue's count and a scan's state, and the
visitor's offline page after the network is gone. Screenshots in test-artifacts/screenshots/.
"""
from __future__ import annotations

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, guard_offsite, screenshot
from playwright.sync_api import expect

from eventnet.auth.services import create_login_link
from eventnet.badges.services import badge_url
from eventnet.extensions import db

pytestmark = pytest.mark.browser

CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]

WORDS = {
    "de": {"point": "Richten Sie die Kamera auf den QR-Code eines Badges.",
           "state": "Gespeichert, wird synchronisiert",
           "status": "Auf diesem Telefon gespeichert, wird synchronisiert, sobald Sie online sind.",
           "one_waiting": "1 wartet auf Synchronisierung (offline)",
           "two_waiting": "2 warten auf Synchronisierung (offline)",
           "name": "Gescanntes Badge", "offline": "Sie sind offline"},
    "ar": {"point": "وجّه الكاميرا إلى رمز QR على الشارة.",
           "state": "حُفظ، وستتم مزامنته",
           "status": "حُفظ على هذا الهاتف، وستتم مزامنته عند الاتصال.",
           "one_waiting": "بانتظار المزامنة: 1 (دون اتصال)",
           "two_waiting": "بانتظار المزامنة: 2 (دون اتصال)",
           "name": "شارة ممسوحة", "offline": "أنت غير متصل"},
}


@pytest.fixture
def people(make_event, make_attendee):
    """people(language): an event and three attendees, the first of whom chose `language`. Made in
    the test body (the fixture listed before live_server, whose app context is then the current
    one), so that they live in the served app's session and its links carry its address."""

    def make(language: str):
        event = make_event(slug="conf")
        me = make_attendee(event, "me@example.org", "Mara Meier")
        others = [make_attendee(event, f"guest{n}@example.org", f"Guest {n}") for n in range(2)]
        me.language = language
        db.session.commit()
        return event, me, others

    return make


@pytest.fixture
def scanner_phone(playwright_instance):
    """A phone-sized Chromium with a camera (Chromium's test pattern: no QR in it) in a language."""
    opened = []

    def open_phone(language: str):
        browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *CAMERA_ARGS])
        context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                      has_touch=True, locale=language)
        opened.append((browser, context))
        page = context.new_page()
        page.set_default_timeout(15_000)
        guard_offsite(page)
        return page

    yield open_phone
    for browser, context in opened:
        pages = context.pages
        context.close()
        browser.close()
        for page in pages:
            assert page.offsite_requests == [], f"the page tried to reach {page.offsite_requests}"


LOG_IN = {"de": "Anmelden", "ar": "تسجيل الدخول"}


def logged_in(page, live_server, attendee, language) -> None:
    """The login link, confirmed in the browser's language (the attendee's choice is known after)."""
    link = create_login_link(attendee)
    db.session.commit()
    page.goto(link.url)
    page.get_by_role("button", name=LOG_IN[language]).click()
    page.wait_for_url(f"{live_server.url}/e/conf/")


@pytest.mark.parametrize("language, direction", [("de", "ltr"), ("ar", "rtl")])
def test_the_scanner_and_its_offline_queue_speak_the_attendees_language(scanner_phone, people, live_server,
                                                                        language, direction):
    event, me, others = people(language)
    words = WORDS[language]
    page = scanner_phone(language)
    logged_in(page, live_server, me, language)
    page.goto(f"{live_server.url}/e/conf/scan")
    assert page.locator("html").get_attribute("dir") == direction
    # The camera runs (the test pattern): the status line the script writes, in the language.
    expect(page.locator("[data-status]")).to_have_text(words["point"])
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)

    page.context.set_offline(True)
    page.evaluate("t => window.eventnetScanner.handleDecoded(t)", badge_url(others[0]))
    expect(page.locator(".scan-card [data-field=state]")).to_have_text(words["state"])
    expect(page.locator(".scan-card h2")).to_have_text(words["name"])
    expect(page.locator("[data-status]")).to_contain_text(words["status"])
    expect(page.locator("[data-queue-count]")).to_have_text(words["one_waiting"])
    screenshot(page, f"i18n-runtime-{language}-scanner-offline", full_page=False)
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, f"the scanner scrolls sideways in {language}"
    page.locator("[data-next]").click()
    expect(page.locator("[data-sheet]")).to_have_count(0)
    page.evaluate("t => window.eventnetScanner.handleDecoded(t)", badge_url(others[1]))
    page.locator("[data-next]").click()  # "Next badge", in the language
    expect(page.locator("[data-sheet]")).to_have_count(0)
    expect(page.locator("[data-queue-count]")).to_have_text(words["two_waiting"])  # the plural
    # The strip's time is the language's clock, in Latin digits like every other number.
    assert page.locator("[data-strip] .muted").first.inner_text().strip()[:2].isascii()
    screenshot(page, f"i18n-runtime-{language}-scanner-queue", full_page=False)

    # Back online, the queue syncs and says so in the language.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("[data-queue-count]")).to_have_text(
        {"de": "Alle Scans synchronisiert", "ar": "تمت مزامنة كل عمليات المسح"}[language], timeout=30_000)


@pytest.mark.parametrize("language", ["de", "ar"])
def test_the_visitors_offline_page_is_in_their_language_once_offline(browser, people, live_server, language):
    people("en")
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale=language)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        guard_offsite(page)
        page.goto(f"{live_server.url}/e/conf/login")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
        context.set_offline(True)
        response = page.goto(f"{live_server.url}/e/conf/login")
        assert response.status == 503
        expect(page.get_by_role("heading", name=WORDS[language]["offline"])).to_be_visible()
        assert page.locator("html").get_attribute("lang") == language
        assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") == "flex"
        screenshot(page, f"i18n-runtime-{language}-visitor-offline", full_page=False)
        context.set_offline(False)
        assert page.offsite_requests == []
    finally:
        context.close()

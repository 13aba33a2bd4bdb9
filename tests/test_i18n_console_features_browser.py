"""The import preview and digest control in German and Arabic, on a 1280 x 800 console screen and a
360 px phone: the longer German words and the right-to-left page fit without sideways scrolling.
Screenshots go to test-artifacts/screenshots/i18n-features-<lang>-<page>-<width>.png."""
from __future__ import annotations

import pytest
from conftest import PHONE_VIEWPORT, screenshot
from test_i18n_console_features import SAMPLE, compiled_catalogs  # noqa: F401  (the fixture, the real export)

HEADINGS = {
    "de": {"preview": "Wie die Datei gelesen wird", "digests": "Follow-up-Zusammenfassung"},
    "ar": {"preview": "كيف يُقرأ الملف", "digests": "ملخص المتابعة"},
}
UPLOAD = {"de": "Hochladen und Vorschau", "ar": "ارفع وعاين"}
LOG_IN = {"de": "Anmelden", "ar": "تسجيل الدخول"}
# Anything wider than its box on purpose scrolls inside a .table-wrap; other overflow is a bug.
OVERFLOWING = """() => [...document.querySelectorAll('main *')].filter(el => {
  if (el.closest('.table-wrap, select, option, iframe, svg')) return false;
  const box = el.getBoundingClientRect();
  return box.width > 0 && (box.right > window.innerWidth + 1 || box.left < -1);
}).map(el => el.tagName + '.' + el.className + ': ' + (el.textContent || '').trim().slice(0, 40))"""


@pytest.mark.browser
@pytest.mark.parametrize("language,direction", [("de", "ltr"), ("ar", "rtl")])
def test_import_preview_and_digest_control_fit_in_german_and_arabic(browser, live_server, make_event, make_attendee,
                                                                   tmp_path, language, direction):
    from eventnet.auth.services import create_login_link
    from eventnet.extensions import db

    event = make_event(slug=f"fit-{language}", name="Internationale Bahndaten-Konferenz")
    organizer = make_attendee(event, f"maren-{language}@example.org", "Maren Falk", role="organizer",
                              language=language)
    with live_server.app.app_context():  # the link is made on the served app's BASE_URL
        link = create_login_link(db.session.merge(organizer), f"/e/{event.slug}/organizer/import")
        db.session.commit()
    sample = tmp_path / "eventbrite-attendees.csv"
    sample.write_bytes(SAMPLE)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=language)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(link.url)
        page.get_by_role("button", name=LOG_IN[language]).click()
        page.locator("#import-file").set_input_files(str(sample))
        page.get_by_role("button", name=UPLOAD[language]).click()
        page.get_by_text(HEADINGS[language]["preview"]).first.wait_for()
        urls = {"preview": page.url, "digests": f"{live_server.url}/e/{event.slug}/organizer/digests"}
        for width, height in ((1280, 800), (PHONE_VIEWPORT["width"], PHONE_VIEWPORT["height"])):
            page.set_viewport_size({"width": width, "height": height})
            for name, url in urls.items():
                page.goto(url)
                assert page.locator("html").get_attribute("dir") == direction, name
                assert page.get_by_text(HEADINGS[language][name]).first.is_visible(), name
                screenshot(page, f"i18n-features-{language}-{name}-{width}")
                wide = page.evaluate("document.documentElement.scrollWidth") - page.evaluate("window.innerWidth")
                assert wide <= 0, f"the {name} page scrolls sideways by {wide} px in {language} at {width} px"
                assert page.evaluate(OVERFLOWING) == [], f"{name} in {language} at {width} px"
    finally:
        context.close()

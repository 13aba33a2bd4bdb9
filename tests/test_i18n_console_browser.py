"""The console's dashboard and attendee list in German and Arabic, at a laptop (1280 x 800) and on
a phone (360 x 740): the longer German words and the right-to-left page still fit, nothing scrolls
sideways and no text of the attendee table is cut off (only a person's own long name, address or
company may end in an ellipsis: its title shows it whole). Screenshots:
test-artifacts/screenshots/i18n-console-<lang>-<page>-<width>.png."""
from __future__ import annotations

import pytest
from conftest import screenshot
from test_console_browser import VIEWPORTS, Desk
from test_i18n_console import compiled_catalogs  # noqa: F401  (the fixture compiles the catalogs)

from eventnet.auth.services import create_login_link
from eventnet.extensions import db

HEADINGS = {"de": {"dashboard": "Austausche pro Stunde", "attendees": "Teilnehmende Person hinzufügen"},
            "ar": {"dashboard": "التبادلات في الساعة", "attendees": "أضف مشاركًا"}}
LOG_IN = {"de": "Anmelden", "ar": "تسجيل الدخول"}
PATHS = {"dashboard": "/", "attendees": "/attendees"}

# Elements of the table whose text is cut (wider than their box while their box hides what spills).
# A cell with a title is a person's own data, cut on purpose with its whole value in the title.
CLIPPED = """() => [...document.querySelectorAll(
    '.attendee-table th, .attendee-table td, .attendee-table td *, .bulk-bar *, .list-filters *, .list-count')]
  .filter(el => el.offsetParent !== null && !el.closest('[title]') && !el.closest('.visually-hidden'))
  .filter(el => {
    const style = getComputedStyle(el);
    // A column header lets its text spill: it must still fit its column.
    if (el.tagName === 'TH' || ['hidden', 'clip'].includes(style.overflowX)) return el.scrollWidth > el.clientWidth + 1;
    // A box that lets its text spill (the row menu's cell) must still hold its button.
    const cell = el.tagName === 'SUMMARY' && el.closest('td');
    return cell && el.getBoundingClientRect().width > cell.clientWidth + 1;
  })
  .map(el => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent.trim().slice(0, 60)}`)"""


@pytest.mark.parametrize("language,direction", [("de", "ltr"), ("ar", "rtl")])
def test_the_console_fits_in_german_and_arabic(browser, live_server, language, direction):
    desk = Desk(live_server)
    desk.maren.language = language
    db.session.commit()
    for width, viewport in VIEWPORTS.items():
        phone = viewport["width"] < 600
        context = browser.new_context(viewport=viewport, device_scale_factor=2 if phone else 1, is_mobile=phone,
                                      has_touch=phone, locale=language)
        try:
            page = context.new_page()
            page.set_default_timeout(10_000)
            link = create_login_link(db.session.merge(desk.maren))
            db.session.commit()
            page.goto(link.url)
            page.get_by_role("button", name=LOG_IN[language]).click()
            page.wait_for_url("**/organizer/")
            for name, path in PATHS.items():
                page.goto(desk.url(path))
                assert page.locator("html").get_attribute("dir") == direction
                assert page.get_by_text(HEADINGS[language][name]).first.is_visible(), (name, width)
                fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
                clipped = page.evaluate(CLIPPED) if name == "attendees" else []
                screenshot(page, f"i18n-console-{language}-{name}-{width}")
                assert fits, f"the {name} page scrolls sideways in {language} at {width} px"
                assert clipped == [], f"cut off in {language} at {width} px: {clipped}"
        finally:
            context.close()

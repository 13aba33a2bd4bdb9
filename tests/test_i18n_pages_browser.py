"""The attendee's pages in German and Arabic on a 360 px phone: longer German words and a
right-to-left page still fit without sideways scrolling. Screenshots go to
test-artifacts/screenshots/i18n-<lang>-<page>.png."""
from __future__ import annotations

import pytest
from conftest import PHONE_VIEWPORT, screenshot
from test_i18n_pages import compiled_catalogs, pages, world  # noqa: F401  (fixtures and page addresses)

# A heading of each page in the language: the page was really translated, not only laid out.
HEADINGS = {
    "de": {"contact": "Worüber haben Sie gesprochen?", "book": "Nehmen Sie Ihre Kontakte mit",
           "profile": "Ihr Profil", "followups": "Meine Follow-ups", "home": "Wer meine Karte hat"},
    "ar": {"contact": "عمّ تحدثتما؟", "book": "خذ جهات اتصالك معك", "profile": "ملفك الشخصي", "followups": "متابعاتي",
           "home": "اختر ما يحصل عليه كل شخص"},
}
LOG_IN = {"de": "Anmelden", "ar": "تسجيل الدخول"}


@pytest.mark.parametrize("language,direction", [("de", "ltr"), ("ar", "rtl")])
def test_the_attendees_pages_fit_a_phone_in_german_and_arabic(browser, live_server, world, language, direction):
    from eventnet.auth.services import create_login_link
    from eventnet.extensions import db

    event, me, connection = world(language)
    with live_server.app.app_context():  # the served app's BASE_URL goes into the link
        link = create_login_link(db.session.merge(me))
        db.session.commit()
    # The login confirmation comes before the choice is known: the browser asks for the language too.
    context = browser.new_context(viewport=PHONE_VIEWPORT, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale=language)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(link.url)
        page.get_by_role("button", name=LOG_IN[language]).click()
        page.wait_for_load_state()
        for name, path in pages(event, connection).items():
            page.goto(live_server.url + path)
            assert page.locator("html").get_attribute("dir") == direction, name
            assert page.get_by_text(HEADINGS[language][name]).first.is_visible(), name
            fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            screenshot(page, f"i18n-{language}-{name}")
            assert fits, f"the {name} page scrolls sideways in {language}"
    finally:
        context.close()

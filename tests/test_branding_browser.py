"""The event's look in a real Chromium: the organizer's look page at 1280 and 360 px (axe-core in
light and dark mode, with a refused colour on show), the branded home on a phone, and the login
email's HTML as a mail client draws it (the inline logo from its cid: part).

Screenshots to look at: branding-settings-1280.png, branding-settings-360.png,
branding-settings-refused-360.png, branding-home-360.png, branding-email.png.
"""
from __future__ import annotations

import base64
import re

from playwright.sync_api import expect

from conftest import screenshot
from test_accessibility_browser import a11y_page  # noqa: F401  (the fixture: a phone page that lets axe in)
from test_accessibility_browser import PHONE, SCHEMES, _brand, axe_violations, describe_violations, focus_walk, \
    log_in, make_world, unfocus

from eventnet.attendees.services import upsert_attendee
from eventnet.extensions import db

DESKTOP = {"width": 1280, "height": 900}


def _organizer(world):
    olu = upsert_attendee(world.event, "olu@example.org", "Olu Organizer", role="organizer").attendee
    db.session.commit()
    return olu


def _axe_both_schemes(page, name: str) -> dict:
    found = {}
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        unfocus(page)
        screenshot(page, f"{name}-{scheme}")
        problems = describe_violations(axe_violations(page)).splitlines() + focus_walk(page)
        if problems:
            found[scheme] = "\n".join(problems)
    page.emulate_media(color_scheme="light")
    return found


def test_the_look_page_passes_axe_at_1280_and_360_in_light_and_dark(a11y_page, live_server):
    world = make_world(live_server)
    _brand(world)
    olu = _organizer(world)
    found = {}
    for viewport, label in ((DESKTOP, "1280"), (PHONE, "360")):
        page = a11y_page(viewport)
        log_in(page, world, olu)
        page.goto(world.url("/e/conf/organizer/look"))
        page.get_by_role("heading", name="The event's look").wait_for()
        # app.js shows the colour picker beside the text field, and keeps them in step.
        picker = page.locator("#accent-picker")
        assert picker.is_visible() and picker.input_value() == "#7b2cbf"
        screenshot(page, f"branding-settings-{label}")
        found.update({f"{label} {k}": v for k, v in _axe_both_schemes(page, f"branding-settings-{label}").items()})
        if label == "360":
            page.get_by_role("textbox", name="Colour", exact=True).fill("#ffff00")
            page.get_by_role("button", name="Save colour").click()
            page.locator("#accent-color-error").wait_for()
            assert "#757500" in page.locator("#accent-color-error").inner_text()
            screenshot(page, "branding-settings-refused-360")
            found.update({f"refused {k}": v for k, v in _axe_both_schemes(page, "branding-settings-refused-360").items()})
            page.get_by_role("button", name="Use #757500").click()
            page.get_by_text("The accent colour is now #757500.").wait_for()
            # The page itself now wears the new accent: the Save button's background (waited for:
            # the theme stylesheet is a request of its own, slower than the flash on a loaded machine).
            expect(page.get_by_role("button", name="Save colour")).to_have_css("background-color", "rgb(117, 117, 0)")
    assert not found, "\n".join(f"--- {k}:\n{v}" for k, v in found.items())


def test_the_branded_home_on_a_phone_wears_the_accent_in_light_and_dark(a11y_page, live_server):
    world = make_world(live_server)
    _brand(world)
    page = a11y_page(PHONE)
    log_in(page, world)
    page.goto(world.url("/e/conf/"))
    logo = page.locator("img.brand-logo")
    logo.wait_for()
    assert logo.get_attribute("alt") == ""
    assert page.get_by_role("link", name="Rail Data Summit").is_visible()
    # The image really loaded (a broken image has no natural width).
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
    accents = {}
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        accents[scheme] = page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
        screenshot(page, f"branding-home-360-{scheme}")
    assert accents == {"light": "#7b2cbf", "dark": "#b785e3"}
    page.emulate_media(color_scheme="light")
    screenshot(page, "branding-home-360")
    # The header keeps to one line of 44 px + borders with the logo in it.
    height = page.locator(".site-header").evaluate("el => el.getBoundingClientRect().height")
    assert height <= 54, height


def test_the_login_email_as_a_mail_client_shows_it(a11y_page, live_server):
    """The email's HTML with its cid: logo drawn from the message's own image part (as a mail
    client does), in a page that may load nothing from the network."""
    from eventnet.auth.services import request_login
    from eventnet.mail.models import OutboxMessage
    from eventnet.mail.outbox import build_message

    world = make_world(live_server)
    _brand(world)
    request_login(world.event, world.me.email)
    db.session.commit()
    row = db.session.execute(db.select(OutboxMessage).filter_by(kind="login_link")).scalars().one()
    msg = build_message(row)
    html = msg.get_body(("html",)).get_content()
    for part in msg.walk():
        if part.get_content_maintype() == "image":
            cid = part["Content-ID"].strip("<>")
            data = base64.b64encode(part.get_content()).decode()
            html = html.replace(f"cid:{cid}", f"data:{part.get_content_type()};base64,{data}")
    assert "cid:" not in html and not re.search(r'src="https?:', html)
    page = a11y_page({"width": 600, "height": 800})
    page.set_content(html)
    assert page.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    button = page.get_by_role("link", name=re.compile("^Log in to"))
    assert button.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(123, 44, 191)"
    screenshot(page, "branding-email")

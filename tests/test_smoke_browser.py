"""The newcomer's path on a phone: log in from the emailed link, fill the profile, show the QR."""
import base64
import re

from playwright.sync_api import expect

from eventnet.mail.services import send_due


def test_login_edit_profile_and_show_my_qr(live_server, phone, make_event, make_attendee):
    event = make_event(name="Smoke Conf")
    make_attendee(event, email="sam@example.org", name="Sam Smoke", headline="")
    base = live_server.url

    phone.goto(f"{base}/")
    phone.get_by_role("link", name="Log in to Smoke Conf").click()
    phone.get_by_label("Email address").fill("sam@example.org")
    phone.get_by_role("button", name="Email me a login link").click()
    expect(phone.get_by_role("heading", name="Check your email")).to_be_visible()
    assert send_due() == 1

    # The link arrives in the development mailbox, which the browser reads like a webmail.
    phone.goto(f"{base}/dev/mail/")
    phone.get_by_role("link", name="Your login link for Smoke Conf").click()
    phone.locator(".mail-body a", has_text="/login/").first.click()
    phone.get_by_role("button", name="Log in").click()
    expect(phone.get_by_role("heading", name="Hello, Sam Smoke")).to_be_visible()

    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Profile").click()
    phone.get_by_role("textbox", name="Headline").fill("Makes conferences friendlier")
    phone.get_by_role("textbox", name="I can help with").fill("event tech, Python")
    phone.get_by_role("textbox", name="LinkedIn").fill("linkedin.com/in/sam-smoke")
    phone.get_by_role("button", name="Save profile").click()
    expect(phone.get_by_text("Saved", exact=False).first).to_be_visible()

    phone.get_by_role("navigation", name="Main").get_by_role("link", name="My QR").click()
    expect(phone.get_by_role("heading", name="Sam Smoke")).to_be_visible()
    qr = phone.locator("img.qr")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 250, "the QR must fill a phone screen to scan well"
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    # The image really is the badge QR, inline in the page (so that the saved page shows it
    # offline): the same SVG the badge's own QR address serves.
    src = qr.get_attribute("src")
    assert src.startswith("data:image/svg+xml;base64,")
    card = phone.get_by_role("link", name="See my card").get_attribute("href")
    assert re.fullmatch(r"/b/[A-Za-z0-9_-]{32,}", card)
    assert base64.b64decode(src.split(",", 1)[1]) == phone.request.get(f"{base}{card}/qr.svg").body()

    # The public card shows the headline just saved.
    phone.goto(base + card)
    expect(phone.get_by_text("Makes conferences friendlier", exact=True)).to_be_visible()  # the card; the head line has it too

"""The app as it is deployed: HTTPS through nginx in front of several gunicorn workers, in
production mode, with Redis and a real SMTP server. A suite that only ever spoke plain HTTP to
one process once hid that nobody could log in over HTTPS."""
from __future__ import annotations

import os
import re
import ssl
from http.client import HTTPSConnection
from urllib.parse import urlencode, urlsplit

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, guard_offsite, screenshot
from deployed import Deployment, spki_hash
from playwright.sync_api import expect
from y4m import write_y4m

from eventnet.connections.models import Connection
from eventnet.extensions import db

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "").strip()
CODE = re.compile(r"^\s+(\d{6})\s*$", re.MULTILINE)


@pytest.fixture
def deployed(app, smtp_server, tmp_path):
    """gunicorn (3 workers) behind nginx with TLS, on this test's database, Redis and SMTP server."""
    if not TEST_REDIS_URL:
        pytest.fail("TEST_REDIS_URL is not set: the deployed tests need a Redis (scripts/test.sh sets it)")
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    # Its own key prefix in Redis: counters of an earlier run never leak into this one.
    with Deployment(tmp_path / "deployed", database_url, smtp_server.url, workers=3, redis_url=TEST_REDIS_URL,
                    extra_env={"REDIS_KEY_PREFIX": f"eventnet-test-{os.urandom(4).hex()}"}) as deployment:
        yield deployment
    log = deployment.log()
    assert "Traceback" not in log, log[-4000:]


@pytest.fixture
def people(make_event, make_attendee):
    event = make_event(slug=f"conf-{os.urandom(3).hex()}")
    alice = make_attendee(event, "alice@example.org", "Alice Able", headline="Data engineer", shared_fields=["headline"])
    bob = make_attendee(event, "bob@example.org", "Bob Baker")
    return event, alice, bob


def last_login_email(smtp_server, address: str) -> tuple[str, str]:
    """(link, code) of the newest email the SMTP server received for `address`."""
    mine = [m for m in smtp_server.messages() if m["To"] == address]
    assert mine, f"no email reached {address}"
    body = mine[-1].get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https://\S+/login/\S+", body).group(0), CODE.search(body).group(1)


# ----------------------------------------------------------------------------- a phone over HTTPS


@pytest.mark.browser
def test_a_phone_logs_in_by_link_and_code_scans_and_writes_a_note_over_https(
        playwright_instance, deployed, smtp_server, people, tmp_path):
    event, alice, bob = people
    slug, url = event.slug, deployed.url
    video = write_y4m(tmp_path / "alice.y4m", [f"{url}/b/{alice.badge_token}"])
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=[
        *CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={spki_hash(deployed.cert)}",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    guard_offsite(page)
    failures = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    try:
        # 1. The emailed link.
        page.goto(f"{url}/e/{slug}/login")
        page.get_by_label("Email address").fill(bob.email)
        page.get_by_role("button", name="Email me a login link").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        deployed.send_mail()
        link, _ = last_login_email(smtp_server, bob.email)
        assert link.startswith(f"{url}/login/")
        page.goto(link)
        expect(page.get_by_role("heading", name="Log in as Bob Baker?")).to_be_visible()
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Hello, Bob Baker")).to_be_visible()
        assert page.url == f"{url}/e/{slug}/"
        [cookie] = [c for c in context.cookies() if c["name"] == "eventnet_session"]
        assert cookie["secure"] and cookie["httpOnly"]
        assert page.evaluate("window.isSecureContext")

        # 2. Logged out, and back in with the typed code.
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_text("You are logged out.")).to_be_visible()
        page.goto(f"{url}/e/{slug}/login")
        page.get_by_label("Email address").fill(bob.email)
        page.get_by_role("button", name="Email me a login link").click()
        deployed.send_mail()
        _, code = last_login_email(smtp_server, bob.email)
        page.get_by_label("Code from the email").fill(code)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Hello, Bob Baker")).to_be_visible()

        # 3. The in-app scanner decodes Alice's badge from the camera; a note goes with the card.
        page.goto(f"{url}/e/{slug}/scan")
        card = page.locator(".scan-card")
        expect(card.get_by_role("heading", name="Alice Able")).to_be_visible()
        expect(card).to_contain_text("Data engineer")
        page.get_by_label("Your private note").fill("Met over HTTPS: data lakes")
        page.get_by_role("button", name="Save note").click()
        expect(card.locator("[data-note-state]")).to_have_text("Saved")
        screenshot(page, "deployed-https-scanner-360")
        # The offline shell works on the real origin too: the service worker is active there.
        page.wait_for_function("navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))")
    finally:
        context.close()
        browser.close()
    assert failures == []
    assert page.offsite_requests == []
    db.session.expire_all()
    mine = db.session.execute(db.select(Connection).filter_by(owner_id=bob.id)).scalar_one()
    assert mine.contact_id == alice.id and mine.note == "Met over HTTPS: data lakes"


# ----------------------------------------------------------------------------- HTTPS, without a browser


class Visitor:
    """One HTTPS client of the deployment, from its own loopback address (127.0.0.N).

    nginx sees each visitor's own address and passes it on in X-Forwarded-For; the app, trusting
    one proxy, counts each visitor apart. Cookies are kept like a browser keeps them.
    """

    def __init__(self, deployment: Deployment, source: str = "127.0.0.1"):
        self.port, self.source, self.origin = deployment.port, source, deployment.url
        self.context = ssl.create_default_context(cafile=str(deployment.cert))
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        connection = HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=30,
                                     source_address=(self.source, 0))
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        if form is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, urlencode(form) if form is not None else None, sent)
        response = connection.getresponse()
        body = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response, body

    def form_token(self, path: str) -> str:
        _, page = self.request("GET", path)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def ask_for_link(self, slug: str, address: str, referer: bool = True):
        token = self.form_token(f"/e/{slug}/login")
        headers = {"Referer": f"{self.origin}/e/{slug}/login"} if referer else {}
        response, _ = self.request("POST", f"/e/{slug}/login", {"email": address, "csrf_token": token}, headers)
        return response.status


def test_https_headers_cookies_and_csrf_behind_the_proxy(deployed, people):
    event, alice, _ = people
    visitor = Visitor(deployed)
    response, _ = visitor.request("GET", f"/e/{event.slug}/login")
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000"
    assert response.getheader("Referrer-Policy") == "same-origin"
    cookie = response.getheader("Set-Cookie")
    assert "Secure" in cookie and "HttpOnly" in cookie
    # The app sees the visitor's https origin (ProxyFix), so Flask-WTF's strict Referer check is
    # on and passes for our own pages, and refuses a POST from elsewhere.
    assert visitor.ask_for_link(event.slug, alice.email) == 303
    assert visitor.ask_for_link(event.slug, alice.email, referer=False) == 400
    token = visitor.form_token(f"/e/{event.slug}/login")
    response, _ = visitor.request("POST", f"/e/{event.slug}/login", {"email": alice.email, "csrf_token": token},
                                  {"Referer": "https://evil.example/"})
    assert response.status == 400
    # Redirects stay on the public https origin.
    response, _ = visitor.request("GET", f"/e/{event.slug}/")
    assert response.status in (302, 303) and urlsplit(response.getheader("Location")).scheme in ("", "https")


def test_rate_limits_are_shared_by_workers_and_count_each_visitor_behind_the_proxy(deployed, people, make_attendee):
    event, alice, _ = people
    slug = event.slug
    # A crowd behind one address (the venue's Wi-Fi): 45 people ask for their links, none refused.
    crowd = [make_attendee(event) for _ in range(45)]
    venue = Visitor(deployed, "127.0.0.45")
    assert [venue.ask_for_link(slug, person.email) for person in crowd] == [303] * 45
    # One address asked for again and again, from many visitors and through three workers: the
    # workers count together (Redis), so the sixth request in a quarter hour is refused.
    statuses = [Visitor(deployed, f"127.0.1.{n}").ask_for_link(slug, alice.email) for n in range(6)]
    assert statuses == [303] * 5 + [429]
    # A visitor who forges X-Forwarded-For is still counted by the address nginx saw.
    script = Visitor(deployed, "127.0.2.1")
    token = script.form_token(f"/e/{slug}/login")
    statuses = []
    for n in range(301):
        response, _ = script.request("POST", f"/e/{slug}/login",
                                     {"email": f"nobody{n}@example.org", "csrf_token": token},
                                     {"Referer": f"{deployed.url}/e/{slug}/login", "X-Forwarded-For": f"10.0.{n // 250}.{n % 250}"})
        statuses.append(response.status)
    assert statuses[:300] == [303] * 300 and statuses[300] == 429
    # ... and nobody else is.
    assert Visitor(deployed, "127.0.2.2").ask_for_link(slug, "someone@example.org") == 303

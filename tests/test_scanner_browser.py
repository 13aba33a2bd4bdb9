"""The scanner in a real Chromium with a fake camera: decoding, the offline queue, the service worker.

The camera is Chromium's fake capture device playing a Y4M file that the test draws from the
qrcode package's matrix of a real badge URL (tests/y4m.py). Headless Chromium on Linux has no
native BarcodeDetector, so the camera tests decode with the vendored zxing-wasm fallback; the
native path is tested with a stand-in BarcodeDetector that reports QR support.
"""
from __future__ import annotations

import json
import re

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, guard_offsite, screenshot
from playwright.sync_api import expect
from y4m import write_y4m

from eventnet.auth.services import create_login_link
from eventnet.badges.services import badge_url
from eventnet.connections.models import Connection, Scan
from eventnet.promises.models import Promise
from eventnet.extensions import db

pytestmark = pytest.mark.browser

# Every test lists live_server after the fixtures that make data: its app context is then the
# current one, so badge_url() and login links carry the live server's address.

CAMERA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture
def camera(playwright_instance, tmp_path):
    """Open phone pages in a Chromium whose camera plays a video of the given QR payloads."""
    launched = []

    def open_page(payloads: list[str] | None, *, permission: bool = True):
        args = list(CHROMIUM_ARGS)
        if payloads is not None:
            video = write_y4m(tmp_path / f"camera-{len(launched)}.y4m", payloads)
            args += [*CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"]
            if not permission:
                args.remove("--use-fake-ui-for-media-stream")
        browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=args)
        context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                      is_mobile=True, has_touch=True)
        launched.append((browser, context))
        page = context.new_page()
        page.set_default_timeout(15_000)
        guard_offsite(page)
        return page

    yield open_page
    for browser, context in launched:
        pages = context.pages
        context.close()
        browser.close()
        for page in pages:
            assert page.offsite_requests == [], f"the page tried to reach {page.offsite_requests}"


def log_in(page, attendee):
    link = create_login_link(attendee)
    db.session.commit()
    page.goto(link.url)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/e/[^/]+/"))


def connections_of(attendee) -> list[Connection]:
    db.session.expire_all()
    return db.session.execute(db.select(Connection).filter_by(owner_id=attendee.id)).scalars().all()


def wait_synced(page, timeout=30_000):
    page.wait_for_function("() => document.querySelector('[data-queue-count]').dataset.waiting === '0'", timeout=timeout)


def waiting(page) -> int:
    return int(page.locator("[data-queue-count]").get_attribute("data-waiting"))


@pytest.fixture
def people(make_event, make_attendee):
    event = make_event(slug="conf")
    alice = make_attendee(event, "alice@example.org", "Alice Able", headline="Data engineer",
                          shared_fields=["headline"])
    bob = make_attendee(event, "bob@example.org", "Bob Baker")
    return event, alice, bob


# ----------------------------------------------------------------------------- the camera


def test_fake_camera_badge_is_decoded_and_the_contact_appears(camera, people, live_server):
    event, alice, bob = people
    page = camera([badge_url(alice)])
    wasm = []
    page.on("response", lambda r: wasm.append(r) if r.url.endswith(".wasm") else None)
    log_in(page, bob)
    page.goto(f"{live_server.url}/e/conf/scan")
    card = page.locator(".scan-card")
    expect(card.get_by_role("heading", name="Alice Able")).to_be_visible()
    expect(card).to_contain_text("Cards exchanged")
    expect(card).to_contain_text("Data engineer")
    expect(page.get_by_label("Your private note")).to_be_visible()
    expect(page.locator("[data-strip]")).to_contain_text("Alice Able")
    # Headless Chromium on Linux has no native BarcodeDetector: the fallback decoded the frame.
    native = page.evaluate("'BarcodeDetector' in window")
    decoder = page.evaluate("window.eventnetScanner.decoder")
    print(f"\nnative BarcodeDetector present: {native}; decoder used: {decoder}")
    assert decoder == ("native" if native else "zxing")
    if decoder == "zxing":
        # The wasm came from our route, compressed, never from a CDN.
        assert wasm and wasm[0].url.startswith(f"{live_server.url}/scanner/decoder/")
        assert wasm[0].headers["content-encoding"] in ("gzip", "br")
    # The camera keeps seeing the badge: still one connection, one scan.
    page.wait_for_timeout(1500)
    mine = connections_of(bob)
    assert [c.contact_id for c in mine] == [alice.id]
    assert len(db.session.execute(db.select(Scan).filter_by(scanner_id=bob.id)).scalars().all()) == 1

    # A note written on the card reaches the server.
    page.get_by_label("Your private note").fill("Works on: data lakes")
    page.get_by_role("button", name="Save note").click()
    expect(card.locator("[data-note-state]")).to_have_text("Saved")
    db.session.expire_all()
    assert connections_of(bob)[0].note == "Works on: data lakes"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_forced_fallback_decodes_too(camera, people, live_server):
    event, alice, bob = people
    page = camera([badge_url(alice)])
    log_in(page, bob)
    page.goto(f"{live_server.url}/e/conf/scan?decoder=fallback")
    expect(page.locator(".scan-card").get_by_role("heading", name="Alice Able")).to_be_visible()
    assert page.evaluate("window.eventnetScanner.decoder") == "zxing"


# A stand-in for the native detector of Android and macOS Chrome: it "reads" whatever the test
# puts in window.__nativeQr. With it the page must not load the vendored decoder at all.
NATIVE_STUB = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ["qr_code", "ean_13"]; }
  constructor(options) { this.formats = options.formats; }
  async detect(source) {
    const text = window.__nativeQr; window.__nativeQr = null;
    return text ? [{ rawValue: text, format: "qr_code" }] : [];
  }
};
"""


def test_native_detector_is_used_and_the_fallback_never_loaded(camera, people, live_server):
    event, alice, bob = people
    page = camera([badge_url(bob)])  # the video is irrelevant here: the stand-in reads __nativeQr
    page.add_init_script(NATIVE_STUB)
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    log_in(page, bob)
    page.goto(f"{live_server.url}/e/conf/scan")
    page.wait_for_function("() => window.eventnetScanner && window.eventnetScanner.decoder === 'native'")
    page.evaluate("url => { window.__nativeQr = url; }", badge_url(alice))
    expect(page.locator(".scan-card").get_by_role("heading", name="Alice Able")).to_be_visible()
    assert not [url for url in requested if "/scanner/decoder/" in url]
    assert [c.contact_id for c in connections_of(bob)] == [alice.id]


def test_after_scan_sheet_has_the_private_keep_in_touch_switch(camera, people, live_server):
    event, alice, bob = people
    page = camera([badge_url(bob)])
    page.add_init_script(NATIVE_STUB)
    log_in(page, bob)
    page.goto(f"{live_server.url}/e/conf/scan")
    page.wait_for_function("() => window.eventnetScanner && window.eventnetScanner.decoder === 'native'")
    page.evaluate("url => { window.__nativeQr = url; }", badge_url(alice))
    sheet = page.locator(".scan-sheet")
    switch = sheet.get_by_role("switch", name="I'd like to stay in touch")
    # Once the scan is on the server the switch points at the new contact; htmx swaps the answer.
    expect(switch).to_be_visible()
    switch.focus()
    page.keyboard.press("Enter")
    expect(sheet.get_by_role("switch", name="I'd like to stay in touch")).to_have_attribute("aria-checked", "true")
    expect(sheet.get_by_text("Marked, privately.")).to_be_visible()
    db.session.expire_all()
    [mine] = connections_of(bob)
    assert mine.keep_in_touch_at is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    sheet.get_by_role("switch", name="I'd like to stay in touch").scroll_into_view_if_needed()
    screenshot(page, "keep-in-touch-scan-sheet-360", full_page=False)


# Some Android builds: a BarcodeDetector that claims QR codes and rejects every detect().
REJECTING_STUB = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ["qr_code"]; }
  constructor(options) { this.formats = options.formats; }
  async detect(source) { window.__rejections = (window.__rejections || 0) + 1; throw new DOMException("nope", "NotSupportedError"); }
};
"""


def test_a_native_detector_that_always_rejects_gives_way_to_the_bundled_one(camera, people, live_server):
    event, alice, bob = people
    page = camera([badge_url(alice)])
    page.add_init_script(REJECTING_STUB)
    log_in(page, bob)
    page.goto(f"{live_server.url}/e/conf/scan")
    page.wait_for_function("() => window.eventnetScanner && window.eventnetScanner.decoder === 'native'")
    # After a run of rejections (about two seconds) the bundled decoder reads the camera.
    expect(page.locator(".scan-card").get_by_role("heading", name="Alice Able")).to_be_visible(timeout=20_000)
    assert page.evaluate("window.eventnetScanner.decoder") == "zxing"
    assert page.evaluate("window.__rejections") >= 15
    assert page.locator("[data-decoder]").first.get_attribute("data-decoder") == "zxing"
    assert [c.contact_id for c in connections_of(bob)] == [alice.id]


def test_a_foreign_qr_is_ignored_with_a_message(camera, people, live_server):
    event, alice, bob = people
    page = camera(["https://evil.example.com/b/abcdefghijklmnop"])
    scan_posts = []
    page.on("request", lambda r: scan_posts.append(r.url) if "/api/" in r.url and r.method == "POST" else None)
    log_in(page, bob)
    page.goto(f"{live_server.url}/e/conf/scan")
    expect(page.locator("[data-status]")).to_have_text("That QR code is not a badge of this event, so it was ignored.")
    expect(page.locator(".scan-card")).to_have_count(0)
    assert page.url == f"{live_server.url}/e/conf/scan"  # nobody was sent anywhere
    # Look-alikes fed through the same path are ignored as well.
    for text in (f"{live_server.url}/e/conf/", f"{live_server.url}/b/../e/conf", "WIFI:S:hall;T:WPA;P:x;;",
                 f"http://127.0.0.1:1/b/{alice.badge_token}", f"{live_server.url}/b/{alice.badge_token}/extra"):
        assert page.evaluate("t => window.eventnetScanner.handleDecoded(t)", text) == {"ignored": True}, text
    assert scan_posts == [] and connections_of(bob) == []


def test_camera_denied_shows_instructions_and_the_code_works(camera, people, live_server):
    event, alice, bob = people
    page = camera([badge_url(alice)], permission=False)
    page.context.grant_permissions([])  # no camera permission: getUserMedia is refused
    log_in(page, bob)
    page.goto(f"{live_server.url}/e/conf/scan")
    help_box = page.locator("[data-camera-help]")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("The camera is blocked for this site")
    expect(help_box.locator("[data-platform=desktop]")).to_be_visible()
    expect(page.locator(".scanner-view")).to_be_hidden()
    page.get_by_label("Code under the QR").fill(alice.short_code.lower())
    page.get_by_role("button", name="Exchange cards").click()
    expect(page).to_have_url(re.compile(r"/e/conf/contacts/\d+$"))
    expect(page.get_by_text("Alice Able").first).to_be_visible()
    assert [c.contact_id for c in connections_of(bob)] == [alice.id]


def test_ios_safari_gets_its_own_instructions(playwright_instance, people, live_server):
    event, alice, bob = people
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
            user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                       "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
        page = context.new_page()
        guard_offsite(page)
        # Safari with the camera refused: getUserMedia rejects with NotAllowedError.
        page.add_init_script("""navigator.mediaDevices.getUserMedia = () =>
            Promise.reject(new DOMException("denied", "NotAllowedError"));""")
        log_in(page, bob)
        page.goto(f"{live_server.url}/e/conf/scan")
        ios = page.locator("[data-platform=ios]")
        expect(ios).to_be_visible()
        expect(ios).to_contain_text("Website Settings")
        expect(page.locator("[data-platform=android]")).to_be_hidden()
        assert page.offsite_requests == []
    finally:
        browser.close()


def test_search_by_name_then_the_code_they_show_exchanges_cards(phone, people, live_server, tmp_path):
    event, alice, bob = people
    log_in(phone, bob)
    phone.goto(f"{live_server.url}/e/conf/scan")
    phone.get_by_label("Name, company or headline").fill("ali")
    phone.get_by_role("button", name="Search").click()
    expect(phone).to_have_url(f"{live_server.url}/e/conf/scan/search?q=ali")
    hit = phone.locator(".search-hit", has_text="Alice Able")
    expect(hit).to_contain_text("Data engineer")
    # Finding her is not meeting her: no way to her card, only to the code she can show.
    expect(hit.get_by_role("link")).to_have_attribute("href", "#code-input")
    assert phone.locator('a[href*="/b/"]').count() == 0
    screenshot(phone, "scanner-search-360", full_page=False)
    # Typing narrows the list by htmx; the code form keeps the new query for its answer.
    phone.get_by_label("Name, company or headline").fill("alice able")
    expect(phone.locator("#code-q")).to_have_value("alice able")
    hit.get_by_role("link").click()
    phone.get_by_label("Code under the QR").fill("zzzzzzz")
    phone.get_by_role("button", name="Exchange cards").click()
    expect(phone.locator("#code-error")).to_contain_text("No badge of this event has that code")
    expect(hit).to_be_visible()
    assert connections_of(bob) == []
    phone.get_by_label("Code under the QR").scroll_into_view_if_needed()
    screenshot(phone, "scanner-search-code-error-360", full_page=False)
    phone.get_by_label("Code under the QR").fill(alice.short_code.lower())
    phone.get_by_role("button", name="Exchange cards").click()
    expect(phone).to_have_url(re.compile(r"/e/conf/contacts/\d+$"))
    assert [c.contact_id for c in connections_of(bob)] == [alice.id]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


# ----------------------------------------------------------------------------- the offline queue


@pytest.fixture
def crowd(people, make_attendee):
    event = people[0]
    return [make_attendee(event, f"guest{n}@example.org", f"Guest {n:02d}") for n in range(20)]


def open_scanner(page, live_server, attendee):
    log_in(page, attendee)
    page.goto(f"{live_server.url}/e/conf/scan")
    page.wait_for_function("() => window.eventnetScanner !== undefined")
    # The service worker controls the page once it has been installed and claimed it.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)


def feed(page, text):
    return page.evaluate("t => window.eventnetScanner.handleDecoded(t)", text)


def test_twenty_offline_scans_and_notes_arrive_once_when_back_online(phone, people, crowd, live_server):
    event, alice, bob = people
    open_scanner(phone, live_server, bob)
    phone.context.set_offline(True)
    for n, guest in enumerate(crowd):
        result = feed(phone, badge_url(guest))
        assert "client_uuid" in result
        expect(phone.locator(".scan-card [data-field=state]")).to_have_text("Saved, will sync")
        expect(phone.locator(".scan-card h2")).to_have_text("Scanned badge")
        note = phone.get_by_label("Your private note")
        note.fill(f"Offline note {n:02d}")
        phone.get_by_role("button", name="Save note").click()
        expect(phone.locator(".scan-card [data-note-state]")).to_have_text("Saved on this phone, will sync")
        # The sheet stays until "Next badge": the camera is paused while a card is open.
        phone.get_by_role("button", name="Next badge").click()
    assert waiting(phone) == 40
    expect(phone.locator("[data-queue-count]")).to_have_text("40 waiting to sync (offline)")
    assert connections_of(bob) == []

    # An edit of an earlier note while still offline replaces its queued version.
    entry = phone.locator("[data-strip] button").nth(3)
    edited_uuid = entry.get_attribute("data-uuid")
    entry.click()
    expect(phone.locator(".scan-card")).to_have_attribute("data-uuid", edited_uuid)
    phone.get_by_label("Your private note").fill("Edited while offline")
    phone.get_by_role("button", name="Save note").click()
    assert waiting(phone) == 40

    phone.context.set_offline(False)
    wait_synced(phone)
    mine = connections_of(bob)
    assert len(mine) == 20 and sorted(c.contact_id for c in mine) == sorted(g.id for g in crowd)
    assert len(db.session.execute(db.select(Scan).filter_by(scanner_id=bob.id)).scalars().all()) == 20
    notes = {c.contact_id: c.note for c in mine}
    edited = db.session.execute(db.select(Scan).filter_by(client_uuid=edited_uuid)).scalar_one()
    expected = {g.id: f"Offline note {n:02d}" for n, g in enumerate(crowd)}
    expected[edited.scanned_id] = "Edited while offline"
    assert notes == expected
    # The other side of each exchange exists once, without bob's note.
    for guest in crowd:
        theirs = connections_of(guest)
        assert [(c.contact_id, c.note) for c in theirs] == [(bob.id, "")]
    # Once synced, the strip and the card show names instead of "saved, will sync".
    expect(phone.locator("[data-strip]")).to_contain_text("Guest 19")
    expect(phone.locator(".scan-card h2")).not_to_have_text("Scanned badge")
    # A reload syncs nothing twice.
    phone.reload()
    wait_synced(phone)
    assert len(connections_of(bob)) == 20


def test_intent_star_and_tags_set_on_the_scanner_card_offline_arrive_once_online(phone, people, live_server):
    event, alice, bob = people
    open_scanner(phone, live_server, bob)
    phone.context.set_offline(True)
    feed(phone, badge_url(alice))
    card = phone.locator(".scan-card")
    # One thumb: a prompt chip opens its input, a chip picks the follow-up, a box stars; a
    # promise added on the sheet travels with the note.
    card.locator("summary", has_text="Works on").click()
    card.get_by_label("What do they work on?").fill("compilers")
    card.locator("summary", has_text="I promised").click()
    card.get_by_label("What did you promise?").fill("Send the Rust book")
    card.get_by_label("What did you promise?").press("Enter")
    expect(card.locator("[data-promise-list]")).to_have_text("Send the Rust book")
    expect(card.get_by_label("What did you promise?")).to_have_value("")
    card.get_by_label("Coffee").check()
    card.get_by_label("Star this contact").check()
    card.get_by_label("Tags").fill("Rust, hiring")
    card.get_by_role("button", name="Save note").click()
    expect(card.locator("[data-note-state]")).to_have_text("Saved on this phone, will sync")
    assert connections_of(bob) == []
    phone.context.set_offline(False)
    wait_synced(phone)
    expect(card.locator("[data-note-state]")).to_have_text("Saved")
    [mine] = connections_of(bob)
    assert (mine.note, mine.works_on, mine.tags, mine.starred, mine.intent) == ("", "compilers", ["rust", "hiring"], True,
                                                                                "coffee")
    assert [p.text for p in db.session.execute(db.select(Promise).filter_by(connection_id=mine.id)).scalars()] == [
        "Send the Rust book"]
    # Alice's side shows none of it.
    [theirs] = connections_of(alice)
    assert (theirs.note, theirs.tags, theirs.starred, theirs.intent) == ("", [], False, "none")
    # Opened again from the strip, the card shows what was saved.
    phone.get_by_role("button", name="Next badge").click()
    phone.locator("[data-strip] button").first.click()
    expect(card.get_by_label("Coffee")).to_be_checked()
    expect(card.get_by_label("Tags")).to_have_value("rust, hiring")


def test_a_failing_server_loses_nothing(phone, people, crowd, live_server):
    event, alice, bob = people
    open_scanner(phone, live_server, bob)
    failures = {"left": 6, "seen": 0}

    def flaky(route):
        failures["seen"] += 1
        if failures["left"] > 0:
            failures["left"] -= 1
            route.fulfill(status=500, content_type="text/html", body="<h1>Internal Server Error</h1>")
        else:
            route.fallback()

    phone.route("**/api/scans", flaky)
    for guest in crowd[:5]:
        feed(phone, badge_url(guest))
        phone.get_by_role("button", name="Next badge").click()
    # Scans a few seconds apart (each sheet closed by hand) fail one per run ("retry"); fed
    # faster, three in one run make the queue back off ("server"). Either way nothing is lost.
    phone.wait_for_function("() => window.eventnetScanner.queue.lastRun && "
                            "['server', 'retry'].includes(window.eventnetScanner.queue.lastRun.waiting)")
    assert waiting(phone) >= 1
    wait_synced(phone, timeout=60_000)
    assert failures["left"] == 0
    mine = connections_of(bob)
    assert sorted(c.contact_id for c in mine) == sorted(g.id for g in crowd[:5])
    expect(phone.locator("[data-strip] li")).to_have_count(5)
    expect(phone.locator("[data-strip]")).not_to_contain_text("Saved, will sync")


@pytest.mark.parametrize("answer", ["login_redirect", "csrf_403", "csrf_400_html", "timeout_then_network_error",
                                    "database_503"])
def test_auth_answers_and_network_errors_keep_items_queued(phone, people, answer, live_server):
    event, alice, bob = people
    open_scanner(phone, live_server, bob)
    blocked = {"on": True, "hits": 0}

    def refuse(route):
        if not blocked["on"]:
            route.fallback()
            return
        blocked["hits"] += 1
        if answer == "login_redirect":
            route.fulfill(status=302, headers={"Location": "/e/conf/login?next=/e/conf/scan"})
        elif answer == "csrf_403":
            route.fulfill(status=403, content_type="application/json",
                          body=json.dumps({"error": {"code": "csrf_failed", "message": "bad token"}}))
        elif answer == "csrf_400_html":
            route.fulfill(status=400, content_type="text/html", body="<h1>This form has expired</h1>")
        elif answer == "database_503":  # what eventnet.database_errors answers during an outage
            route.fulfill(status=503, headers={"Retry-After": "5"}, content_type="application/json",
                          body=json.dumps({"error": {"code": "database_unavailable", "message": "not now"}}))
        else:
            route.abort("timedout" if blocked["hits"] % 2 else "connectionreset")

    phone.route("**/api/scans", refuse)
    feed(phone, badge_url(alice))
    phone.wait_for_function("() => window.eventnetScanner.queue.lastRun && window.eventnetScanner.queue.lastRun.waiting")
    assert blocked["hits"] >= 1
    assert waiting(phone) == 1 and connections_of(bob) == []
    expect(phone.locator(".scan-card [data-field=state]")).to_have_text("Saved, will sync")
    blocked["on"] = False
    phone.evaluate("window.eventnetScanner.queue.sync()")
    wait_synced(phone, timeout=60_000)
    assert [c.contact_id for c in connections_of(bob)] == [alice.id]
    expect(phone.locator(".scan-card h2")).to_have_text("Alice Able")


def test_a_logged_out_phone_keeps_its_queue_for_the_same_attendee(phone, people, make_attendee, live_server):
    event, alice, bob = people
    carol = make_attendee(event, "carol@example.org", "Carol Chen")
    open_scanner(phone, live_server, bob)
    phone.context.set_offline(True)
    feed(phone, badge_url(alice))
    assert waiting(phone) == 1
    # The session ends while the phone is offline (logged out elsewhere, cookie gone).
    phone.context.clear_cookies()
    phone.context.set_offline(False)
    phone.evaluate("window.eventnetScanner.queue.sync()")
    phone.wait_for_function("() => window.eventnetScanner.queue.lastRun && window.eventnetScanner.queue.lastRun.waiting === 'login'")
    assert waiting(phone) == 1 and connections_of(bob) == []

    # Someone else logs in on this phone: bob's item waits, it never acts for carol.
    open_scanner(phone, live_server, carol)
    # Carol's own scanner page, never bob's saved copy.
    assert phone.locator("#scanner").get_attribute("data-attendee-id") == str(carol.id)
    expect(phone.locator("[data-queue-count]")).to_contain_text("1 from another account wait for its login")
    phone.wait_for_timeout(1500)
    assert connections_of(carol) == [] and connections_of(bob) == []

    # Bob logs in again: his scan goes out, as bob.
    open_scanner(phone, live_server, bob)
    wait_synced(phone)
    assert [c.contact_id for c in connections_of(bob)] == [alice.id]
    assert connections_of(carol) == []


def test_a_rejected_scan_leaves_the_queue_with_its_reason(phone, people, live_server):
    event, alice, bob = people
    open_scanner(phone, live_server, bob)
    feed(phone, badge_url(bob))  # his own badge
    wait_synced(phone)
    expect(phone.locator(".scan-card [data-field=state]")).to_contain_text("Not saved: You scanned your own badge")
    expect(phone.locator("[data-strip]")).to_contain_text("Not saved")
    assert connections_of(bob) == []


# ----------------------------------------------------------------------------- the service worker


def test_scanner_and_my_qr_reload_offline_from_the_service_worker(phone, people, live_server):
    event, alice, bob = people
    open_scanner(phone, live_server, bob)
    # The worker keeps my QR and the contact book without them having been opened.
    phone.wait_for_function("""async () => {
        const cache = await caches.open('eventnet-pages');
        const keys = (await cache.keys()).map(r => new URL(r.url).pathname);
        return ['/e/conf/scan', '/e/conf/me/qr', '/e/conf/contacts/'].every(p => keys.includes(p));
    }""")
    phone.context.set_offline(True)
    phone.reload()
    expect(phone.get_by_role("heading", name="Scan a badge")).to_be_visible()
    phone.wait_for_function("() => window.eventnetScanner !== undefined")
    assert feed(phone, badge_url(alice))["client_uuid"]
    expect(phone.locator(".scan-card [data-field=state]")).to_have_text("Saved, will sync")
    # The note's parts open offline too (no script or server needed for them).
    phone.locator(".scan-card summary", has_text="Works on").click()
    expect(phone.locator(".scan-card").get_by_label("What do they work on?")).to_be_visible()
    phone.goto(f"{live_server.url}/e/conf/me/qr")
    expect(phone.get_by_text(bob.short_code).first).to_be_visible()
    phone.goto(f"{live_server.url}/e/conf/contacts/")
    expect(phone.locator("main")).to_be_visible()
    phone.goto(f"{live_server.url}/e/conf/scan")
    phone.context.set_offline(False)
    wait_synced(phone)
    assert [c.contact_id for c in connections_of(bob)] == [alice.id]


def test_a_page_the_worker_missed_asks_to_be_claimed(phone, people, live_server):
    # A page whose navigation started while the worker was installing can miss the worker's
    # clients.claim() (CI caught it: the scanner stayed uncontrolled). A hard reload makes such a
    # page on purpose: Chromium sends it past the service worker. The page then asks to be claimed.
    event, alice, bob = people
    open_scanner(phone, live_server, bob)
    cdp = phone.context.new_cdp_session(phone)
    phone.evaluate("() => { window.beforeHardReload = true; }")
    cdp.send("Page.reload", {"ignoreCache": True})
    phone.wait_for_function("() => window.beforeHardReload === undefined && window.eventnetScanner !== undefined")
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=5_000)
    # Controlled from then on: the shell comes from the worker's cache.
    with phone.expect_response("**/static/css/app.css") as answer:
        phone.evaluate("() => fetch('/static/css/app.css').then(r => r.status)")
    assert answer.value.from_service_worker


def test_logging_out_forgets_the_cached_pages_but_not_the_queue(phone, people, live_server):
    event, alice, bob = people
    open_scanner(phone, live_server, bob)
    phone.wait_for_function("() => caches.open('eventnet-pages').then(c => c.keys()).then(k => k.length >= 3)")
    phone.context.set_offline(True)
    feed(phone, badge_url(alice))
    phone.context.set_offline(False)
    phone.route("**/api/scans", lambda route: route.abort())  # keep the item queued
    phone.goto(f"{live_server.url}/e/conf/")
    phone.get_by_role("button", name="Log out").click()
    phone.wait_for_function("() => caches.keys().then(k => !k.includes('eventnet-pages'))")
    count = phone.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open('eventnet-queue');
        open.onsuccess = () => open.result.transaction('queue').objectStore('queue').count().onsuccess =
            e => resolve(e.target.result);
    })""")
    assert count == 1

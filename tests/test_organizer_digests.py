"""Digest control and login emails from the console, through the real outbox and a real SMTP server."""
import re

import pytest

from eventnet.connections.services import record_scan
from eventnet.extensions import db
from eventnet.mail.models import OutboxMessage
from eventnet.mail.services import deliver_due
from tests.conftest import csrf_token

HX = {"HX-Request": "true"}


def send_all(app_factory, smtp_server):
    """Run the sender once, as `flask mail send` would, in an app of its own with SMTP configured."""
    smtp_app = app_factory(SMTP_URL=smtp_server.url)
    with smtp_app.app_context():
        report = deliver_due()
        db.session.remove()
    return report


@pytest.fixture
def console(client, login, make_event, make_attendee):
    event = make_event(slug="org", name="PyConf")
    maren = make_attendee(event, email="maren@example.org", name="Maren", role="organizer")
    ada = make_attendee(event, email="ada@example.org", name="Ada Nwosu")
    bo = make_attendee(event, email="bo@example.org", name="Bo Chen")
    record_scan(ada, bo.badge_token, "5f0c2b8e-2f7e-4a44-8d8e-0d7a3e1b0001", None)
    db.session.commit()
    login(client, maren)
    client.token = csrf_token(client, "/e/org/organizer/digests")
    # These tests are about what is sent; the cancel window has its own (test_organizer_console.py).
    client.application.config["MASS_MAIL_HOLD_SECONDS"] = 0
    return client, event, maren, ada, bo


def confirmed_post(client, path: str):
    """Press the confirmation page's button: GET the page, POST its form (with the signed count)."""
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"|type="hidden" name="token" value="([^"]+)"', page)
    assert token, f"no confirmation token on {path}"
    return client.post(path, data={"csrf_token": client.token, "token": token.group(1) or token.group(2)})


def counts(client) -> dict[str, int]:
    html = client.get("/e/org/organizer/digests").get_data(as_text=True)
    row = re.search(r'<tr data-kind="digests">(.*?)</tr>', html, re.S).group(1)
    return {s: int(n) for s, n in re.findall(r'data-status="(\w+)">(\d+)<', row)}


def test_pause_start_resume_send(console, app_factory, smtp_server):
    client, event, maren, ada, bo = console
    page = client.get("/e/org/organizer/digests").get_data(as_text=True)
    assert 'data-digest-state="scheduled"' in page and "the default: 09:00 the morning after" in page
    assert re.search(r"data-recipients>\s*3<", page)

    assert client.post("/e/org/organizer/digests/pause", data={"csrf_token": client.token}).status_code == 303
    started = confirmed_post(client, "/e/org/organizer/digests/start")
    assert "3 digests were queued. Sending is paused" in client.get(started.headers["Location"]).get_data(as_text=True)
    assert counts(client)["pending"] == 3
    assert send_all(app_factory, smtp_server).sent == 0  # paused: the sender leaves them waiting
    assert smtp_server.messages() == []

    client.post("/e/org/organizer/digests/resume", data={"csrf_token": client.token})
    report = send_all(app_factory, smtp_server)
    # Maren made no contacts and shares no topics with anyone: the digest has nothing to say to her.
    assert (report.sent, report.cancelled) == (2, 1)
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages()) == ["ada@example.org", "bo@example.org"]
    assert counts(client) == {"pending": 0, "sending": 0, "sent": 2, "failed": 0, "cancelled": 1}
    # Starting again sends nobody a second digest: the confirmation says so and offers no button.
    again = client.get("/e/org/organizer/digests/start").get_data(as_text=True)
    assert "there is nothing to start" in again and 'name="token"' not in again
    assert send_all(app_factory, smtp_server).sent == 0
    dashboard = client.get("/e/org/organizer/live", headers=HX).get_data(as_text=True)
    assert 'data-stat="digests-sent">2<' in dashboard


def test_failures_show_reasons_and_retry(console, app_factory, smtp_server):
    client, event, *_ = console
    confirmed_post(client, "/e/org/organizer/digests/start")
    smtp_server.reject = (550, "5.1.1 mailbox unavailable")
    assert send_all(app_factory, smtp_server).failed == 2
    page = client.get("/e/org/organizer/digests").get_data(as_text=True)
    assert counts(client)["failed"] == 2
    assert "550 5.1.1 mailbox unavailable" in page and "Retry the failed ones" in page
    smtp_server.reject = None
    retried = client.post("/e/org/organizer/digests/retry", data={"csrf_token": client.token})
    assert "2 failed emails were queued again" in client.get(retried.headers["Location"]).get_data(as_text=True)
    assert send_all(app_factory, smtp_server).sent == 2
    assert counts(client)["sent"] == 2


def test_test_send_is_a_sample_of_made_up_people_to_the_organizer(console, app_factory, smtp_server):
    client, event, maren, ada, bo = console
    event.reply_to = "team@pyconf.example"
    db.session.commit()
    # Asked as the console used to be asked (with an attendee's address), it still sends the sample.
    sent = client.post("/e/org/organizer/digests/test", data={"csrf_token": client.token, "email": "ada@example.org"})
    assert sent.status_code == 303
    assert send_all(app_factory, smtp_server).sent == 1
    [message] = smtp_server.messages()
    everything = message.as_string()
    for real in ("Bo Chen", "bo@example.org", "Ada Nwosu", "ada@example.org", bo.company):
        assert real not in everything, real
    assert message["To"].addresses[0].addr_spec == "maren@example.org"
    assert message["Subject"] == "[Sample] Sam, your 8 contacts from PyConf"
    assert message["Reply-To"] == "team@pyconf.example" and "List-Unsubscribe" not in message
    text = message.get_body(("plain",)).get_content()
    assert "Sample: Sam Example and everyone below are made up" in text
    assert "Amara Okafor" in text and "You promised: send the slides on offline sync" in text
    vcf = next(message.iter_attachments())
    assert vcf.get_content_type() == "text/vcard" and "Mei Tanaka" in vcf.get_content()
    assert "The sample digest is on its way to maren@example.org" in client.get(sent.headers["Location"]).get_data(as_text=True)
    assert counts(client)["sent"] == 0  # a test copy is not one of the attendees' digests
    page = client.get("/e/org/organizer/digests").get_data(as_text=True)
    row = re.search(r'<tr data-kind="test-copies">(.*?)</tr>', page, re.S).group(1)
    assert 'data-status="sent">1<' in row
    # The variant for attendees without contacts; a made-up variant is a clear 400.
    client.post("/e/org/organizer/digests/test", data={"csrf_token": client.token, "variant": "matches"})
    send_all(app_factory, smtp_server)
    assert smtp_server.messages()[-1]["Subject"] == "[Sample] Sam, people to meet after PyConf"
    bad = client.post("/e/org/organizer/digests/test", data={"csrf_token": client.token, "variant": "everyone"})
    assert bad.status_code == 400 and "Choose the sample" in bad.get_data(as_text=True)
    log = client.get("/e/org/organizer/audit").get_data(as_text=True)
    assert log.count('data-action="digest_test_sent"') == 2 and "Ada" not in log


def test_no_digest_preview_shows_an_attendees_contacts(console):
    client, event, maren, ada, bo = console
    paths = [
        # The per-attendee preview of before, by lookup and by id: gone.
        "/e/org/organizer/digests/preview?email=ada@example.org",
        f"/e/org/organizer/digests/preview/{ada.id}",
        f"/e/org/organizer/digests/preview/{ada.id}/email.html",
        "/e/org/organizer/digests/sample",
        "/e/org/organizer/digests/sample/email.html",
        "/e/org/organizer/digests/sample?variant=matches",
        "/e/org/organizer/digests/sample/email.html?variant=matches",
    ]
    for path in paths:
        body = client.get(path, follow_redirects=True).get_data(as_text=True)
        for real in ("Bo Chen", "bo@example.org", bo.company):
            assert real not in body, (path, real)


def test_sample_preview_and_settings(console):
    client, event, maren, ada, bo = console
    digests = client.get("/e/org/organizer/digests").get_data(as_text=True)
    assert 'href="/e/org/organizer/digests/sample"' in digests and "Email the sample to me" in digests
    assert 'name="email"' not in digests  # nobody's address to type any more
    page = client.get("/e/org/organizer/digests/sample")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Made-up people, your event's real email" in html
    assert "Sam, your 8 contacts from PyConf" in html and "Amara Okafor" in html  # the plain-text part
    assert 'src="/e/org/organizer/digests/sample/email.html?variant=contacts"' in html
    assert 'id="sample-links"' in html and "none: replies go nowhere" in html
    # The preview names both attachments: the .vcf, and the same contacts for Outlook and Google.
    assert "contacts-org.vcf (8 contacts), contacts-org-outlook-google.csv" in html
    frame = client.get("/e/org/organizer/digests/sample/email.html?variant=contacts")
    csp = frame.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    frame_html = frame.get_data(as_text=True)
    assert "Jonas Weber" in frame_html and "Add coffee to calendar" in frame_html and "Mark done" in frame_html
    assert "http://eventnet.test/e/org/organizer/digests/sample#sample-links" in frame_html
    matches = client.get("/e/org/organizer/digests/sample?variant=matches").get_data(as_text=True)
    assert "people to meet after PyConf" in matches and "Kwame Mensah" in matches
    for bad in ("x", "contacts%00", "a" * 500):
        assert client.get(f"/e/org/organizer/digests/sample?variant={bad}").status_code == 400
        assert client.get(f"/e/org/organizer/digests/sample/email.html?variant={bad}").status_code == 400
    bad = client.post("/e/org/organizer/digests/settings", data={"csrf_token": client.token, "digest_at": "soon",
                                                                 "no_contacts": "matches", "reminder_days": "30"})
    assert bad.status_code == 422 and 'value="soon"' in bad.get_data(as_text=True)
    ok = client.post("/e/org/organizer/digests/settings", data={"csrf_token": client.token,
                                                                "digest_at": "2030-01-02T08:15", "no_contacts": "none",
                                                                "reminder_days": "", "reply_to": "team@pyconf.example"})
    assert ok.status_code == 303
    page = client.get("/e/org/organizer/digests").get_data(as_text=True)
    assert "Wed, Jan 2, 2030, 08:15" in page and re.search(r"data-recipients>\s*2<", page)  # Maren has no contacts
    assert "Changed the event" in client.get("/e/org/organizer/audit").get_data(as_text=True)
    sample = client.get("/e/org/organizer/digests/sample").get_data(as_text=True)
    assert "Wed, Jan 2, 2030, 08:15" in sample and "team@pyconf.example" in sample
    matches = client.get("/e/org/organizer/digests/sample?variant=matches").get_data(as_text=True)
    assert "get nothing now" in matches


def test_login_emails_to_those_who_never_logged_in_with_progress(console, app_factory, smtp_server, make_attendee):
    from eventnet.database import utcnow

    client, event, maren, ada, bo = console
    ada.last_login_at = utcnow()
    db.session.commit()
    page = client.get("/e/org/organizer/login-emails").get_data(as_text=True)
    assert 'data-never-logged-in="2"' in page  # Maren (the login fixture writes no time) and Bo
    queued = confirmed_post(client, "/e/org/organizer/login-emails")
    assert queued.status_code == 303
    progress_url = queued.headers["Location"]
    progress = client.get(progress_url).get_data(as_text=True)
    assert 'data-count="waiting">2<' in progress and 'data-count="sent">0<' in progress
    assert 'hx-trigger="every 3s"' in progress  # keeps polling while emails wait
    assert send_all(app_factory, smtp_server).sent == 2
    fragment = client.get(progress_url, headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and 'data-count="sent">2<' in fragment and "All done." in fragment
    assert "hx-trigger" not in fragment  # done: no more polling
    to = sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages())
    assert to == ["bo@example.org", "maren@example.org"]
    bo_mail = next(m for m in smtp_server.messages() if m["To"].addresses[0].addr_spec == "bo@example.org")
    text = bo_mail.get_body(("plain",)).get_content()
    assert "Log in to PyConf" == bo_mail["Subject"] and "for 72 hours" in text
    link = re.search(r"(http://eventnet\.test/login/\S+)", text).group(1)
    # the outbox keeps no usable copy of the link once sent
    db.session.expire_all()
    rows = db.session.execute(db.select(OutboxMessage).filter_by(kind="login_link")).scalars().all()
    assert rows and all(link not in row.text_body for row in rows)
    # the link logs Bo in, on his own phone
    phone = app_factory().test_client()
    path = link.removeprefix("http://eventnet.test")
    form = phone.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    action = re.search(r'<form[^>]*method="post"[^>]*action="([^"]+)"', form)
    phone.post(action.group(1) if action else path, data={"csrf_token": token})
    assert "Bo Chen" in phone.get("/e/org/").get_data(as_text=True)
    # nobody left to email: a clear answer, nothing queued
    # a POST without the confirmation page's token queues nothing
    unconfirmed = client.post("/e/org/organizer/login-emails", data={"csrf_token": client.token})
    assert unconfirmed.status_code == 400


def test_progress_of_another_events_sending_is_404(console, make_event, make_attendee, login, app):
    from eventnet.audit import services as audit

    client, *_ = console
    other = make_event(slug="other")
    boss = make_attendee(other, email="boss@example.org", role="organizer")
    entry = audit.record(other, boss, "login_emails_queued", count=0)
    db.session.commit()
    assert client.get(f"/e/org/organizer/login-emails/{entry.id}").status_code == 404


@pytest.mark.browser
def test_sample_preview_on_a_phone(live_server, phone, make_event, make_attendee):
    from conftest import screenshot
    from playwright.sync_api import expect

    from eventnet.auth.services import create_login_link

    event = make_event(slug="sample", name="PyConf")
    organizer = make_attendee(event, email="maren@example.org", name="Maren Lindqvist", role="organizer")
    with live_server.app.app_context():
        link = create_login_link(db.session.merge(organizer), "/e/sample/organizer/digests")
        db.session.commit()
    phone.goto(link.url)
    phone.get_by_role("button", name="Log in").click()
    phone.get_by_role("link", name="Preview the sample").click()
    expect(phone.get_by_role("heading", name="Sample digest")).to_be_visible()
    frame = phone.frame_locator("iframe.digest-frame")
    expect(frame.get_by_text("★ Amara Okafor")).to_be_visible()
    expect(frame.get_by_role("link", name="Write to Amara Okafor")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert frame.locator("html").evaluate("e => e.scrollWidth") <= 360
    screenshot(phone, "organizer-digest-sample-360")
    phone.set_viewport_size({"width": 1280, "height": 800})
    screenshot(phone, "organizer-digest-sample-1280", full_page=False)
    phone.set_viewport_size({"width": 360, "height": 740})
    phone.get_by_role("link", name="Without contacts").click()
    expect(frame.get_by_text("Kwame Mensah", exact=True)).to_be_visible()
    phone.get_by_role("button", name="Email this sample to me").click()
    expect(phone.get_by_text("The sample digest is on its way to maren@example.org")).to_be_visible()

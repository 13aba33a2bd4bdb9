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
    return client, event, maren, ada, bo


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
    started = client.post("/e/org/organizer/digests/start", data={"csrf_token": client.token})
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
    # Starting again sends nobody a second digest.
    client.post("/e/org/organizer/digests/start", data={"csrf_token": client.token})
    assert send_all(app_factory, smtp_server).sent == 0
    dashboard = client.get("/e/org/organizer/live", headers=HX).get_data(as_text=True)
    assert 'data-stat="digests-sent">2<' in dashboard


def test_failures_show_reasons_and_retry(console, app_factory, smtp_server):
    client, event, *_ = console
    client.post("/e/org/organizer/digests/start", data={"csrf_token": client.token})
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


def test_test_digest_goes_to_the_organizer_only(console, app_factory, smtp_server):
    client, event, maren, ada, bo = console
    unknown = client.post("/e/org/organizer/digests/test", data={"csrf_token": client.token, "email": "who@x.org"})
    assert unknown.status_code == 422 and "Nobody in this event" in unknown.get_data(as_text=True)
    sent = client.post("/e/org/organizer/digests/test", data={"csrf_token": client.token, "email": "ADA@example.org"})
    assert sent.status_code == 303
    assert "The digest of Ada Nwosu is on its way to maren@example.org" in client.get(sent.headers["Location"]).get_data(as_text=True)
    assert send_all(app_factory, smtp_server).sent == 1
    [message] = smtp_server.messages()
    assert message["To"].addresses[0].addr_spec == "maren@example.org"
    assert message["Subject"].startswith("[Test] Ada, your 1 contact from PyConf")
    assert counts(client)["sent"] == 0  # a test copy is not one of the attendees' digests


def test_preview_lookup_and_settings(console):
    client, event, maren, ada, bo = console
    found = client.get("/e/org/organizer/digests/preview?email=ada@example.org")
    assert found.status_code == 303 and found.headers["Location"].endswith(f"/organizer/digests/preview/{ada.id}")
    assert client.get(found.headers["Location"]).status_code == 200
    missing = client.get("/e/org/organizer/digests/preview?email=nobody@example.org")
    assert missing.status_code == 404 and "Nobody in this event" in missing.get_data(as_text=True)
    bad = client.post("/e/org/organizer/digests/settings", data={"csrf_token": client.token, "digest_at": "soon",
                                                                 "no_contacts": "matches", "reminder_days": "30"})
    assert bad.status_code == 422 and 'value="soon"' in bad.get_data(as_text=True)
    ok = client.post("/e/org/organizer/digests/settings", data={"csrf_token": client.token,
                                                                "digest_at": "2030-01-02T08:15", "no_contacts": "none",
                                                                "reminder_days": "", "reply_to": ""})
    assert ok.status_code == 303
    page = client.get("/e/org/organizer/digests").get_data(as_text=True)
    assert "Wed 02 Jan 2030, 08:15" in page and re.search(r"data-recipients>\s*2<", page)  # Maren has no contacts
    assert "Changed the event" in client.get("/e/org/organizer/audit").get_data(as_text=True)


def test_login_emails_to_those_who_never_logged_in_with_progress(console, app_factory, smtp_server, make_attendee):
    from eventnet.database import utcnow

    client, event, maren, ada, bo = console
    ada.last_login_at = utcnow()
    db.session.commit()
    page = client.get("/e/org/organizer/login-emails").get_data(as_text=True)
    assert 'data-never-logged-in="2"' in page  # Maren (the login fixture writes no time) and Bo
    queued = client.post("/e/org/organizer/login-emails", data={"csrf_token": client.token})
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
    everyone_in = client.post("/e/org/organizer/login-emails", data={"csrf_token": client.token})
    assert everyone_in.status_code in (303, 409)


def test_progress_of_another_events_sending_is_404(console, make_event, make_attendee, login, app):
    from eventnet.organizer import audit

    client, *_ = console
    other = make_event(slug="other")
    boss = make_attendee(other, email="boss@example.org", role="organizer")
    entry = audit.record(other, boss, "login_emails_queued", count=0)
    db.session.commit()
    assert client.get(f"/e/org/organizer/login-emails/{entry.id}").status_code == 404

"""The outbox, the sender (Maildir and real SMTP), the CLI and the development mailbox."""
from __future__ import annotations

import email
import mailbox
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import update

from eventnet.database import utcnow
from eventnet.extensions import db
from eventnet.mail.mailbox_views import linkify
from eventnet.mail.models import OutboxMessage
from eventnet.mail.services import SCRUBBED, deliver_due, queue_email, send_due


def queue(n: int = 1, **kw):
    rows = []
    for i in range(n):
        rows.append(queue_email(
            to=kw.get("to", f"reader{i}@example.org"),
            subject=kw.get("subject", f"Hello {i}"),
            template="login_link",
            context={"event": kw.get("event", {"name": "Mail Conf"}), "attendee": kw.get("attendee"),
                     "url": "http://eventnet.test/login/abc", "code": "123456", "minutes": 15},
            kind=kw.get("kind", "test"),
            headers=kw.get("headers"),
        ))
    db.session.commit()
    return rows


def maildir(app):
    box = mailbox.Maildir(app.config["MAILBOX_PATH"], create=False)
    return [email.message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.keys()]


def row(row_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, row_id)


def test_queued_mail_belongs_to_the_callers_transaction(app):
    queue_email(to="a@example.org", subject="s", template="login_link",
                context={"event": {"name": "E"}, "attendee": None, "url": "u", "code": "1", "minutes": 1},
                kind="test")
    db.session.rollback()
    assert db.session.execute(db.select(db.func.count()).select_from(OutboxMessage)).scalar_one() == 0
    [message] = queue()
    assert message.status == "pending" and message.message_id.endswith("@eventnet.test>")


def test_html_is_escaped_and_text_is_not(app):
    attendee = {"name": "<script>alert(1)</script> & Co"}
    [message] = queue(attendee=attendee)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in message.html_body
    assert "<script" not in message.html_body
    assert "<script>alert(1)</script> & Co" in message.text_body


def test_sent_message_is_multipart_with_proper_headers(app):
    [message] = queue(subject="Line one\r\nBcc: victim@example.org", headers={"List-Id": "demo\n<x>"})
    assert send_due() == 1
    [msg] = maildir(app)
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["From"] == app.config["MAIL_FROM"]
    assert msg["To"] == "reader0@example.org"
    assert msg["Subject"] == "Line one Bcc: victim@example.org"
    assert msg["Bcc"] is None
    assert msg["Message-ID"] == message.message_id and msg["Message-ID"].endswith("@eventnet.test>")
    assert msg["Date"].datetime is not None
    assert msg["List-Id"] == "demo <x>"
    assert "123456" in msg.get_body(("plain",)).get_content()
    assert "http://eventnet.test/login/abc" in msg.get_body(("html",)).get_content()
    sent = row(message.id)
    assert sent.status == "sent" and sent.sent_at is not None and sent.attempts == 1


def test_login_link_bodies_are_blanked_once_sent(app):
    [message] = queue(kind="login_link")
    send_due()
    assert row(message.id).text_body == SCRUBBED


def test_smtp_temporary_failure_is_retried_later(app_factory, smtp_server):
    smtp_app = app_factory(SMTP_URL=smtp_server.url)
    with smtp_app.app_context():
        [message] = queue()
        smtp_server.reject = (451, "try later")
        report = deliver_due()
        assert (report.sent, report.retried, report.failed) == (0, 1, 0)
        waiting = row(message.id)
        assert waiting.status == "pending" and waiting.attempts == 1
        assert "451" in waiting.last_error and "try later" in waiting.last_error
        assert waiting.next_attempt_at > utcnow() + timedelta(seconds=50)
        assert send_due() == 0  # not due yet

        smtp_server.reject = None
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()
        assert send_due() == 1
        assert row(message.id).status == "sent" and row(message.id).attempts == 2
        [msg] = smtp_server.messages()
        assert msg["Message-ID"] == message.message_id


def test_smtp_permanent_failure_is_recorded(app_factory, smtp_server):
    smtp_app = app_factory(SMTP_URL=smtp_server.url)
    with smtp_app.app_context():
        [message] = queue()
        smtp_server.reject = (550, "no such mailbox")
        assert send_due() == 0
        failed = row(message.id)
        assert failed.status == "failed"
        assert failed.last_error == "550 no such mailbox"
        assert smtp_server.envelopes == []


def test_one_smtp_connection_serves_a_batch(app_factory, smtp_server):
    from eventnet.mail.services import build_message, make_transport

    smtp_app = app_factory(SMTP_URL=smtp_server.url)
    with smtp_app.app_context():
        rows = queue(3)
        transport = make_transport()
        transport.send(build_message(rows[0]))
        connection = transport.conn
        transport.send(build_message(rows[1]))
        assert transport.conn is connection
        transport.close()
        assert transport.conn is None
        assert send_due() == 3
        assert len(smtp_server.envelopes) == 5


def test_credentials_are_never_sent_without_tls(app_factory, smtp_server):
    smtp_app = app_factory(SMTP_URL=f"smtp://user:secret@127.0.0.1:{smtp_server.port}")
    with smtp_app.app_context():
        [message] = queue()
        assert send_due() == 0
        waiting = row(message.id)
        assert waiting.status == "pending" and "refusing to send the SMTP password" in waiting.last_error
        assert smtp_server.envelopes == []


def test_expired_lease_is_taken_over_and_live_one_is_not(app):
    stuck, busy = queue(2)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == stuck.id).values(
        status="sending", claimed_by="crashed-sender", claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == busy.id).values(
        status="sending", claimed_by="live-sender", claimed_until=utcnow() + timedelta(minutes=5)))
    db.session.commit()
    assert send_due() == 1
    assert row(stuck.id).status == "sent"
    assert row(busy.id).status == "sending" and row(busy.id).claimed_by == "live-sender"
    assert [m["To"] for m in maildir(app)] == ["reader0@example.org"]


def test_concurrent_senders_never_send_a_row_twice(app):
    rows = queue(40)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sender():
        try:
            with app.app_context():
                barrier.wait()
                results.append(send_due())
                db.session.remove()
        except Exception as exc:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(results) == 40
    ids = [m["Message-ID"] for m in maildir(app)]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert {row(r.id).status for r in rows} == {"sent"}


def test_send_command(app, runner):
    queue(2)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 2, to retry later 0, failed 0" in result.output
    assert "0 pending" in result.output and "2 sent" in result.output
    help_text = runner.invoke(args=["mail", "send", "--help"]).output
    assert "cron" in help_text and "SMTP_URL" in help_text
    assert "SIGTERM" in runner.invoke(args=["mail", "worker", "--help"]).output


def test_worker_delivers_and_stops_cleanly_on_sigterm(app):
    queue(1)
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "EVENTNET_ENV": "testing",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MAILBOX_PATH": app.config["MAILBOX_PATH"],
        "BASE_URL": app.config["BASE_URL"],
    }
    root = Path(__file__).resolve().parent.parent
    worker = subprocess.Popen([sys.executable, "-m", "flask", "mail", "worker", "--interval", "0.1"],
                              cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (Path(app.config["MAILBOX_PATH"]) / "new").is_dir():
            time.sleep(0.1)
        while time.monotonic() < deadline and not any((Path(app.config["MAILBOX_PATH"]) / "new").iterdir()):
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, err
    assert "mail worker stopped" in out
    assert len(maildir(app)) == 1


def test_dev_mailbox_lists_newest_first_and_shows_a_message(app, client):
    queue(subject="Older")
    send_due()
    time.sleep(1.1)  # Date headers have one-second resolution
    queue(subject="Newer <b>bold</b>")
    send_due()
    index = client.get("/dev/mail/")
    assert index.status_code == 200
    page = index.get_data(as_text=True)
    assert "Development mailbox" in page
    assert page.index("Newer &lt;b&gt;bold&lt;/b&gt;") < page.index("Older")
    assert "reader0@example.org" in page

    key = mailbox.Maildir(app.config["MAILBOX_PATH"]).keys()
    newest = [k for k in key if "Newer" in str(mailbox.Maildir(app.config["MAILBOX_PATH"])[k]["Subject"])][0]
    shown = client.get(f"/dev/mail/{newest}")
    assert shown.status_code == 200
    body = shown.get_data(as_text=True)
    assert "Message-ID" in body and "reader0@example.org" in body
    # The link in the text part is clickable; the HTML part is framed, never inlined.
    assert '<a href="http://eventnet.test/login/abc">http://eventnet.test/login/abc</a>' in body
    assert f'src="/dev/mail/{newest}/html"' in body and "sandbox=" in body
    assert "style=" not in body.split("<main", 1)[1]

    html = client.get(f"/dev/mail/{newest}/html")
    assert html.status_code == 200
    csp = html.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    assert 'href="http://eventnet.test/login/abc"' in html.get_data(as_text=True)
    assert '<head><base target="_top">' in html.get_data(as_text=True)


def test_dev_mailbox_unknown_key_and_empty_box(app, client):
    assert client.get("/dev/mail/").status_code == 200
    assert "No messages yet" in client.get("/dev/mail/").get_data(as_text=True)
    assert client.get("/dev/mail/1234.nope").status_code == 404
    queue()
    send_due()
    assert client.get("/dev/mail/1234.nope").status_code == 404
    assert client.get("/dev/mail/1234.nope/html").status_code == 404


MAILBOX_KEY = "k3y-for-the-dev-mailbox-tests"
LAN = {"REMOTE_ADDR": "192.168.1.20"}


@pytest.fixture
def keyed_app(app_factory):
    """An app whose mailbox holds one message, with a known MAILBOX_KEY."""
    keyed = app_factory(MAILBOX_KEY=MAILBOX_KEY)
    with keyed.app_context():
        queue(subject="Log in to the test event")
        send_due()
        keyed.message_key = mailbox.Maildir(keyed.config["MAILBOX_PATH"]).keys()[0]
        yield keyed


def test_dev_mailbox_refuses_other_machines_and_says_how_to_open_it(keyed_app):
    client, key = keyed_app.test_client(), keyed_app.message_key
    for path in ("/dev/mail/", f"/dev/mail/{key}", f"/dev/mail/{key}/html"):
        response = client.get(path, environ_base=LAN)
        assert response.status_code == 403, path
        page = response.get_data(as_text=True)
        assert "The development mailbox is private" in page and "?key=" in page and "scripts/run.sh" in page
        assert "http://127.0.0.1/dev/mail/" in page
        assert "reader0@example.org" not in page and "Log in to the test event" not in page
    # The machine itself still opens it, by any loopback address.
    for address in ("127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"):
        assert client.get("/dev/mail/", environ_base={"REMOTE_ADDR": address}).status_code == 200, address


def test_dev_mailbox_behind_a_proxy_here_is_not_local(keyed_app):
    """A proxy on this machine relays everyone from 127.0.0.1: its headers give them away."""
    client = keyed_app.test_client()
    for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
        response = client.get("/dev/mail/", headers={header: "198.51.100.7"})
        assert response.status_code == 403, header


def test_dev_mailbox_with_a_trusted_proxy_goes_by_the_real_client(keyed_app):
    from werkzeug.middleware.proxy_fix import ProxyFix

    # What TRUSTED_PROXIES=1 sets up: ProxyFix puts the client's address in remote_addr.
    keyed_app.config["TRUSTED_PROXIES"] = 1
    keyed_app.wsgi_app = ProxyFix(keyed_app.wsgi_app, x_for=1)
    client = keyed_app.test_client()
    assert client.get("/dev/mail/", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 403
    assert client.get("/dev/mail/", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200
    assert client.get("/dev/mail/", headers={"X-Forwarded-For": "127.0.0.1", "Forwarded": "for=198.51.100.7"}).status_code == 403


def test_dev_mailbox_key_opens_it_once_and_a_cookie_keeps_it_open(keyed_app):
    client, key = keyed_app.test_client(), keyed_app.message_key
    opened = client.get(f"/dev/mail/?key={MAILBOX_KEY}", environ_base=LAN)
    # The key leaves the address bar at once; a cookie for the mailbox alone carries it on.
    assert opened.status_code == 303 and opened.headers["Location"] == "/dev/mail/"
    cookie = opened.headers["Set-Cookie"]
    assert cookie.startswith("eventnet_mailbox=") and MAILBOX_KEY not in cookie
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/dev/mail"):
        assert attribute in cookie
    index = client.get("/dev/mail/", environ_base=LAN)
    assert index.status_code == 200 and "Log in to the test event" in index.get_data(as_text=True)
    assert client.get(f"/dev/mail/{key}", environ_base=LAN).status_code == 200
    assert client.get(f"/dev/mail/{key}/html", environ_base=LAN).status_code == 200
    # A key in a link to one message works there too, and keeps nothing else of the query.
    direct = keyed_app.test_client().get(f"/dev/mail/{key}?key={MAILBOX_KEY}", environ_base=LAN)
    assert direct.status_code == 303 and direct.headers["Location"] == f"/dev/mail/{key}"


def test_dev_mailbox_wrong_or_old_key_is_refused(keyed_app, app_factory):
    client = keyed_app.test_client()
    wrong = client.get("/dev/mail/?key=not-the-key-at-all", environ_base=LAN)
    assert wrong.status_code == 403 and "not this server&#39;s" in wrong.get_data(as_text=True)
    assert "Set-Cookie" not in wrong.headers or "eventnet_mailbox" not in wrong.headers["Set-Cookie"]
    # A cookie left by an earlier start (another key) no longer opens it.
    client.get(f"/dev/mail/?key={MAILBOX_KEY}", environ_base=LAN)
    restarted = app_factory(MAILBOX_KEY="another-key-after-a-restart")
    stale = restarted.test_client()
    stale.set_cookie("eventnet_mailbox", client.get_cookie("eventnet_mailbox", path="/dev/mail").value, path="/dev/mail")
    with restarted.app_context():
        assert stale.get("/dev/mail/", environ_base=LAN).status_code == 403


def test_mailbox_key_is_random_per_start_unless_set(tmp_path):
    from eventnet.config import ConfigError, load_config

    first, second = (load_config(str(tmp_path), {"EVENTNET_ENV": "development"})["MAILBOX_KEY"] for _ in range(2))
    assert first != second and len(first) >= 32
    assert load_config(str(tmp_path), {"EVENTNET_ENV": "development", "MAILBOX_KEY": MAILBOX_KEY})["MAILBOX_KEY"] == MAILBOX_KEY
    with pytest.raises(ConfigError, match="MAILBOX_KEY is too short"):
        load_config(str(tmp_path), {"EVENTNET_ENV": "development", "MAILBOX_KEY": "dev"})


def test_no_dev_mailbox_with_smtp(app_factory, smtp_server):
    smtp_app = app_factory(SMTP_URL=smtp_server.url)
    with smtp_app.app_context():
        assert smtp_app.test_client().get("/dev/mail/").status_code == 404


def test_linkify_escapes_and_links():
    out = str(linkify('see <https://x.example/a?b=1&c=2>. and "http://y.example/p".'))
    assert '<a href="https://x.example/a?b=1&amp;c=2">https://x.example/a?b=1&amp;c=2</a>' in out
    assert "&lt;" in out and '<a href="http://y.example/p">' in out
    assert "<script>" not in str(linkify("<script>http://z.example</script>"))

"""Login by magic link and typed code, through HTTP, the outbox and a real mailbox or SMTP server."""
from __future__ import annotations

import email
import hashlib
import mailbox
import re
from datetime import timedelta
from email import policy
from urllib.parse import urlsplit

import pytest
from conftest import csrf_token
from playwright.sync_api import expect
from sqlalchemy import text

from eventnet.auth.models import LoginToken
from eventnet.auth.services import create_login_link, safe_next
from eventnet.database import utcnow
from eventnet.extensions import db
from eventnet.mail.models import OutboxMessage
from eventnet.mail.services import send_due

LINK = re.compile(r"http://eventnet\.test/login/[A-Za-z0-9_\-]+(?:\?\S+)?")
CODE = re.compile(r"^\s+(\d{6})\s*$", re.MULTILINE)


def request_link(client, event, email_addr, next_path=None, **kw):
    url = f"/e/{event.slug}/login" + (f"?next={next_path}" if next_path else "")
    data = {"email": email_addr, "csrf_token": csrf_token(client, f"/e/{event.slug}/login")}
    if next_path:
        data["next"] = next_path
    return client.post(url, data=data, **kw)


def maildir_messages(app):
    box = mailbox.Maildir(app.config["MAILBOX_PATH"], create=False)
    return [email.message_from_bytes(box.get_bytes(key), policy=policy.default) for key in box.keys()]


def link_and_code(msg):
    body = msg.get_body(preferencelist=("plain",)).get_content()
    url = LINK.search(body).group(0)
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else ""), CODE.search(body).group(1)


def confirm(client, path):
    token = csrf_token(client, path)
    return client.post(urlsplit(path).path, data={"csrf_token": token, **_next_of(path)})


def _next_of(path):
    query = urlsplit(path).query
    return {"next": query.split("=", 1)[1].replace("%2F", "/")} if query.startswith("next=") else {}


def test_full_login_by_emailed_link(app, client, make_event, make_attendee):
    event = make_event(name="Link Conf")
    attendee = make_attendee(event, email="Ada@Example.org", name="Ada Lovelace")

    response = request_link(client, event, "ada@example.org")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check your email" in page and "a login link is on its way" in page
    assert "expires in 15 minutes" in page

    assert send_due() == 1
    [msg] = maildir_messages(app)
    assert msg["To"] == "Ada@Example.org"
    assert msg["Subject"] == "Your login link for Link Conf"
    path, _ = link_and_code(msg)

    # Opening the link (as a mail scanner would) shows a button and logs nobody in.
    shown = client.get(path)
    assert shown.status_code == 200
    body = shown.get_data(as_text=True)
    assert "Log in as Ada Lovelace?" in body and ">Log in</button>" in body
    assert shown.headers["Cache-Control"] == "no-store"
    assert client.get(f"/e/{event.slug}/").status_code == 303
    assert db.session.execute(db.select(LoginToken.used_at)).scalar_one() is None

    response = confirm(client, path)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/e/{event.slug}/"
    home = client.get(f"/e/{event.slug}/")
    assert home.status_code == 200
    assert "Hello, Ada Lovelace" in home.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(attendee), attendee.id).last_login_at is not None

    # The link worked once.
    again = client.get(path)
    assert again.status_code == 410
    assert "already used" in again.get_data(as_text=True)


def test_login_over_real_smtp(app_factory, smtp_server, make_event, make_attendee):
    event = make_event()
    make_attendee(event, email="smtp@example.org", name="Sam Smtp")
    smtp_app = app_factory(SMTP_URL=smtp_server.url)
    with smtp_app.app_context():
        client = smtp_app.test_client()
        assert request_link(client, event, "smtp@example.org").status_code == 303
        assert send_due() == 1
        [msg] = smtp_server.messages()
        assert smtp_server.envelopes[0].rcpt_tos == ["smtp@example.org"]
        path, _ = link_and_code(msg)
        assert "Log in as Sam Smtp?" in client.get(path).get_data(as_text=True)
        assert confirm(client, path).status_code == 303
        assert client.get(f"/e/{event.slug}/").status_code == 200
        # With a real mail server there is no development mailbox.
        assert client.get("/dev/mail/").status_code == 404


def test_login_with_typed_code(app, client, make_event, make_attendee):
    event = make_event()
    make_attendee(event, email="code@example.org", name="Cody")
    request_link(client, event, "code@example.org")
    send_due()
    _, code = link_and_code(maildir_messages(app)[0])

    page = client.get(f"/e/{event.slug}/login/code").get_data(as_text=True)
    assert 'value="code@example.org"' in page and 'autocomplete="one-time-code"' in page
    response = client.post(f"/e/{event.slug}/login/code", data={
        "email": "code@example.org", "code": f" {code[:3]} {code[3:]} ",
        "csrf_token": csrf_token(client, f"/e/{event.slug}/login/code")})
    assert response.status_code == 303
    assert client.get(f"/e/{event.slug}/").status_code == 200


def test_wrong_codes_kill_the_token(app, client, make_event, make_attendee):
    event = make_event()
    make_attendee(event, email="guess@example.org")
    request_link(client, event, "guess@example.org")
    send_due()
    path, code = link_and_code(maildir_messages(app)[0])
    wrong = "000000" if code != "000000" else "111111"
    token = csrf_token(client, f"/e/{event.slug}/login/code")
    for _ in range(5):
        response = client.post(f"/e/{event.slug}/login/code",
                               data={"email": "guess@example.org", "code": wrong, "csrf_token": token})
        assert response.status_code == 422
        assert "That code is not right" in response.get_data(as_text=True)
        assert 'aria-invalid="true"' in response.get_data(as_text=True)
    response = client.post(f"/e/{event.slug}/login/code",
                           data={"email": "guess@example.org", "code": code, "csrf_token": token})
    assert response.status_code == 422
    assert client.get(f"/e/{event.slug}/").status_code == 303
    assert client.get(path).status_code == 410


def test_unknown_address_code_is_refused_like_a_wrong_one(client, make_event):
    event = make_event()
    response = client.post(f"/e/{event.slug}/login/code", data={
        "email": "nobody@example.org", "code": "123456",
        "csrf_token": csrf_token(client, f"/e/{event.slug}/login/code")})
    assert response.status_code == 422
    assert "That code is not right" in response.get_data(as_text=True)


def test_expired_link_and_code(app, client, make_event, make_attendee):
    event = make_event()
    attendee = make_attendee(event)
    link = create_login_link(attendee)
    db.session.commit()
    db.session.execute(db.update(LoginToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    path = urlsplit(link.url).path

    response = client.get(path)
    assert response.status_code == 410
    body = response.get_data(as_text=True)
    assert "has expired" in body
    assert f'href="/e/{event.slug}/login"' in body  # a way to get a new link
    csrf = csrf_token(client, f"/e/{event.slug}/login")
    assert client.post(path, data={"csrf_token": csrf}).status_code == 410
    response = client.post(f"/e/{event.slug}/login/code",
                           data={"email": attendee.email, "code": link.code, "csrf_token": csrf})
    assert response.status_code == 422
    assert client.get(f"/e/{event.slug}/").status_code == 303


def test_forged_link(client):
    response = client.get("/login/not-a-real-token")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "not valid" in body and 'href="/"' in body
    assert client.get("/login/" + "x" * 300).status_code == 400


def test_help_desk_link_logs_in_and_honours_only_local_next(app, client, make_event, make_attendee):
    event = make_event()
    attendee = make_attendee(event)
    link = create_login_link(attendee)
    db.session.commit()
    assert link.url.startswith("http://eventnet.test/login/")
    assert link.expires_at - utcnow() > timedelta(minutes=14)
    path = urlsplit(link.url).path
    csrf = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": csrf, "next": "//evil.example/steal"})
    assert response.headers["Location"] == f"/e/{event.slug}/"

    link = create_login_link(attendee)
    db.session.commit()
    path = urlsplit(link.url).path
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "next": f"/e/{event.slug}/?tab=1"})
    assert response.headers["Location"] == f"/e/{event.slug}/?tab=1"


def test_next_survives_the_email_round_trip(app, client, make_event, make_attendee):
    event = make_event()
    make_attendee(event, email="next@example.org")
    request_link(client, event, "next@example.org", next_path=f"/e/{event.slug}/")
    send_due()
    path, _ = link_and_code(maildir_messages(app)[0])
    assert "?next=" in path
    assert confirm(client, path).headers["Location"] == f"/e/{event.slug}/"


def test_safe_next_refuses_other_sites():
    for bad in ("https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil", "evil", "",
                None, "/\tx", "javascript:alert(1)", "/" + "a" * 600):
        assert safe_next(bad) is None, bad
    assert safe_next("/e/x/contacts?q=1") == "/e/x/contacts?q=1"


def test_request_page_does_not_reveal_who_is_registered(app, client, make_event, make_attendee):
    event = make_event()
    make_attendee(event, email="known@example.org")
    known = request_link(client, event, "known@example.org")
    known_page = client.get(known.headers["Location"]).get_data(as_text=True)
    unknown = request_link(client, event, "stranger@example.org")
    unknown_page = client.get(unknown.headers["Location"]).get_data(as_text=True)
    assert (known.status_code, known.headers["Location"], known.get_data()) == (
        unknown.status_code, unknown.headers["Location"], unknown.get_data())
    # Apart from the address typed, the pages are the same (the CSRF token carries a timestamp).
    def same(page, address):
        return re.sub(r'(name="csrf_token" value="|"X-CSRFToken": ")[^"]+', "CSRF", page.replace(address, "X"))

    assert same(known_page, "known@example.org") == same(unknown_page, "stranger@example.org")
    assert "If <strong>X</strong> is registered for" in same(known_page, "known@example.org")
    assert db.session.execute(db.select(db.func.count()).select_from(OutboxMessage)).scalar_one() == 1


def test_invalid_address_is_a_422_with_a_message(client, make_event):
    event = make_event()
    response = request_link(client, event, "not an address")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'aria-describedby="login-email-error"' in body and "complete email address" in body


def test_requests_are_limited_per_address(client, make_event, make_attendee):
    event = make_event()
    make_attendee(event, email="busy@example.org")
    for _ in range(5):
        assert request_link(client, event, "BUSY@example.org").status_code == 303
    response = request_link(client, event, "busy@example.org")
    assert response.status_code == 429
    assert "Too many login attempts" in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count()).select_from(OutboxMessage)).scalar_one() == 5
    assert request_link(client, event, "other@example.org").status_code == 303


def test_logout(client, make_event, make_attendee, login):
    event = make_event()
    login(client, make_attendee(event))
    assert client.get(f"/e/{event.slug}/").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(client, f"/e/{event.slug}/")})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "You are logged out." in client.get("/").get_data(as_text=True)
    home = client.get(f"/e/{event.slug}/")
    assert home.status_code == 303 and f"/e/{event.slug}/login" in home.headers["Location"]


def test_logged_in_attendee_skips_the_login_page(client, make_event, make_attendee, login):
    event, other = make_event(), make_event()
    login(client, make_attendee(event))
    response = client.get(f"/e/{event.slug}/login")
    assert response.status_code == 303 and response.headers["Location"] == f"/e/{event.slug}/"
    # Logged in for one event is not logged in for another.
    assert client.get(f"/e/{other.slug}/login").status_code == 200


def test_posts_need_the_csrf_token(app, client, make_event, make_attendee):
    event = make_event()
    attendee = make_attendee(event)
    assert app.config.get("WTF_CSRF_ENABLED", True)
    response = client.post(f"/e/{event.slug}/login", data={"email": attendee.email})
    assert response.status_code == 400 and "This form has expired" in response.get_data(as_text=True)
    link = create_login_link(attendee)
    db.session.commit()
    assert client.post(urlsplit(link.url).path).status_code == 400
    assert db.session.execute(db.select(LoginToken.used_at)).scalar_one() is None
    assert client.post("/logout").status_code == 400


def test_database_holds_no_raw_token(app, client, make_event, make_attendee):
    event = make_event()
    make_attendee(event, email="hash@example.org")
    request_link(client, event, "hash@example.org")
    send_due()
    path, code = link_and_code(maildir_messages(app)[0])
    raw = urlsplit(path).path.rsplit("/", 1)[1]
    stored = db.session.execute(db.select(LoginToken)).scalar_one()
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert code not in stored.code_hash
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(text(f'SELECT * FROM "{table.name}"')):
            assert raw not in str(tuple(row)), table.name


def test_unknown_event_login_is_404(client):
    assert client.get("/e/no-such-event/login").status_code == 404


@pytest.mark.browser
def test_phone_login_through_the_dev_mailbox(live_server, phone, make_event, make_attendee):
    event = make_event(name="Phone Conf")
    make_attendee(event, email="phone@example.org", name="Pat Phone")
    phone.goto(f"{live_server.url}/e/{event.slug}/login")
    phone.get_by_label("Email address").fill("phone@example.org")
    phone.get_by_role("button", name="Email me a login link").click()
    expect(phone.get_by_role("heading", name="Check your email")).to_be_visible()
    assert send_due() == 1

    phone.goto(f"{live_server.url}/dev/mail/")
    expect(phone.get_by_text("Development mailbox.")).to_be_visible()
    phone.get_by_role("link", name="Your login link for Phone Conf").click()
    text_link = phone.locator(".mail-body a")
    expect(text_link).to_have_attribute("href", re.compile(rf"^{re.escape(live_server.url)}/login/"))
    # The HTML part is sandboxed in a frame, and its button still opens the login page.
    phone.frame_locator("iframe.mail-frame").get_by_role("link", name="Log in to Phone Conf").click()
    expect(phone.get_by_role("heading", name="Log in as Pat Phone?")).to_be_visible()
    phone.get_by_role("button", name="Log in").click()
    expect(phone.get_by_role("heading", name="Hello, Pat Phone")).to_be_visible()
    assert phone.url == f"{live_server.url}/e/{event.slug}/"

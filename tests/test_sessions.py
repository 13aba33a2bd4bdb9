"""Sessions that end: logout on the server, newer links cancelling older ones, and typed codes
counted before they are checked (issue "Safe to deploy", item 4)."""
from __future__ import annotations

import html
import re
import threading
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from conftest import csrf_token

from eventnet.attendees.models import Attendee
from eventnet.auth.models import LoginSession, LoginToken
from eventnet.auth.services import CODE_ATTEMPTS_PER_WINDOW, create_login_link
from eventnet.auth.session import SESSION_KEY
from eventnet.database import utcnow
from eventnet.extensions import db
from eventnet.mail.models import OutboxMessage


def ask_for_link(client, slug: str, address: str, **kw):
    token = csrf_token(client, f"/e/{slug}/login")
    return client.post(f"/e/{slug}/login", data={"email": address, "csrf_token": token}, **kw)


def newest_email_to(address: str) -> tuple[str, str]:
    """(link path, code) of the newest login email queued to `address`."""
    row = db.session.execute(
        db.select(OutboxMessage).filter_by(to_addr=address).order_by(OutboxMessage.id.desc())
    ).scalars().first()
    url = re.search(r"https?://\S+/login/\S+", row.text_body).group(0)
    code = re.search(r"^\s+(\d{6})\s*$", row.text_body, re.MULTILINE).group(1)
    return urlsplit(url).path, code


def open_link(client, path: str):
    """Press "Log in" on a link's page (the form token comes from a page that always has a form)."""
    return client.post(path, data={"csrf_token": csrf_token(client, "/e/conf/login/code")})


def type_code(client, slug: str, address: str, code: str, **kw):
    token = csrf_token(client, f"/e/{slug}/login/code")
    return client.post(f"/e/{slug}/login/code", data={"email": address, "code": code, "csrf_token": token}, **kw)


@pytest.fixture
def ada(make_event, make_attendee):
    event = make_event(slug="conf")
    return make_attendee(event, email="ada@example.org", name="Ada Lovelace")


# ----------------------------------------------------------------------------- logout


def test_a_cookie_copied_before_logout_no_longer_works(app, client, ada):
    ask_for_link(client, "conf", ada.email)
    path, _ = newest_email_to(ada.email)
    assert open_link(client, path).status_code == 303
    assert client.get("/e/conf/").status_code == 200
    with client.session_transaction() as session:
        copied = session[SESSION_KEY]
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/e/conf/")}).status_code == 303
    thief = app.test_client()
    with thief.session_transaction() as session:
        session[SESSION_KEY] = copied
    answer = thief.get("/e/conf/")
    assert answer.status_code == 303 and "/e/conf/login" in answer.headers["Location"]
    assert db.session.execute(db.select(db.func.count(LoginSession.id))).scalar_one() == 0


def test_logging_in_again_ends_the_browsers_previous_session(app, client, ada, make_attendee):
    bo = make_attendee(ada.event, email="bo@example.org", name="Bo")
    for person in (ada, bo):
        ask_for_link(app.test_client(), "conf", person.email)
        assert open_link(client, newest_email_to(person.email)[0]).status_code == 303
    # One browser, one session: Ada's ended on the server when Bo logged in on it.
    rows = db.session.execute(db.select(LoginSession.attendee_id)).scalars().all()
    assert rows == [bo.id]


def test_sessions_expire(app, client, login, ada):
    login(client, ada)
    assert client.get("/e/conf/").status_code == 200
    db.session.execute(db.update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/e/conf/").status_code == 303


def test_private_pages_are_never_stored_by_caches(client, login, ada):
    login(client, ada)
    for path in ("/e/conf/", "/e/conf/contacts/", "/e/conf/contacts/export.json", "/e/conf/contacts/export.csv",
                 "/e/conf/my-data", "/e/conf/profile"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store", path
    # Public and static files keep their own caching.
    with client.get("/static/css/app.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")


# ----------------------------------------------------------------------------- newer links cancel older ones


def test_a_new_link_cancels_the_older_link_and_code(client, ada):
    ask_for_link(client, "conf", ada.email)
    old_path, old_code = newest_email_to(ada.email)
    ask_for_link(client, "conf", ada.email)
    new_path, new_code = newest_email_to(ada.email)
    assert old_path != new_path
    page = client.get(old_path)
    assert page.status_code == 410 and "replaced by a newer one" in page.get_data(as_text=True)
    assert open_link(client, old_path).status_code == 410
    if old_code != new_code:
        assert type_code(client, "conf", ada.email, old_code).status_code == 422
    assert type_code(client, "conf", ada.email, new_code).status_code == 303


def test_an_invitation_never_cancels_a_link_asked_for_minutes_ago(app, client, ada, make_attendee, login):
    organizer = make_attendee(ada.event, email="org@example.org", role="organizer")
    ask_for_link(client, "conf", ada.email)
    asked, _ = newest_email_to(ada.email)
    desk = login(app.test_client(), organizer)
    # The organizer confirms the login emails to everyone not logged in yet (Ada among them).
    page = desk.get("/e/conf/organizer/login-emails").get_data(as_text=True)
    confirmed = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    assert desk.post("/e/conf/organizer/login-emails",
                     data={"csrf_token": csrf_token(desk, "/e/conf/organizer/login-emails"),
                           "token": html.unescape(confirmed)}).status_code == 303
    # Ada is reading the email she asked for: it still works.
    assert open_link(app.test_client(), asked).status_code == 303


def test_an_invitation_cancels_an_older_request_and_older_invitations(app, ada):
    old_request = create_login_link(ada)
    db.session.commit()
    db.session.execute(db.update(LoginToken).values(created_at=utcnow() - timedelta(minutes=20)))
    db.session.commit()
    first_invitation = create_login_link(ada, minutes=60 * 72, origin="invitation")
    db.session.commit()
    create_login_link(ada, origin="helpdesk")
    db.session.commit()
    states = {row.origin: row.cancelled_at is not None
              for row in db.session.execute(db.select(LoginToken)).scalars()}
    assert states == {"requested": True, "invitation": True, "helpdesk": False}
    assert open_link(app.test_client(), urlsplit(old_request.url).path).status_code == 410
    assert open_link(app.test_client(), urlsplit(first_invitation.url).path).status_code == 410


# ----------------------------------------------------------------------------- typed codes


def test_wrong_codes_are_limited_per_address_across_codes_and_clients(app, client, ada):
    """Fresh codes do not buy fresh guesses: about ten an hour per address, whoever types them."""
    answers = []
    for round_ in range(4):
        ask_for_link(app.test_client(), "conf", ada.email, environ_base={"REMOTE_ADDR": f"198.51.100.{round_}"})
        for guess in range(5):
            answers.append(type_code(app.test_client(), "conf", ada.email, f"{guess:06d}"[-6:],
                                     environ_base={"REMOTE_ADDR": f"203.0.113.{round_ * 5 + guess}"}))
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(422) <= CODE_ATTEMPTS_PER_WINDOW and statuses[-1] == 429
    paused = answers[-1]
    assert int(paused.headers["Retry-After"]) > 0
    assert "the link in the login email works right now" in paused.get_data(as_text=True)
    # A delay, never a lock-out: even the right code waits, and the emailed link works now.
    path, code = newest_email_to(ada.email)
    assert type_code(client, "conf", ada.email, code).status_code == 429
    assert open_link(client, path).status_code == 303
    # After the window, typed codes work again.
    db.session.execute(db.update(Attendee).values(code_window_started_at=utcnow() - timedelta(hours=1, seconds=1)))
    db.session.commit()
    other = app.test_client()
    ask_for_link(other, "conf", ada.email)
    assert type_code(other, "conf", ada.email, newest_email_to(ada.email)[1]).status_code == 303


def test_parallel_guesses_are_counted_before_they_are_checked(live_server, ada):
    """Guesses sent at the same moment each count before their check: none slips past the limit."""
    from http.client import HTTPConnection
    from urllib.parse import urlencode

    def call(method: str, path: str, body: dict | None = None, cookie: str = "") -> tuple[int, str, str]:
        connection = HTTPConnection("127.0.0.1", live_server.port, timeout=30)
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        connection.request(method, path, urlencode(body) if body else None, headers)
        answer = connection.getresponse()
        result = answer.status, answer.read().decode(), answer.getheader("Set-Cookie") or ""
        connection.close()
        return result

    _, page, set_cookie = call("GET", "/e/conf/login")
    cookie = set_cookie.split(";", 1)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    call("POST", "/e/conf/login", {"email": ada.email, "csrf_token": token}, cookie)
    barrier = threading.Barrier(30)
    statuses: list[int] = []

    def guess(n: int) -> None:
        barrier.wait()
        status, _, _ = call("POST", "/e/conf/login/code",
                            {"email": ada.email, "code": f"{n:06d}", "csrf_token": token}, cookie)
        statuses.append(status)

    threads = [threading.Thread(target=guess, args=(900000 + n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(statuses) == 30 and statuses.count(500) == 0
    assert statuses.count(422) <= CODE_ATTEMPTS_PER_WINDOW
    assert statuses.count(429) >= 30 - CODE_ATTEMPTS_PER_WINDOW


def test_replaced_link_and_paused_codes_read_well_on_a_phone(make_event, make_attendee, phone, live_server):
    """What a person sees when an older link was replaced, and when typed codes must wait."""
    from conftest import screenshot
    from playwright.sync_api import expect

    event = make_event(slug="phoneconf")
    ada = make_attendee(event, email="ada@example.org", name="Ada Lovelace")
    first = create_login_link(ada)
    db.session.commit()
    create_login_link(ada)
    db.session.commit()
    phone.goto(first.url)
    expect(phone.get_by_role("heading", name="This login link was replaced by a newer one")).to_be_visible()
    expect(phone.get_by_role("link", name="Email me a new link")).to_be_visible()
    screenshot(phone, "login-link-replaced-360")
    db.session.execute(db.update(Attendee).where(Attendee.id == ada.id)
                       .values(code_attempts=CODE_ATTEMPTS_PER_WINDOW, code_window_started_at=utcnow()))
    db.session.commit()
    phone.goto(f"{live_server.url}/e/phoneconf/login/code")
    phone.get_by_label("Email address").fill(ada.email)
    phone.get_by_label("Code from the email").fill("123456")
    phone.get_by_role("button", name="Log in").click()
    expect(phone.locator("#code-code-error")).to_contain_text("Typed codes work again in 60 minutes")
    expect(phone.get_by_label("Code from the email")).to_have_attribute("aria-invalid", "true")
    screenshot(phone, "login-codes-paused-360")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


# ----------------------------------------------------------------------------- desk sessions


def desk_login(app, organizer, attendee):
    """The help desk's on-screen link for `attendee`, as the organizer sees it (a path)."""
    from conftest import start_session_for
    from eventnet.auth.session import SESSION_KEY as KEY

    desk = app.test_client()
    with desk.session_transaction() as session:
        session[KEY] = start_session_for(organizer)
    page = desk.post(f"/e/conf/organizer/attendees/{attendee.id}/login-link",
                     data={"csrf_token": csrf_token(desk, "/e/conf/organizer/attendees")})
    return urlsplit(re.search(r'id="desk-link-url" value="([^"]+)"', page.get_data(as_text=True)).group(1)
                    .replace("&amp;", "&")).path


def test_a_desk_login_kept_by_an_organizer_never_sees_the_contacts_that_come_later(app, ada, make_attendee):
    """The organizer opens the on-screen link themselves and keeps the session; the attendee logs
    in with another desk link on their phone and starts exchanging. The organizer's copy ends."""
    organizer = make_attendee(ada.event, email="org@example.org", role="organizer")
    bo = make_attendee(ada.event, email="bo@example.org", name="Bo Marker-7f3a")
    kept, phone = app.test_client(), app.test_client()
    assert open_link(kept, desk_login(app, organizer, ada)).status_code == 303
    assert open_link(phone, desk_login(app, organizer, ada)).status_code == 303
    assert kept.get("/e/conf/contacts/").status_code == 200  # no data yet: nothing to see
    exchanged = phone.post(f"/b/{bo.badge_token}/exchange",
                           data={"csrf_token": csrf_token(phone, f"/b/{bo.badge_token}")})
    assert exchanged.status_code == 303
    # Ada's phone made her first exchange: it is her session now, and stays.
    assert "Bo Marker-7f3a" in phone.get("/e/conf/contacts/").get_data(as_text=True)
    for path in ("/e/conf/contacts/", "/e/conf/contacts/export.json"):
        answer = kept.get(path)
        assert answer.status_code == 303 and "/e/conf/login" in answer.headers["Location"], path
    assert kept.post("/e/conf/api/scans", json={"token": bo.badge_token}, headers={"Accept": "application/json"}
                     ).status_code == 401
    # Later exchanges from her phone keep working.
    carol = make_attendee(ada.event, email="carol@example.org")
    token = csrf_token(phone, "/e/conf/scan")
    scan = phone.post("/e/conf/api/scans", json={"token": carol.badge_token, "client_uuid": "00000000-0000-4000-8000-000000000001"},
                      headers={"Accept": "application/json", "X-CSRFToken": token})
    assert scan.status_code == 201


def test_desk_sessions_end_when_the_attendee_is_scanned_first(app, ada, make_attendee, login):
    organizer = make_attendee(ada.event, email="org@example.org", role="organizer")
    bo = make_attendee(ada.event, email="bo@example.org")
    kept = app.test_client()
    assert open_link(kept, desk_login(app, organizer, ada)).status_code == 303
    scanner = login(app.test_client(), bo)
    assert scanner.post(f"/b/{ada.badge_token}/exchange",
                        data={"csrf_token": csrf_token(scanner, f"/b/{ada.badge_token}")}).status_code == 303
    assert kept.get("/e/conf/contacts/").status_code == 303
    # Links that reached Ada herself give ordinary sessions, which her data does not end.
    ask_for_link(app.test_client(), "conf", ada.email)
    own = app.test_client()
    assert open_link(own, newest_email_to(ada.email)[0]).status_code == 303
    assert own.get("/e/conf/contacts/").status_code == 200

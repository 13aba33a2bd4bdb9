"""Administrators: `flask admin add/remove/list`, their own login at /admin/login, and /admin
for creating events and naming organizers."""
import re
from urllib.parse import urlsplit

import pytest

from eventnet.attendees.models import Attendee
from eventnet.auth.models import LoginSession, LoginToken
from eventnet.events.models import Event
from eventnet.extensions import db
from eventnet.mail.models import OutboxMessage
from eventnet.audit.models import AuditLog
from tests.conftest import csrf_token


def admin_link_sent_to(address: str) -> str:
    """The login link in the newest administrator email queued to `address`, as a path."""
    row = db.session.execute(
        db.select(OutboxMessage).filter_by(to_addr=address).order_by(OutboxMessage.id.desc())
    ).scalars().first()
    assert row is not None and "administrator" in row.subject.lower()
    return urlsplit(re.search(r"https?://\S+/login/\S+", row.text_body).group(0)).path


def admin_login(client, address: str) -> None:
    """Log a browser in as an administrator the way a person does: ask, open the email, press the button."""
    page = client.post("/admin/login", data={"email": address, "csrf_token": csrf_token(client, "/admin/login")})
    assert page.status_code == 200 and "a login link is on its way" in page.get_data(as_text=True)
    path = admin_link_sent_to(address)
    confirm = client.get(path)
    assert "Log in as an administrator?" in confirm.get_data(as_text=True)
    done = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert done.status_code == 303 and done.headers["Location"] == "/admin"


def test_cli_add_list_remove(runner):
    assert "No administrators yet" in runner.invoke(args=["admin", "list"]).output
    result = runner.invoke(args=["admin", "add", "Root@Example.org"])
    assert result.exit_code == 0 and "root@example.org is now an administrator" in result.output
    assert "already" in runner.invoke(args=["admin", "add", "root@example.org"]).output
    assert runner.invoke(args=["admin", "add", "not an address"]).exit_code == 1
    assert runner.invoke(args=["admin", "list"]).output.strip() == "root@example.org"
    assert runner.invoke(args=["admin", "remove", "ROOT@example.org"]).exit_code == 0
    removed_again = runner.invoke(args=["admin", "remove", "root@example.org"])
    assert removed_again.exit_code == 1 and "is not an administrator" in removed_again.output
    assert "EMAIL" in runner.invoke(args=["admin", "add", "--help"]).output


@pytest.fixture
def admin_client(app, runner, client, make_event):
    make_event(slug="home")
    runner.invoke(args=["admin", "add", "root@example.org"])
    admin_login(client, "root@example.org")
    client.token = csrf_token(client, "/admin")
    return client


ADMIN_ROUTES = [("GET", "/admin"), ("POST", "/admin/events"), ("GET", "/admin/events/{id}"),
                ("POST", "/admin/events/{id}"), ("POST", "/admin/events/{id}/organizers")]


@pytest.mark.parametrize("method,path", ADMIN_ROUTES)
@pytest.mark.parametrize("who", ["anonymous", "attendee", "organizer", "organizer_with_admin_email"])
def test_admin_pages_refuse_everyone_without_an_admin_session(app, client, runner, login, make_event, make_attendee,
                                                              method, path, who):
    app.config["WTF_CSRF_ENABLED"] = False
    runner.invoke(args=["admin", "add", "root@example.org"])
    event = make_event(slug="ev")
    email = "root@example.org" if who == "organizer_with_admin_email" else "x@example.org"
    person = make_attendee(event, email=email, role="attendee" if who == "attendee" else "organizer")
    if who != "anonymous":
        login(client, person)
    response = client.open(path.format(id=event.id), method=method, data={"slug": "new", "email": "y@example.org"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/login"
    assert db.session.execute(db.select(db.func.count(Event.id))).scalar_one() == 1


def test_an_event_account_with_the_admin_address_is_no_administrator(app, client, runner, login, make_event,
                                                                      make_attendee):
    """The hole this closes: an organizer adds an attendee with the administrator's address, logs in
    as them through the help desk, and opens /admin. An event login never carries admin rights."""
    runner.invoke(args=["admin", "add", "root@example.org"])
    event = make_event(slug="ev")
    organizer = make_attendee(event, email="org@example.org", role="organizer")
    login(client, organizer)
    token = csrf_token(client, "/e/ev/organizer/attendees/new")
    client.post("/e/ev/organizer/attendees/new", data={"csrf_token": token, "email": "ROOT@example.org",
                                                      "name": "Fake Root", "role": "attendee"})
    fake_root = db.session.execute(db.select(Attendee).filter_by(email_key="root@example.org")).scalar_one()
    as_fake_root = login(app.test_client(), fake_root)
    assert as_fake_root.get("/e/ev/").status_code == 200
    answer = as_fake_root.get("/admin")
    assert answer.status_code == 303 and answer.headers["Location"] == "/admin/login"
    # Asking for an admin link from there sends it to the real address, not into the event.
    page = as_fake_root.post("/admin/login", data={"email": "root@example.org",
                                                   "csrf_token": csrf_token(as_fake_root, "/admin/login")})
    assert page.status_code == 200
    assert as_fake_root.get("/admin").status_code == 303


def test_admin_login_is_its_own_session_with_its_own_logout(app, client, runner):
    runner.invoke(args=["admin", "add", "root@example.org"])
    assert client.get("/admin/login").status_code == 200
    # An address that is no administrator gets the same answer and no email.
    page = client.post("/admin/login", data={"email": "nobody@example.org",
                                             "csrf_token": csrf_token(client, "/admin/login")})
    assert page.status_code == 200 and "a login link is on its way" in page.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar_one() == 0
    bad = client.post("/admin/login", data={"email": "", "csrf_token": csrf_token(client, "/admin/login")})
    assert bad.status_code == 422

    admin_login(client, "root@example.org")
    assert client.get("/admin").status_code == 200
    assert client.get("/admin/login").headers["Location"] == "/admin"
    assert db.session.execute(db.select(LoginSession.administrator_id)).scalar_one() is not None
    # No typed code logs an administrator in, and the link worked once.
    assert db.session.execute(db.select(LoginToken.used_at)).scalar_one() is not None
    out = client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin")})
    assert out.status_code == 303 and out.headers["Location"] == "/admin/login"
    assert client.get("/admin").status_code == 303
    assert db.session.execute(db.select(db.func.count(LoginSession.id))).scalar_one() == 0


def test_removing_an_administrator_ends_their_sessions(app, client, runner):
    runner.invoke(args=["admin", "add", "root@example.org"])
    admin_login(client, "root@example.org")
    assert client.get("/admin").status_code == 200
    runner.invoke(args=["admin", "remove", "root@example.org"])
    assert client.get("/admin").status_code == 303


def test_create_event_and_name_organizers(admin_client):
    client = admin_client
    page = client.get("/admin").get_data(as_text=True)
    assert "Logged in as root@example.org (an administrator)" in page and "/e/home/" in page
    bad = client.post("/admin/events", data={"csrf_token": client.token, "slug": "Bad Slug!", "name": "X",
                                             "timezone": "Europe/Berlin", "starts_at": "2026-06-01T09:00",
                                             "ends_at": "2026-06-02T18:00"})
    assert bad.status_code == 422 and "The slug may hold only" in bad.get_data(as_text=True)
    assert 'value="Bad Slug!"' in bad.get_data(as_text=True)
    no_time = client.post("/admin/events", data={"csrf_token": client.token, "slug": "x", "name": "X",
                                                 "timezone": "Europe/Berlin", "starts_at": "tomorrow"})
    assert no_time.status_code == 422 and "Enter a date and time" in no_time.get_data(as_text=True)

    created = client.post("/admin/events", data={"csrf_token": client.token, "slug": "pycon-2026", "name": "PyCon 2026",
                                                 "timezone": "Europe/Berlin", "starts_at": "2026-06-01T09:00",
                                                 "ends_at": "2026-06-02T18:00", "venue": "Hall A"})
    assert created.status_code == 303
    event = db.session.execute(db.select(Event).filter_by(slug="pycon-2026")).scalar_one()
    assert event.local(event.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-06-01 09:00"
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "PyCon 2026 was created" in page and "No organizers yet" in page

    organizers = f"/admin/events/{event.id}/organizers"
    need_name = client.post(organizers, data={"csrf_token": client.token, "email": "lin@example.org"})
    assert need_name.status_code == 422 and "enter their name too" in need_name.get_data(as_text=True)
    ok = client.post(organizers, data={"csrf_token": client.token, "email": "Lin@example.org", "name": "Lin Chen"})
    assert ok.status_code == 303
    lin = db.session.execute(db.select(Attendee).filter_by(event_id=event.id, email_key="lin@example.org")).scalar_one()
    assert lin.role == "organizer" and lin.badge_token

    # an existing attendee is promoted, not duplicated
    client.post(organizers, data={"csrf_token": client.token, "email": "bo@example.org", "name": "Bo"})
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(Attendee.id)).filter_by(event_id=event.id)).scalar_one() == 2
    page = client.get(f"/admin/events/{event.id}").get_data(as_text=True)
    assert "Lin Chen &lt;Lin@example.org&gt;" in page
    actions = [e.action for e in db.session.execute(db.select(AuditLog).filter_by(event_id=event.id)
                                                     .order_by(AuditLog.id)).scalars()]
    assert actions == ["event_created", "organizer_added", "organizer_added"]
    assert client.get("/admin/events/999999").status_code == 404


def test_admin_edits_event_details_and_scanning_window(admin_client, make_event):
    client = admin_client
    event = make_event(slug="edit-me")
    url = f"/admin/events/{event.id}"
    bad = client.post(url, data={"csrf_token": client.token, "name": "", "timezone": "Mars/Olympus",
                                 "starts_at": "2026-06-02T09:00", "ends_at": "2026-06-01T09:00",
                                 "scan_opens_at": "2026-06-02T10:00", "scan_closes_at": "2026-06-02T09:00"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Enter the event&#39;s name" in html and "Enter a time zone name" in html
    good = client.post(url, data={"csrf_token": client.token, "name": "Edited", "timezone": "America/New_York",
                                  "venue": "Pier 1", "starts_at": "2026-06-01T09:00", "ends_at": "2026-06-02T18:00",
                                  "scan_opens_at": "2026-06-01T08:30", "scan_closes_at": "2026-06-02T19:00"})
    assert good.status_code == 303
    db.session.expire_all()
    fresh = db.session.get(Event, event.id)
    assert (fresh.name, fresh.venue, fresh.timezone) == ("Edited", "Pier 1", "America/New_York")
    assert fresh.local(fresh.scan_opens_at).strftime("%Y-%m-%d %H:%M") == "2026-06-01 08:30"
    assert fresh.scan_closes_at.hour == 23  # 19:00 in New York (EDT) is 23:00 UTC


def test_organizer_edits_own_event_and_window(client, login, make_event, make_attendee):
    event = make_event(slug="org")
    maren = make_attendee(event, email="maren@example.org", name="Maren", role="organizer")
    login(client, maren)
    page = client.get("/e/org/organizer/event").get_data(as_text=True)
    assert 'name="scan_opens_at"' in page and "Goes out" in page  # the digest's schedule is shown too
    token = csrf_token(client, "/e/org/organizer/event")
    response = client.post("/e/org/organizer/event", data={
        "csrf_token": token, "name": "Renamed", "timezone": "Europe/Berlin", "starts_at": "2026-06-01T09:00",
        "ends_at": "2026-06-02T18:00", "scan_opens_at": "", "scan_closes_at": "2026-06-02T20:00", "venue": "x" * 201})
    assert response.status_code == 422 and "At most 200 characters" in response.get_data(as_text=True)
    response = client.post("/e/org/organizer/event", data={
        "csrf_token": token, "name": "Renamed", "timezone": "Europe/Berlin", "starts_at": "2026-06-01T09:00",
        "ends_at": "2026-06-02T18:00", "scan_opens_at": "", "scan_closes_at": "2026-06-02T20:00"})
    assert response.status_code == 303
    db.session.expire_all()
    fresh = db.session.get(Event, event.id)
    assert fresh.name == "Renamed" and fresh.scan_opens_at is None
    assert fresh.local(fresh.scan_closes_at).strftime("%H:%M") == "20:00"


@pytest.mark.browser
def test_administrator_logs_in_by_emailed_link_in_a_browser(live_server, browser, runner):
    """The whole administrator login on a laptop: ask, read the development mailbox, confirm, work, log out."""
    from conftest import guard_offsite, screenshot
    from playwright.sync_api import expect

    from eventnet.mail.services import send_due

    runner.invoke(args=["admin", "add", "root@example.org"])
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    guard_offsite(page)
    try:
        page.goto(f"{live_server.url}/admin")
        expect(page.get_by_role("heading", name="Administrator login")).to_be_visible()
        page.get_by_label("Administrator email address").fill("root@example.org")
        screenshot(page, "admin-login-1280")
        page.get_by_role("button", name="Email me a login link").click()
        expect(page.get_by_role("status")).to_contain_text("a login link is on its way")
        assert send_due() == 1
        page.goto(f"{live_server.url}/dev/mail/")
        page.get_by_role("link", name="Your administrator login link").click()
        page.locator(".mail-body a").first.click()
        expect(page.get_by_role("heading", name="Log in as an administrator?")).to_be_visible()
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Administration")).to_be_visible()
        expect(page.get_by_text("Logged in as root@example.org (an administrator)")).to_be_visible()
        screenshot(page, "admin-index-1280")
        page.set_viewport_size({"width": 360, "height": 740})
        screenshot(page, "admin-index-360")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.get_by_role("button", name="Log out of the administration").click()
        expect(page.get_by_role("heading", name="Administrator login")).to_be_visible()
        screenshot(page, "admin-login-after-logout-360")
    finally:
        context.close()
    assert page.offsite_requests == []


def test_creating_an_event_checks_each_field_and_asks_which_of_two_equal_times(admin_client):
    client = admin_client
    form = {"csrf_token": client.token, "slug": "fall", "name": "", "timezone": "Europe/Berlin",
            "starts_at": "2026-10-25T02:30", "ends_at": "2026-10-25T18:00", "venue": ""}
    asked = client.post("/admin/events", data=form)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 422 and "Enter the event&#39;s name." in page
    assert "2026-10-25 02:30 happens twice in Europe/Berlin" in page and 'name="starts_at_fold" value="1"' in page
    assert 'id="new-starts_at" name="starts_at" value="2026-10-25T02:30"' in page  # kept as typed
    created = client.post("/admin/events", data={**form, "name": "Fall", "starts_at_fold": "1"})
    assert created.status_code == 303
    event = db.session.execute(db.select(Event).filter_by(slug="fall")).scalar_one()
    assert event.starts_at.replace(tzinfo=None).hour == 1  # the second 02:30, UTC+01:00
    backwards = client.post("/admin/events", data={**form, "slug": "back", "name": "Back",
                                                   "starts_at": "2026-06-02T09:00", "ends_at": "2026-06-01T09:00"})
    assert backwards.status_code == 422 and "The event must end after it starts." in backwards.get_data(as_text=True)


def test_naming_an_organizer_checks_the_address_and_name_and_shows_them_again(admin_client):
    client = admin_client
    event = db.session.execute(db.select(Event).filter_by(slug="home")).scalar_one()
    organizers = f"/admin/events/{event.id}/organizers"
    bad = client.post(organizers, data={"csrf_token": client.token, "email": "  not an address ", "name": "Lin"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "This is not an email address:" in page and 'value="not an address"' in page
    long_name = client.post(organizers, data={"csrf_token": client.token, "email": "lin@example.org",
                                              "name": "L" * 121})
    assert long_name.status_code == 422 and "A name is at most 120 characters." in long_name.get_data(as_text=True)
    long_address = client.post(organizers, data={"csrf_token": client.token, "email": "l" * 250 + "@example.org"})
    assert long_address.status_code == 422
    assert "An email address is at most 254 characters." in long_address.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Attendee.id)).filter_by(event_id=event.id)).scalar_one() == 0


@pytest.mark.parametrize("body", [[1, 2], "x", {"email": "json@example.org", "name": "Sent as JSON"}])
def test_a_json_body_is_no_form_for_the_administration(admin_client, body):
    """Flask-WTF alone would read a JSON body as the form (a 500 for a list): both forms answer as for an empty one."""
    client = admin_client
    event = db.session.execute(db.select(Event).filter_by(slug="home")).scalar_one()
    headers = {"X-CSRFToken": client.token}
    organizer = client.post(f"/admin/events/{event.id}/organizers", json=body, headers=headers)
    assert organizer.status_code == 422 and "This is not an email address" in organizer.get_data(as_text=True)
    assert "Sent as JSON" not in organizer.get_data(as_text=True)
    anonymous = client.application.test_client()
    login = anonymous.post("/admin/login", json=body, headers={"X-CSRFToken": csrf_token(anonymous, "/admin/login")})
    assert login.status_code == 422 and "Enter the administrator&#39;s email address" in login.get_data(as_text=True)


def test_a_field_posted_twice_is_read_once_in_the_administration(admin_client):
    client = admin_client
    event = db.session.execute(db.select(Event).filter_by(slug="home")).scalar_one()
    organizer = client.post(f"/admin/events/{event.id}/organizers",
                            data={"csrf_token": client.token, "email": ["x", "lin@example.org"], "name": ["Lin", "Y"]})
    assert organizer.status_code == 422 and "This is not an email address" in organizer.get_data(as_text=True)
    anonymous = client.application.test_client()
    login = anonymous.post("/admin/login", data={"csrf_token": csrf_token(anonymous, "/admin/login"),
                                                 "email": ["x", "root@example.org"]})
    assert login.status_code == 422

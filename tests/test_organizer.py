"""The organizer's attendee page: who may see it, search, pages, and the help-desk actions."""
import html
import re
from datetime import timedelta

import pytest

from eventnet.database import utcnow
from eventnet.extensions import db
from tests.conftest import csrf_token

HX = {"HX-Request": "true"}


@pytest.fixture
def setup(make_event, make_attendee):
    event = make_event(slug="org")
    organizer = make_attendee(event, email="maren@example.org", name="Maren Lindqvist", role="organizer")
    ada = make_attendee(event, email="ada@example.org", name="Ada Nwosu", company="Northwind")
    return event, organizer, ada


def url(slug="org", tail=""):
    return f"/e/{slug}/organizer/attendees{tail}"


def test_anonymous_is_sent_to_login(client, setup):
    response = client.get(url())
    assert response.status_code == 303
    assert "/e/org/login" in response.headers["Location"]


def test_attendee_gets_403(client, login, setup):
    _, _, ada = setup
    login(client, ada)
    response = client.get(url())
    assert response.status_code == 403
    page = html.unescape(response.get_data(as_text=True))
    # Says what this is and what the attendee can do, with a way back to their own pages.
    assert "for the organizers of" in page and "ask one of its organizers to make you an organizer" in page
    assert 'href="/e/org/"' in page and "flask admin" not in page


def test_organizer_of_another_event_is_not_logged_in_here(client, login, setup, make_event, make_attendee):
    other = make_event(slug="other")
    boss = make_attendee(other, email="boss@example.org", name="Boss", role="organizer")
    login(client, boss)
    response = client.get(url())
    assert response.status_code == 303
    assert "/e/org/login" in response.headers["Location"]
    assert client.get(url("other")).status_code == 200


def test_unknown_event_is_404(client, login, setup):
    _, organizer, _ = setup
    login(client, organizer)
    assert client.get(url("nope")).status_code == 404


def test_list_shows_status_and_no_private_data(client, login, setup):
    event, organizer, ada = setup
    ada.last_login_at = utcnow() - timedelta(hours=1)
    ada.profile_updated_at = utcnow() - timedelta(minutes=30)
    ada.bio = "PRIVATE-ISH BIO"
    ada.phone = "+31 555 0199"
    db.session.commit()
    login(client, organizer)
    response = client.get(url())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 attendees." in html
    row = re.search(r'<tr data-attendee-id="%d">(.*?)</tr>' % ada.id, html, re.S).group(1)
    assert "Ada Nwosu" in row and "ada@example.org" in row and "Northwind" in row
    assert "Logged in" in row and "Profile filled" in row
    maren_row = re.search(r'<tr data-attendee-id="%d">(.*?)</tr>' % organizer.id, html, re.S).group(1)
    maren_text = re.sub(r"<[^>]+>", "", maren_row)
    assert "organizer" in maren_row and "Never logged in" in maren_text and "Profile not filled" in maren_text
    assert "PRIVATE-ISH BIO" not in html and "+31 555 0199" not in html
    # Searching and filtering swap the table as they change (typing waits 300 ms).
    assert 'hx-trigger="input changed delay:300ms from:#attendee-q' in html
    assert 'hx-target="#attendee-rows"' in html


def test_search_by_name_email_company_with_and_without_htmx(client, login, setup, make_attendee):
    event, organizer, _ = setup
    make_attendee(event, email="kenji@kumo.example.com", name="Kenji Watanabe", company="Kumo Labs")
    make_attendee(event, email="priya@example.org", name="Priya Raghunathan", company="50% Health")
    login(client, organizer)

    def names(response):
        return re.findall(r'class="attendee-name">([^<]+)<', response.get_data(as_text=True))

    assert names(client.get(url(tail="?q=kenji"))) == ["Kenji Watanabe"]
    assert names(client.get(url(tail="?q=kumo.example"))) == ["Kenji Watanabe"]
    assert names(client.get(url(tail="?q=NORTHWIND"))) == ["Ada Nwosu"]
    assert names(client.get(url(tail="?q=50%25"))) == ["Priya Raghunathan"]  # % is not a wildcard
    assert names(client.get(url(tail="?q=nobody-at-all"))) == []
    assert "Nobody matches" in client.get(url(tail="?q=nobody-at-all")).get_data(as_text=True)

    fragment = client.get(url(tail="?q=kenji"), headers=HX)
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "Kenji Watanabe" in html and "1 attendee match" in html
    assert "HX-Request" in fragment.headers["Vary"]
    assert client.get(url(tail="?q=" + "x" * 5000)).status_code == 200


def test_paging_50_per_page_and_bad_page_numbers(client, login, setup, make_attendee):
    event, organizer, _ = setup
    for n in range(60):
        make_attendee(event, email=f"p{n:02d}@example.org", name=f"Zz Person {n:02d}")
    login(client, organizer)
    first = client.get(url()).get_data(as_text=True)
    assert first.count("<tr data-attendee-id") == 50
    assert "Page 1 of 2" in first and 'rel="next"' in first
    second = client.get(url(tail="?page=2")).get_data(as_text=True)
    assert second.count("<tr data-attendee-id") == 12
    assert "Zz Person 59" in second and 'rel="prev"' in second
    for bad in ("x", "-3", "0", "99999999999999999999", "2.5", ""):
        response = client.get(url(tail=f"?page={bad}"))
        assert response.status_code == 200, bad
        assert "<tr data-attendee-id" in response.get_data(as_text=True)


def test_reissue_badge_confirms_then_changes_the_token(client, login, setup):
    event, organizer, ada = setup
    old = ada.badge_token
    login(client, organizer)
    confirm = client.get(url(tail=f"/{ada.id}/reissue-badge"))
    assert confirm.status_code == 200
    assert "The old badge stops working" in confirm.get_data(as_text=True)
    db.session.refresh(ada)
    assert ada.badge_token == old  # GET changes nothing

    token = csrf_token(client, url())
    response = client.post(url(tail=f"/{ada.id}/reissue-badge"), data={"csrf_token": token})
    assert response.status_code == 303
    db.session.refresh(ada)
    assert ada.badge_token != old
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ada Nwosu has a new badge" in page

    assert client.post(url(tail=f"/{ada.id}/reissue-badge")).status_code == 400  # no CSRF token


def test_actions_on_another_events_attendee_are_404(client, login, setup, make_event, make_attendee):
    event, organizer, _ = setup
    other = make_event(slug="elsewhere")
    stranger = make_attendee(other, email="s@example.org", name="Stranger")
    old = stranger.badge_token
    login(client, organizer)
    token = csrf_token(client, url())
    assert client.get(url(tail=f"/{stranger.id}/reissue-badge")).status_code == 404
    assert client.post(url(tail=f"/{stranger.id}/reissue-badge"), data={"csrf_token": token}).status_code == 404
    assert client.post(url(tail=f"/{stranger.id}/login-link"), data={"csrf_token": token}).status_code == 404
    assert client.post(url(tail="/999999/login-link"), data={"csrf_token": token}).status_code == 404
    db.session.refresh(stranger)
    assert stranger.badge_token == old


def test_helpdesk_login_link_is_shown_once_and_works(app, app_factory, client, login, setup):
    event, organizer, ada = setup
    login(client, organizer)
    token = csrf_token(client, url())
    response = client.post(url(tail=f"/{ada.id}/login-link"), data={"csrf_token": token})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "Login for Ada Nwosu" in html
    link = re.search(r'id="desk-link-url" value="([^"]+)"', html).group(1)
    assert re.search(r"data-login-code>\s*\S+", html)

    fragment = client.post(url(tail=f"/{ada.id}/login-link"), data={"csrf_token": token}, headers=HX)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "Login for Ada Nwosu" in fragment.get_data(as_text=True)
    # A new desk link replaces the one made before it.
    first, link = link, re.search(r'id="desk-link-url" value="([^"]+)"', fragment.get_data(as_text=True)).group(1)
    assert first != link

    # Ada, on her own phone, opens the latest link (served by a second app on the same database,
    # so nothing the organizer's requests left in this test's app context is shared).
    phone = app_factory().test_client()
    path = link.replace("&amp;", "&").removeprefix(app.config["BASE_URL"])
    page = phone.get(path).get_data(as_text=True)
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    action = re.search(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page)
    phone.post(action.group(1) if action else path, data={"csrf_token": form_token})
    assert "Hello, Ada Nwosu" in phone.get("/e/org/").get_data(as_text=True)


def _login_secrets(html: str) -> list[str]:
    """Anything in a page that would log someone in: a login URL, a code, the link's input."""
    return re.findall(r"/login/[A-Za-z0-9_-]{20,}|data-login-code|desk-link-url", html)


def test_helpdesk_emails_the_link_of_an_attendee_with_data_never_shows_it(app, app_factory, client, login, setup,
                                                                         make_attendee):
    from eventnet.connections.services import record_scan
    from eventnet.contacts.services import remove_contact
    from eventnet.connections.models import Connection
    from eventnet.mail.models import OutboxMessage
    from eventnet.mail.services import deliver_due

    event, organizer, ada = setup
    bo = make_attendee(event, email="bo@example.org", name="Bo Chen")
    record_scan(ada, bo.badge_token, "0b7c5d7e-9a51-4c43-9a0e-1df0f3c1a0d1", None)
    db.session.commit()
    # Bo took his side back: he is now only someone's contact, and that is data of his own too.
    remove_contact(db.session.execute(db.select(Connection).filter_by(owner_id=bo.id)).scalar_one())
    login(client, organizer)
    token = csrf_token(client, url())
    for person in (ada, bo):
        response = client.post(url(tail=f"/{person.id}/login-link"), data={"csrf_token": token}, headers=HX)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert _login_secrets(html) == [], html
        assert f"Login link emailed to {person.name}" in html and person.email in html
        assert "check" in html and "inbox" in html and "60 minutes" in html
    listing = client.get(url()).get_data(as_text=True)
    assert 'aria-label="Email a login link to Ada Nwosu"' in listing
    assert 'aria-label="Email a login link to Bo Chen"' in listing
    assert 'aria-label="Help-desk login link for Maren Lindqvist"' in listing  # no data: on screen
    db.session.expire_all()
    rows = db.session.execute(db.select(OutboxMessage).filter_by(kind="login_link").order_by(OutboxMessage.id)).scalars().all()
    assert [r.to_addr for r in rows] == ["ada@example.org", "bo@example.org"]
    audit_page = client.get("/e/org/organizer/audit").get_data(as_text=True)
    assert re.findall(r'data-action="([a-z_]+)"', audit_page) == ["helpdesk_login_emailed"] * 2
    # The email reaches Ada, and its link logs her in on her own phone.
    assert deliver_due().sent == 2
    import mailbox
    box = mailbox.Maildir(app.config["MAILBOX_PATH"], create=False)
    ada_mail = next(m for m in box if "ada@example.org" in m["To"])
    body = ada_mail.get_payload()[0].get_payload(decode=True).decode()
    assert "sent by the help desk as you asked" in body and "for 60 minutes" in body
    link = re.search(r"(http://eventnet\.test/login/\S+)", body).group(1)
    phone = app_factory().test_client()
    path = link.removeprefix("http://eventnet.test")
    page = phone.get(path).get_data(as_text=True)
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    phone.post(path, data={"csrf_token": form_token})
    assert "Hello, Ada Nwosu" in phone.get("/e/org/").get_data(as_text=True)


def test_helpdesk_decides_when_asked_not_by_the_button_shown(client, login, setup, make_attendee):
    """A page opened before the attendee's first exchange still gets an emailed link, not a shown one."""
    from eventnet.connections.services import record_scan

    event, organizer, ada = setup
    login(client, organizer)
    listing = client.get(url()).get_data(as_text=True)
    assert 'aria-label="Help-desk login link for Ada Nwosu"' in listing
    bo = make_attendee(event, email="bo@example.org", name="Bo Chen")
    record_scan(bo, ada.badge_token, "0b7c5d7e-9a51-4c43-9a0e-1df0f3c1a0d2", None)  # Bo scans Ada meanwhile
    db.session.commit()
    token = csrf_token(client, url())
    html = client.post(url(tail=f"/{ada.id}/login-link"), data={"csrf_token": token}).get_data(as_text=True)
    assert _login_secrets(html) == [] and "Login link emailed to Ada Nwosu" in html


@pytest.mark.browser
def test_phone_active_search_and_help_desk_link(live_server, phone, make_event, make_attendee):
    from conftest import screenshot
    from playwright.sync_api import expect

    from eventnet.auth.services import create_login_link

    event = make_event(slug="desk")
    organizer = make_attendee(event, email="maren@example.org", name="Maren Lindqvist", role="organizer")
    make_attendee(event, email="kenji@example.org", name="Kenji Watanabe", company="Kumo Labs")
    make_attendee(event, email="priya@example.org", name="Priya Raghunathan", company="Brightline")
    with live_server.app.app_context():
        link = create_login_link(db.session.merge(organizer), "/e/desk/organizer/attendees")
        db.session.commit()
    page = phone
    page.goto(link.url)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Attendees")).to_be_visible()
    expect(page.locator("tr[data-attendee-id]")).to_have_count(3)

    # Typing searches as you type (htmx), without pressing the button, and the URL follows.
    page.get_by_label("Search by name, email or company").press_sequentially("kumo")
    expect(page.locator("tr[data-attendee-id]")).to_have_count(1)
    expect(page.locator(".attendee-name")).to_have_text("Kenji Watanabe")
    expect(page).to_have_url("%s/e/desk/organizer/attendees?q=kumo" % live_server.url)

    page.locator("tr", has_text="Kenji Watanabe").locator("summary").click()  # the row's menu
    page.get_by_role("button", name="Help-desk login link for Kenji Watanabe").click()
    expect(page.get_by_role("heading", name="Login for Kenji Watanabe")).to_be_visible()
    expect(page.get_by_role("textbox", name="Login link")).to_have_value(re.compile(r"^%s/login/\S+$" % re.escape(live_server.url)))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "organizer-desk-link-360")


# ----------------------------------------------------------------------------- who may use the console

def _console_routes():
    """Every (rule, method) under /e/<slug>/organizer/, read from the real app's URL map."""
    from eventnet import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/e/<slug>/organizer"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((rule.rule, method))
    return sorted(routes)


CONSOLE_ROUTES = _console_routes()


@pytest.fixture
def matrix_world(app, make_event, make_attendee):
    from eventnet.audit import services as audit
    from eventnet.attendees.importer.uploads import confirm_import, stash_upload

    event = make_event(slug="org")
    organizer = make_attendee(event, email="maren@example.org", name="Maren", role="organizer")
    ada = make_attendee(event, email="ada@example.org", name="Ada")
    other = make_event(slug="other")
    boss = make_attendee(other, email="boss@example.org", name="Boss", role="organizer")
    upload, _ = stash_upload(event, organizer, "a.csv", b"email,name\nx@example.org,X\n")
    confirm_import(event, organizer, upload.id)  # imported: its preview, report and report.csv all answer
    entry = audit.record(event, organizer, "login_emails_queued", count=0)
    db.session.commit()
    return {"event": event, "organizer": organizer, "ada": ada, "boss": boss,
            "values": {"slug": "org", "attendee_id": ada.id, "upload_id": upload.id, "entry_id": entry.id}}


def test_console_route_list_is_complete():
    endpoints = {rule for rule, _ in CONSOLE_ROUTES}
    for expected_rule in ("/e/<slug>/organizer/", "/e/<slug>/organizer/import", "/e/<slug>/organizer/badges.pdf",
                          "/e/<slug>/organizer/audit", "/e/<slug>/organizer/digests", "/e/<slug>/organizer/event"):
        assert expected_rule in endpoints
    assert len(CONSOLE_ROUTES) >= 30


@pytest.mark.parametrize("who", ["anonymous", "attendee", "other_organizer"])
@pytest.mark.parametrize("rule,method", CONSOLE_ROUTES)
def test_console_refuses_everyone_but_this_events_organizers(app, client, login, matrix_world, rule, method, who):
    app.config["WTF_CSRF_ENABLED"] = False  # about who may, not about CSRF (tested on its own)
    path = rule
    for name, value in matrix_world["values"].items():
        path = path.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
    assert "<" not in path, path
    if who == "attendee":
        login(client, matrix_world["ada"])
    elif who == "other_organizer":
        login(client, matrix_world["boss"])
    before = _state_fingerprint(matrix_world)
    response = client.open(path, method=method)
    if who == "attendee":
        assert response.status_code == 403, (method, path, response.status_code)
    else:
        assert response.status_code == 303, (method, path, response.status_code)
        assert "/e/org/login" in response.headers["Location"]
    assert _state_fingerprint(matrix_world) == before  # a refused request changed nothing


def _state_fingerprint(world):
    from eventnet.attendees.models import Attendee
    from eventnet.mail.models import OutboxMessage
    from eventnet.audit.models import AuditLog

    db.session.expire_all()
    return (
        db.session.execute(db.select(db.func.count(AuditLog.id))).scalar_one(),
        db.session.execute(db.select(db.func.count(OutboxMessage.id))).scalar_one(),
        tuple(db.session.execute(db.select(Attendee.id, Attendee.badge_token, Attendee.name, Attendee.role)
                                 .order_by(Attendee.id)).all()),
    )


@pytest.mark.parametrize("rule", sorted({r for r, m in CONSOLE_ROUTES if m == "GET"}))
def test_console_pages_open_for_the_organizer(client, login, matrix_world, rule):
    path = rule
    for name, value in matrix_world["values"].items():
        path = path.replace(f"<{name}>", str(value)).replace(f"<int:{name}>", str(value))
    login(client, matrix_world["organizer"])
    response = client.get(path)
    # 200 pages; 303 where the page sends you on (an upload not imported yet shows its preview)
    assert response.status_code in (200, 303), (path, response.status_code)


def test_posts_need_the_csrf_token(client, login, setup):
    event, organizer, ada = setup
    login(client, organizer)
    for tail in ("/login-emails", "/import", "/digests/pause", "/event", f"/attendees/{ada.id}/remove", "/attendees/new"):
        assert client.post(f"/e/org/organizer{tail}", data={}).status_code == 400, tail
    db.session.expire_all()
    assert db.session.get(type(ada), ada.id) is not None


# ----------------------------------------------------------------------------- attendees by hand

def test_list_shows_contact_counts_never_contacts_or_notes(client, login, setup, make_attendee):
    from eventnet.connections.services import record_scan

    event, organizer, ada = setup
    bo = make_attendee(event, email="bo@example.org", name="Bo Secretcontact")
    result = record_scan(ada, bo.badge_token, "0b7c5d7e-9a51-4c43-9a0e-1df0f3c1a001", None)
    db.session.commit()
    result.connection.note = "PRIVATE NOTE about Bo"
    db.session.commit()
    login(client, organizer)
    html = client.get(url(tail="?q=ada")).get_data(as_text=True)
    row = re.search(r'<tr data-attendee-id="%d">(.*?)</tr>' % ada.id, html, re.S).group(1)
    assert 'data-contacts="1"' in row and "1 contact" in re.sub(r"<[^>]+>", "", row)
    assert "PRIVATE NOTE" not in html and "Bo Secretcontact" not in html
    for path in ("/e/org/organizer/", "/e/org/organizer/audit", f"/e/org/organizer/attendees/{ada.id}/edit"):
        page = client.get(path).get_data(as_text=True)
        assert "PRIVATE NOTE" not in page


def test_add_attendee_by_hand_validates_and_logs(client, login, setup):
    from eventnet.attendees.models import Attendee

    event, organizer, _ = setup
    login(client, organizer)
    token = csrf_token(client, url(tail="/new"))
    bad = client.post(url(tail="/new"), data={"csrf_token": token, "email": "not-an-email", "name": "", "role": "boss"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="a-email" ' in html and 'aria-invalid="true"' in html and "This is not an email address" in html
    assert "Enter the attendee&#39;s name" in html and "Choose attendee or organizer" in html
    assert 'value="not-an-email"' in html  # what was typed is kept

    taken = client.post(url(tail="/new"), data={"csrf_token": token, "email": "ADA@example.org", "name": "Ada 2"})
    assert taken.status_code == 422 and "exists already" in taken.get_data(as_text=True)

    fragment = client.post(url(tail="/new"), data={"csrf_token": token, "email": "x", "name": "N"}, headers=HX)
    assert fragment.status_code == 422 and "<html" not in fragment.get_data(as_text=True)

    ok = client.post(url(tail="/new"), data={"csrf_token": token, "email": "Lin@Example.org", "name": "Lin Chen",
                                              "company": "Acme", "headline": "CTO", "role": "attendee"})
    assert ok.status_code == 303
    page = client.get(ok.headers["Location"]).get_data(as_text=True)
    assert "Lin Chen was added" in page
    lin = db.session.execute(db.select(Attendee).filter_by(email_key="lin@example.org")).scalar_one()
    assert (lin.company, lin.headline, lin.role) == ("Acme", "CTO", "attendee")
    assert lin.badge_token and lin.short_code
    audit_html = client.get("/e/org/organizer/audit").get_data(as_text=True)
    assert "Added an attendee" in audit_html and "maren@example.org" in audit_html


def test_edit_attendee_keeps_email_unique_and_logs_the_change(client, login, setup, make_attendee):
    from eventnet.attendees.models import Attendee

    event, organizer, ada = setup
    make_attendee(event, email="bo@example.org", name="Bo")
    login(client, organizer)
    form_url = url(tail=f"/{ada.id}/edit")
    page = client.get(form_url).get_data(as_text=True)
    assert 'value="Ada Nwosu"' in page
    token = csrf_token(client, form_url)
    clash = client.post(form_url, data={"csrf_token": token, "email": "bo@example.org", "name": "Ada", "role": "attendee"})
    assert clash.status_code == 422 and "Another attendee" in clash.get_data(as_text=True)
    ok = client.post(form_url, data={"csrf_token": token, "email": "ada.n@example.org", "name": "Ada N.",
                                     "company": "Northwind", "headline": "", "role": "organizer"})
    assert ok.status_code == 303
    db.session.expire_all()
    fresh = db.session.get(Attendee, ada.id)
    assert (fresh.email, fresh.email_key, fresh.name, fresh.role) == ("ada.n@example.org", "ada.n@example.org", "Ada N.", "organizer")
    log = client.get("/e/org/organizer/audit").get_data(as_text=True)
    assert "Edited an attendee" in log and "“Ada Nwosu” → “Ada N.”" in log
    # an organizer cannot demote themselves (they would lock themselves out)
    own = url(tail=f"/{organizer.id}/edit")
    response = client.post(own, data={"csrf_token": token, "email": organizer.email, "name": "Maren", "role": "attendee"})
    assert response.status_code == 422 and "cannot change your own role" in response.get_data(as_text=True)


def test_organizer_form_edits_the_name_parts(client, login, setup):
    from eventnet.attendees.models import Attendee

    event, organizer, ada = setup
    login(client, organizer)
    form_url = url(tail=f"/{ada.id}/edit")
    page = client.get(form_url).get_data(as_text=True)
    for name in ("name_prefix", "given_name", "family_name", "name_suffix"):
        assert f'name="{name}"' in page
    token = csrf_token(client, form_url)
    ok = client.post(form_url, data={"csrf_token": token, "email": ada.email, "name": "Ada Nwosu", "role": "attendee",
                                     "name_prefix": "Prof.", "given_name": "Ada", "family_name": "Nwosu"})
    assert ok.status_code == 303
    db.session.expire_all()
    fresh = db.session.get(Attendee, ada.id)
    assert (fresh.name_prefix, fresh.given_name, fresh.family_name, fresh.name_suffix) == ("Prof.", "Ada", "Nwosu", "")
    assert "Given name: “” → “Ada”" in client.get("/e/org/organizer/audit").get_data(as_text=True)
    long = client.post(form_url, data={"csrf_token": token, "email": ada.email, "name": "Ada", "role": "attendee",
                                       "name_suffix": "S" * 41})
    assert long.status_code == 422 and "At most 40 characters (41 now)." in long.get_data(as_text=True)
    added = client.post(url(tail="/new"), data={"csrf_token": token, "email": "kim@example.org", "name": "김민준",
                                                "given_name": "민준", "family_name": "김", "role": "attendee"})
    assert added.status_code == 303
    kim = db.session.execute(db.select(Attendee).filter_by(email_key="kim@example.org")).scalar_one()
    assert (kim.name, kim.given_name, kim.family_name) == ("김민준", "민준", "김")


def test_remove_attendee_deletes_them_and_their_notes(client, login, setup, make_attendee):
    from eventnet.attendees.models import Attendee
    from eventnet.connections.models import Connection
    from eventnet.connections.services import record_scan

    event, organizer, ada = setup
    bo = make_attendee(event, email="bo@example.org", name="Bo")
    record_scan(ada, bo.badge_token, "0b7c5d7e-9a51-4c43-9a0e-1df0f3c1a002", None)
    db.session.commit()
    ada_id, bo_id = ada.id, bo.id
    login(client, organizer)
    confirm = client.get(url(tail=f"/{ada_id}/remove"))
    assert confirm.status_code == 200 and "for good" in confirm.get_data(as_text=True)
    token = csrf_token(client, url(tail=f"/{ada_id}/remove"))
    response = client.post(url(tail=f"/{ada_id}/remove"), data={"csrf_token": token})
    assert response.status_code == 303
    assert "Ada Nwosu was removed" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Attendee, ada_id) is None
    assert db.session.execute(db.select(Connection).filter_by(owner_id=ada_id)).first() is None
    bo_side = db.session.execute(db.select(Connection).filter_by(owner_id=bo_id)).scalar_one()
    assert bo_side.contact_id is None  # Bo keeps their own row, about "a deleted attendee"
    assert "Removed an attendee" in client.get("/e/org/organizer/audit").get_data(as_text=True)
    assert client.post(url(tail=f"/{ada_id}/remove"), data={"csrf_token": token}).status_code == 404
    # nobody removes themselves here
    me = client.post(url(tail=f"/{organizer.id}/remove"), data={"csrf_token": token})
    assert me.status_code == 409 and "cannot remove yourself" in me.get_data(as_text=True)


def test_reissue_and_helpdesk_link_are_in_the_audit_log(client, login, setup):
    event, organizer, ada = setup
    login(client, organizer)
    token = csrf_token(client, url())
    client.post(url(tail=f"/{ada.id}/reissue-badge"), data={"csrf_token": token})
    client.post(url(tail=f"/{ada.id}/login-link"), data={"csrf_token": token})
    html = client.get("/e/org/organizer/audit").get_data(as_text=True)
    actions = re.findall(r'data-action="([a-z_]+)"', html)
    assert actions == ["helpdesk_login_link", "badge_reissued"]  # newest first
    assert html.count("maren@example.org") >= 2 and "Ada Nwosu" in html


def test_help_desk_logs_a_lost_phone_out_on_every_device(app, client, login, setup, make_event, make_attendee):
    event, organizer, ada = setup
    adas_phone = login(app.test_client(), ada)
    assert adas_phone.get("/e/org/").status_code == 200
    login(client, organizer)
    confirm = client.get(url(tail=f"/{ada.id}/log-out-everywhere"))
    assert confirm.status_code == 200 and "every device" in confirm.get_data(as_text=True)
    assert adas_phone.get("/e/org/").status_code == 200  # GET changes nothing
    token = csrf_token(client, url())
    response = client.post(url(tail=f"/{ada.id}/log-out-everywhere"), data={"csrf_token": token})
    assert response.status_code == 303
    assert "logged out on every device" in client.get(response.headers["Location"]).get_data(as_text=True)
    answer = adas_phone.get("/e/org/")
    assert answer.status_code in (302, 303) and "/e/org/login" in answer.headers["Location"]
    assert client.get("/e/org/").status_code == 200  # the organizer stays logged in
    audit = client.get(url(tail="").replace("/attendees", "/audit")).get_data(as_text=True)
    assert "Logged an attendee out on every device" in audit
    # Another event's attendee is not this organizer's to log out.
    stranger = make_attendee(make_event(slug="elsewhere"), email="s@example.org", name="Stranger")
    assert client.post(url(tail=f"/{stranger.id}/log-out-everywhere"), data={"csrf_token": token}).status_code == 404
    assert client.post(url(tail=f"/{ada.id}/log-out-everywhere")).status_code == 400  # no CSRF token

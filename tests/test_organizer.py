"""The organizer's attendee page: who may see it, search, pages, and the help-desk actions."""
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
    assert "for the event&#39;s organizers" in response.get_data(as_text=True)


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
    assert "organizer" in maren_row and "Never logged in" in maren_row and "Profile not filled" in maren_row
    assert "PRIVATE-ISH BIO" not in html and "+31 555 0199" not in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
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

    # Ada, on her own phone, opens the first link (served by a second app on the same database,
    # so nothing the organizer's requests left in this test's app context is shared).
    phone = app_factory().test_client()
    path = link.replace("&amp;", "&").removeprefix(app.config["BASE_URL"])
    page = phone.get(path).get_data(as_text=True)
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    action = re.search(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page)
    phone.post(action.group(1) if action else path, data={"csrf_token": form_token})
    assert "Hello, Ada Nwosu" in phone.get("/e/org/").get_data(as_text=True)


@pytest.mark.browser
def test_phone_active_search_and_help_desk_link(live_server, phone, make_event, make_attendee):
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

    page.get_by_role("button", name="Help-desk login link for Kenji Watanabe").click()
    expect(page.get_by_role("heading", name="Login for Kenji Watanabe")).to_be_visible()
    expect(page.get_by_role("textbox", name="Login link")).to_have_value(re.compile(r"^%s/login/\S+$" % re.escape(live_server.url)))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

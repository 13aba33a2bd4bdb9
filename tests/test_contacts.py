"""The contact book: newest first, search and filters in SQL, counts, deleted contacts, removal."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta, timezone

import pytest
from conftest import csrf_token, statements_for
from sqlalchemy import insert

from eventnet.attendees.models import Attendee
from eventnet.connections.models import Connection
from eventnet.extensions import db

_clock = [datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc)]


def connect(owner, contact, *, initiated: bool = True, **mine) -> Connection:
    """Both sides of an exchange, as the scan service writes them; `mine` sets owner's side."""
    _clock[0] += timedelta(minutes=1)
    at = mine.pop("created_at", _clock[0])
    row = Connection(event_id=owner.event_id, owner_id=owner.id, contact_id=contact.id, initiated=initiated,
                     created_at=at, note=mine.pop("note", ""), tags=mine.pop("tags", []),
                     starred=mine.pop("starred", False), intent=mine.pop("intent", "none"))
    theirs = Connection(event_id=owner.event_id, owner_id=contact.id, contact_id=owner.id, initiated=not initiated,
                        created_at=at, note="", tags=[], starred=False, intent="none")
    db.session.add_all([row, theirs])
    db.session.commit()
    return row


@pytest.fixture
def book(make_event, make_attendee):
    """Me and three contacts: Zoë (hides her company), Bob (scanned me), Carla (tagged, starred)."""
    ev = make_event(slug="conf")
    me = make_attendee(ev, "me@example.org", "Mia Me")
    zoe = make_attendee(ev, "zoe@example.org", "Zoë Ångström 李", company="Secretcorp", headline="Researcher",
                        shared_fields=["headline"])
    bob = make_attendee(ev, "bob@example.org", "Bob Baker", company="Bobcorp", headline="Product lead")
    carla = make_attendee(ev, "carla@example.org", "Carla Cruz", company="Acme 50% Off", headline="CTO")
    rows = {
        "zoe": connect(me, zoe, note="Talked about graph databases"),
        "bob": connect(me, bob, initiated=False, intent="coffee"),
        "carla": connect(me, carla, note="Wants slides", tags=["rust", "hiring"], starred=True, intent="send"),
    }
    return ev, me, {"zoe": zoe, "bob": bob, "carla": carla}, rows


def log_in(live_server, page, attendee) -> None:
    """Log a browser page in the way a person does: open a login link, press "Log in"."""
    from eventnet.auth.services import create_login_link

    with live_server.app.app_context():  # the served app's BASE_URL goes into the link
        link = create_login_link(db.session.merge(attendee))
        db.session.commit()
    page.goto(link.url)
    page.get_by_role("button", name="Log in").click()


def names(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|★", "", n).strip() for n in re.findall(r'class="contact-name">(.*?)</span>\s*\n', html, re.S)]


def count_line(html: str) -> str:
    match = re.search(r'class="muted contact-count"[^>]*>(.*?)</p>', html, re.S)
    return " ".join(match.group(1).split())


def test_anonymous_is_sent_to_login(client, book):
    response = client.get("/e/conf/contacts/")
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


def test_book_lists_my_contacts_newest_first_with_a_count(client, login, book):
    ev, me, people, rows = book
    login(client, me)
    html = client.get("/e/conf/contacts/").get_data(as_text=True)
    assert names(html) == ["Carla Cruz", "Bob Baker", "Zoë Ångström 李"]
    assert count_line(html) == "3 contacts"
    for key, row in rows.items():
        assert f'href="/e/conf/contacts/{row.id}"' in html  # each row opens the contact's card
    assert "Wants slides" in html and "rust" in html and "Meet for coffee" in html
    assert "Scanned me" in html and "I scanned" in html
    # Zoë hides her company: the book does not show it.
    assert "Secretcorp" not in html and "Researcher" in html
    # The search box searches as one types, into the results fragment, and keeps the URL.
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'hx-target="#contact-results"' in html and 'hx-push-url="true"' in html


def test_others_see_only_their_own_book(app, login, book):
    ev, me, people, rows = book
    other = login(app.test_client(), people["bob"])
    html = other.get("/e/conf/contacts/").get_data(as_text=True)
    assert names(html) == ["Mia Me"]
    assert "Wants slides" not in html and "graph databases" not in html


@pytest.mark.parametrize("query, expected", [
    ("carla", ["Carla Cruz"]),                      # name, any case
    ("bobcorp", ["Bob Baker"]),                     # company (shared)
    ("secretcorp", []),                             # company Zoë hides is not searchable
    ("GRAPH", ["Zoë Ångström 李"]),                  # my note
    ("hiring", ["Carla Cruz"]),                     # my tags
    ("Ångström", ["Zoë Ångström 李"]),               # unicode name
    ("ZOË ÅNGSTRÖM", ["Zoë Ångström 李"]),           # ...in any case, on SQLite too
    ("李", ["Zoë Ångström 李"]),
    ("50%", ["Carla Cruz"]),                        # % is a character, not a wildcard
    ("%", ["Carla Cruz"]),                          # ...and only matches a real %
    ("_", []),
    ("wants carla", ["Carla Cruz"]),                # every word must match somewhere
    ("wants bob", []),
])
def test_search(client, login, book, query, expected):
    ev, me, people, rows = book
    login(client, me)
    html = client.get("/e/conf/contacts/", query_string={"q": query}).get_data(as_text=True)
    assert names(html) == expected
    assert count_line(html) == f"{len(expected)} of 3 match"


def test_search_with_htmx_answers_the_results_fragment(client, login, book):
    ev, me, people, rows = book
    login(client, me)
    response = client.get("/e/conf/contacts/?q=bob", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="contact-q"' not in html
    assert names(html) == ["Bob Baker"] and count_line(html) == "1 of 3 match"
    assert "HX-Request" in response.headers["Vary"]
    # The same URL without htmx (reload, shared link, no JavaScript) is the whole page, search filled in.
    page = client.get("/e/conf/contacts/?q=bob").get_data(as_text=True)
    assert "<html" in page and 'value="bob"' in page and names(page) == ["Bob Baker"]


@pytest.mark.parametrize("args, expected", [
    ({"tag": "rust"}, ["Carla Cruz"]),
    ({"tag": "RUST"}, ["Carla Cruz"]),
    ({"tag": "rus"}, []),                            # a tag filter is the whole tag
    ({"starred": "1"}, ["Carla Cruz"]),
    ({"intent": "coffee"}, ["Bob Baker"]),
    ({"met": "scanned_me"}, ["Bob Baker"]),
    ({"met": "i_scanned"}, ["Carla Cruz", "Zoë Ångström 李"]),
    ({"met": "i_scanned", "q": "graph"}, ["Zoë Ångström 李"]),
])
def test_filters(client, login, book, args, expected):
    ev, me, people, rows = book
    login(client, me)
    html = client.get("/e/conf/contacts/", query_string=args).get_data(as_text=True)
    assert names(html) == expected
    assert count_line(html) == f"{len(expected)} of 3 match"


@pytest.mark.parametrize("query", [
    "intent=bogus", "met=sideways", "starred=maybe", "page=x", "page=-4", "page=99999999999999999999",
    "tag=" + "x" * 500, "q=" + "y" * 5000, "tag=%22%5D", "q=%5C",
])
def test_unknown_filter_values_are_ignored_never_500(client, login, book, query):
    ev, me, people, rows = book
    login(client, me)
    response = client.get(f"/e/conf/contacts/?{query}")
    assert response.status_code == 200
    assert "contact-count" in response.get_data(as_text=True)


def test_a_nul_character_in_a_search_is_refused_with_a_message(client, login, book):
    ev, me, people, rows = book
    login(client, me)
    response = client.get("/e/conf/contacts/?q=%00")
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)


def test_tag_menu_lists_my_tags(client, login, book):
    ev, me, people, rows = book
    login(client, me)
    html = client.get("/e/conf/contacts/?tag=rust").get_data(as_text=True)
    assert '<option value="hiring" >hiring</option>' in html
    assert '<option value="rust" selected>rust</option>' in html


def test_deleted_contact_shows_as_deleted_attendee_with_my_note(client, login, book):
    ev, me, people, rows = book
    db.session.delete(people["zoe"])
    db.session.commit()
    login(client, me)
    html = client.get("/e/conf/contacts/").get_data(as_text=True)
    assert names(html) == ["Carla Cruz", "Bob Baker", "A deleted attendee"]
    assert "Talked about graph databases" in html
    assert "Zoë" not in html and "Researcher" not in html
    # My note about them is still searchable.
    assert names(client.get("/e/conf/contacts/?q=graph").get_data(as_text=True)) == ["A deleted attendee"]


# ----------------------------------------------------------------------------- removal


def test_remove_asks_first_then_removes_only_my_side(client, login, book):
    ev, me, people, rows = book
    login(client, me)
    row_id = rows["carla"].id
    page = client.get(f"/e/conf/contacts/{row_id}/remove")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Remove Carla Cruz?" in html
    assert db.session.get(Connection, row_id) is not None  # GET changed nothing

    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post(f"/e/conf/contacts/{row_id}/remove", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/e/conf/contacts/")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Carla Cruz was removed from your contacts" in html
    assert names(html) == ["Bob Baker", "Zoë Ångström 李"]
    db.session.expire_all()
    assert db.session.get(Connection, row_id) is None
    theirs = db.session.execute(db.select(Connection).filter_by(owner_id=people["carla"].id)).scalar_one()
    assert theirs.contact_id == me.id  # Carla still has me
    assert client.get(f"/e/conf/contacts/{row_id}/remove").status_code == 404


def test_remove_from_the_contact_page_form_confirms_with_data_confirm(client, app, login, book):
    ev, me, people, rows = book
    with app.test_request_context():
        from flask import g, render_template

        g.event = ev
        html = render_template("contacts/_remove_form.html", connection=rows["bob"], event=ev)
    assert "data-confirm=" in html and f'action="/e/conf/contacts/{rows["bob"].id}/remove"' in html


def test_remove_someone_elses_contact_is_404_and_needs_csrf(app, client, login, book):
    ev, me, people, rows = book
    bob = login(app.test_client(), people["bob"])
    token = csrf_token(bob, "/e/conf/my-data")
    assert bob.get(f"/e/conf/contacts/{rows['carla'].id}/remove").status_code == 404
    assert bob.post(f"/e/conf/contacts/{rows['carla'].id}/remove", data={"csrf_token": token}).status_code == 404
    login(client, me)
    assert client.post(f"/e/conf/contacts/{rows['carla'].id}/remove").status_code == 400  # no CSRF token
    assert db.session.get(Connection, rows["carla"].id) is not None


# ----------------------------------------------------------------------------- 1,000 contacts


def _many_contacts(ev, me, n: int) -> None:
    start = datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc)
    people = [
        {"event_id": ev.id, "email": f"p{i}@example.org", "email_key": f"p{i}@example.org", "role": "attendee",
         "name": f"Person {i:04d}", "company": f"Company {i % 37}", "headline": "Engineer", "links": [],
         "shared_fields": ["company", "headline"], "badge_token": secrets.token_urlsafe(24),
         "short_code": f"S{i:06d}"}
        for i in range(n)
    ]
    db.session.execute(insert(Attendee), people)
    ids = db.session.execute(db.select(Attendee.id).where(Attendee.email_key.like("p%@example.org"))
                             .order_by(Attendee.id)).scalars().all()
    db.session.execute(insert(Connection), [
        {"event_id": ev.id, "owner_id": me.id, "contact_id": contact_id, "initiated": i % 2 == 0,
         "created_at": start + timedelta(seconds=i), "note": f"note {i} about widgets" if i % 3 else "",
         "tags": ["widgets", f"t{i % 5}"] if i % 4 == 0 else [], "starred": i % 7 == 0,
         "intent": "coffee" if i % 10 == 0 else "none"}
        for i, contact_id in enumerate(ids)
    ])
    db.session.commit()


def test_a_thousand_contacts_take_the_same_number_of_queries_as_a_few(app, client, login, make_event, make_attendee):
    ev = make_event(slug="big")
    me = make_attendee(ev, "me@example.org", "Mia Me")
    login(client, me)
    _many_contacts(ev, me, 3)
    small, html = statements_for(client, "/e/big/contacts/")
    assert count_line(html) == "3 contacts"

    db.session.execute(db.delete(Connection))
    db.session.execute(db.delete(Attendee).where(Attendee.id != me.id))
    db.session.commit()
    _many_contacts(ev, me, 1000)
    for url in ("/e/big/contacts/", "/e/big/contacts/?q=widgets", "/e/big/contacts/?tag=widgets&starred=1",
                "/e/big/contacts/?met=scanned_me&page=3"):
        statements, html = statements_for(client, url)
        assert statements == small, url
    statements, html = statements_for(client, "/e/big/contacts/")
    assert count_line(html) == "1000 contacts · page 1 of 10"
    assert len(names(html)) == 100 and names(html)[0] == "Person 0999"
    assert 'rel="next" href="/e/big/contacts/?page=2"' in html
    statements, html = statements_for(client, "/e/big/contacts/?q=widgets&page=2")
    matching = sum(1 for i in range(1000) if i % 3 or i % 4 == 0)  # in a note, or tagged "widgets"
    assert count_line(html) == f"{matching} of 1000 match · page 2 of {(matching + 99) // 100}"
    assert "page=3" in html and "q=widgets" in html


def test_past_the_end_is_the_last_page_and_a_bad_page_the_first(client, login, make_event, make_attendee):
    ev = make_event(slug="big")
    me = make_attendee(ev, "me@example.org", "Mia Me")
    login(client, me)
    _many_contacts(ev, me, 250)
    # The oldest contact deleted their account: my side stays, on the last page, without a card.
    db.session.execute(db.delete(Attendee).where(Attendee.name == "Person 0000"))
    db.session.commit()
    few, _ = statements_for(client, "/e/big/contacts/?page=2")
    statements, html = statements_for(client, "/e/big/contacts/?page=99999999999999999999")
    assert statements == few
    assert count_line(html) == "250 contacts · page 3 of 3"
    assert names(html) == [f"Person {i:04d}" for i in range(49, 0, -1)] + ["A deleted attendee"]
    assert 'rel="prev" href="/e/big/contacts/?page=2"' in html and 'rel="next"' not in html
    for bad in ("0", "-3", "x", "2.5"):
        html = client.get(f"/e/big/contacts/?sort=name&page={bad}").get_data(as_text=True)
        assert count_line(html) == "250 contacts · page 1 of 3", bad
        assert names(html)[:2] == ["Person 0001", "Person 0002"], bad


# ----------------------------------------------------------------------------- in a phone's browser


@pytest.mark.browser
def test_book_on_a_phone_search_filter_and_remove(live_server, phone, make_event, make_attendee):
    from conftest import screenshot
    from playwright.sync_api import expect

    ev = make_event(slug="conf")
    me = make_attendee(ev, "me@example.org", "Mia Me")
    for i, (name, note, tags) in enumerate([("Ann Ash", "ML ops", ["ml"]), ("Ben Birch", "wants a job", []),
                                            ("Cat Cedar", "ML hiring lead", ["ml", "hiring"])]):
        connect(me, make_attendee(ev, f"p{i}@example.org", name), note=note, tags=tags, starred=i == 2)
    page = phone
    log_in(live_server, page, me)
    page.goto(f"{live_server.url}/e/conf/contacts/")
    count = page.locator(".contact-count")
    expect(count).to_have_text("3 contacts")

    page.get_by_label("Search name, company, your notes and tags").fill("ml")
    expect(count).to_have_text("2 of 3 match")
    expect(page).to_have_url(f"{live_server.url}/e/conf/contacts/?q=ml")  # empty filters left out
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Starred only").check()
    expect(count).to_have_text("1 of 3 match")
    expect(page.locator(".contact-name")).to_have_text(["★ Cat Cedar"])
    expect(page).to_have_url(f"{live_server.url}/e/conf/contacts/?q=ml&starred=1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.reload()  # the pushed URL is a real page: same results after a reload
    expect(count).to_have_text("1 of 3 match")

    # The export menu: the Outlook / Google CSV, with the line saying who it is for, downloads.
    page.goto(f"{live_server.url}/e/conf/contacts/")
    outlook = page.get_by_role("link", name="For Outlook or Google (.csv)")
    outlook.scroll_into_view_if_needed()
    expect(page.locator("#export-outlook-hint")).to_contain_text("Outlook on Windows takes only the first contact")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "contacts-book-exports-phone")
    with page.expect_download() as download:
        outlook.click()
    assert download.value.suggested_filename == "contacts-conf-outlook-google.csv"

    page.get_by_role("link", name="Remove Ben Birch").click()
    expect(page.get_by_role("heading", name="Remove Ben Birch?")).to_be_visible()
    page.get_by_role("button", name="Remove from my contacts").click()
    expect(page.get_by_text("Ben Birch was removed from your contacts")).to_be_visible()
    expect(count).to_have_text("2 contacts")


def test_contact_page_offers_the_vcard_and_removal(app, client, make_event, make_attendee, login):
    from eventnet.connections.services import record_scan

    event = make_event()
    me, them = make_attendee(event, name="Me"), make_attendee(event, name="Thea Them")
    result = record_scan(me, them.badge_token, "6b1e1b8e-3f0a-4c55-9d2c-8a3f5e9b7c11")
    login(client, me)
    page = client.get(f"/e/{event.slug}/contacts/{result.connection_id}").get_data(as_text=True)
    assert f'href="/e/{event.slug}/contacts/{result.connection_id}.vcf"' in page
    assert f'action="/e/{event.slug}/contacts/{result.connection_id}/remove"' in page


# ----------------------------------------------------------------------------- issue 12: the phone moment


@pytest.fixture
def richer_book(book, make_attendee):
    """The book plus a note, a tag and a follow-up in other scripts, and Bob's own notes about me."""
    ev, me, people, rows = book
    dora = make_attendee(ev, "dora@example.org", "Dora Dúbravka", company="Ösel Café", headline="Chef",
                         shared_fields=["company", "headline"])
    rows["dora"] = connect(me, dora, note="Kennt ZOË aus Köln; Works on: fermentation", tags=["café"],
                           intent="mentor", starred=True)
    # Bob's side of our exchange, with words nobody else may ever find or see.
    theirs = db.session.execute(db.select(Connection).filter_by(owner_id=people["bob"].id, contact_id=me.id)).scalar_one()
    theirs.note, theirs.tags, theirs.intent = "BOBSECRET thinks Mia is a flight risk", ["bobtag"], "job"
    db.session.commit()
    return ev, me, people, rows


@pytest.mark.parametrize("query, expected", [
    ("coffee", ["Bob Baker"]),                      # the follow-up's label: "Meet for coffee"
    ("COFFEE", ["Bob Baker"]),
    ("meet", ["Bob Baker"]),
    ("mentor", ["Dora Dúbravka"]),
    ("send something", ["Carla Cruz"]),             # both words in "Send something"
    ("follow-up", []),                              # "No follow-up" is no follow-up
    ("zoë", ["Zoë Ångström 李", "Dora Dúbravka"]),   # a name, and a word of my note, any case
    ("ZOË", ["Zoë Ångström 李", "Dora Dúbravka"]),
    ("köln", ["Dora Dúbravka"]),                     # non-ASCII in a note, lower-cased query
    ("KÖLN", ["Dora Dúbravka"]),
    ("ösel", ["Dora Dúbravka"]),                     # a shared company, non-ASCII
    ("CAFÉ", ["Dora Dúbravka"]),                     # a tag (company too), upper-cased
    ("fermentation", ["Dora Dúbravka"]),
    ("BOBSECRET", []),                              # Bob's note about me is his, not mine
    ("bobtag", []),
    ("flight risk", []),
])
def test_search_covers_follow_ups_and_every_script(client, login, richer_book, query, expected):
    ev, me, people, rows = richer_book
    login(client, me)
    html = client.get("/e/conf/contacts/", query_string={"q": query}).get_data(as_text=True)
    assert sorted(names(html)) == sorted(expected)
    assert "thinks Mia" not in html and ">bobtag<" not in html


def test_the_other_side_never_finds_or_sees_my_notes(app, login, richer_book):
    ev, me, people, rows = richer_book
    bob = login(app.test_client(), people["bob"])
    for query in ("Wants slides", "graph", "Köln", "rust", "café", "send", "mentor", "Mia"):
        html = bob.get("/e/conf/contacts/", query_string={"q": query}).get_data(as_text=True)
        shown_notes = re.findall(r'class="contact-note small">([^<]*)<', html)
        assert shown_notes == (["BOBSECRET thinks Mia is a flight risk"] if query == "Mia" else [])
        assert names(html) == (["Mia Me"] if query == "Mia" else [])
    # His own follow-up ("Hire / job lead") and note are his to find.
    assert names(bob.get("/e/conf/contacts/?q=job").get_data(as_text=True)) == ["Mia Me"]
    assert names(bob.get("/e/conf/contacts/?q=flight").get_data(as_text=True)) == ["Mia Me"]


@pytest.mark.parametrize("args, expected", [
    ({"sort": "name"}, ["Bob Baker", "Carla Cruz", "Dora Dúbravka", "Zoë Ångström 李"]),
    ({"sort": "recent"}, ["Dora Dúbravka", "Carla Cruz", "Bob Baker", "Zoë Ångström 李"]),
    ({}, ["Dora Dúbravka", "Carla Cruz", "Bob Baker", "Zoë Ångström 李"]),
    ({"sort": "starred"}, ["Dora Dúbravka", "Carla Cruz", "Bob Baker", "Zoë Ångström 李"]),
    ({"sort": "open"}, ["Dora Dúbravka", "Carla Cruz", "Bob Baker", "Zoë Ångström 李"]),
    ({"sort": "name", "starred": "1"}, ["Carla Cruz", "Dora Dúbravka"]),
    ({"sort": "name", "q": "zoë"}, ["Dora Dúbravka", "Zoë Ångström 李"]),
    ({"sort": "name", "met": "i_scanned", "starred": "1"}, ["Carla Cruz", "Dora Dúbravka"]),
    ({"sort": "open", "q": "coffee"}, ["Bob Baker"]),
    ({"sort": "bogus"}, ["Dora Dúbravka", "Carla Cruz", "Bob Baker", "Zoë Ångström 李"]),
])
def test_sort_with_filters(client, login, richer_book, args, expected):
    ev, me, people, rows = richer_book
    login(client, me)
    response = client.get("/e/conf/contacts/", query_string=args)
    assert response.status_code == 200
    assert names(response.get_data(as_text=True)) == expected


def test_open_follow_ups_sort_first_and_done_ones_do_not(client, login, richer_book):
    ev, me, people, rows = richer_book
    rows["dora"].followup_done_at = rows["dora"].created_at  # her mentoring chat happened
    rows["dora"].starred = False
    db.session.commit()
    login(client, me)
    html = client.get("/e/conf/contacts/?sort=open").get_data(as_text=True)
    # Carla (send) and Bob (coffee) are open, newest first; then Dora (done) and Zoë (none).
    assert names(html) == ["Carla Cruz", "Bob Baker", "Dora Dúbravka", "Zoë Ångström 李"]
    assert "Mentor (done)" in html


def test_filters_say_what_is_active_without_javascript(client, login, richer_book):
    ev, me, people, rows = richer_book
    login(client, me)
    html = client.get("/e/conf/contacts/?starred=1&intent=mentor&sort=name").get_data(as_text=True)
    summary = re.search(r"<summary>(.*?)</summary>", html, re.S).group(1)
    assert " ".join(re.sub(r"<[^>]+>", "", summary).split()) == "Filters · Starred, Mentor, Name"
    assert '<details class="contact-filters">' in html  # closed: the list comes first
    assert names(html) == ["Dora Dúbravka"] and count_line(html) == "1 of 4 match"
    assert '<option value="name" selected>Name</option>' in html
    # A plain GET form: every control is named, so the browser's own submit carries them.
    form = re.search(r'<form method="get" action="/e/conf/contacts/" role="search".*?</form>', html, re.S).group(0)
    for name in ("q", "sort", "intent", "tag", "met", "starred"):
        assert f'name="{name}"' in form
    # Nothing active: just "Filters".
    plain = client.get("/e/conf/contacts/").get_data(as_text=True)
    assert re.sub(r"<[^>]+>|\s", "", re.search(r"<summary>(.*?)</summary>", plain, re.S).group(1)) == "Filters"


def test_htmx_results_refresh_the_filter_summary_out_of_band_and_push_the_url(client, login, richer_book):
    ev, me, people, rows = richer_book
    login(client, me)
    response = client.get("/e/conf/contacts/?q=&starred=1&intent=&tag=&met=&sort=name",
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert '<span id="filter-summary" class="filter-summary" hx-swap-oob="true"> · Starred, Name</span>' in html
    assert response.headers["HX-Push-Url"] == "/e/conf/contacts/?starred=1&sort=name"
    assert names(html) == ["Carla Cruz", "Dora Dúbravka"]
    # The whole page has the summary once, in the summary, not out of band.
    page = client.get("/e/conf/contacts/?starred=1&sort=name").get_data(as_text=True)
    assert page.count('id="filter-summary"') == 1 and "hx-swap-oob" not in page


def test_every_row_has_a_face(client, login, richer_book):
    ev, me, people, rows = richer_book
    db.session.delete(people["zoe"])
    db.session.commit()
    login(client, me)
    html = client.get("/e/conf/contacts/").get_data(as_text=True)
    faces = re.findall(r'<span class="avatar avatar-sm avatar-hue-\d" aria-hidden="true">([^<]*)</span>', html)
    assert faces == ["DD", "CC", "BB", "AA"]  # Dora, Carla, Bob, and "A deleted attendee"


def test_empty_states_say_what_to_do(client, login, make_event, make_attendee, richer_book):
    ev, me, people, rows = richer_book
    login(client, me)
    html = client.get("/e/conf/contacts/?q=nobody-like-this&starred=1").get_data(as_text=True)
    assert "No contact matches “nobody-like-this”." in html
    assert "loosen the filters (Starred)" in html and "show all 4 contacts" in html
    alone = make_attendee(ev, "alone@example.org", "Al Alone")
    login(client, alone)
    html = client.get("/e/conf/contacts/").get_data(as_text=True)
    assert "No contacts yet." in html and 'href="/e/conf/scan' in html and "Show my QR" in html


@pytest.mark.browser
def test_the_book_on_a_360_px_phone_shows_the_list_first(live_server, phone, make_event, make_attendee):
    """At 360 x 740 with the filters closed, at least four contacts show before any scrolling;
    the disclosure has an arrow, opens, and its summary says what is active."""
    from conftest import screenshot
    from playwright.sync_api import expect

    ev = make_event(slug="conf")
    me = make_attendee(ev, "me@example.org", "Mia Me")
    people = [("Amara Okafor", "Head of Data", "Lumen Transit", "Works on: live dashboards for buses", ["data"], "send"),
              ("Jonas Weber", "Engineering manager", "Brightline Rail", "Needs: a mentor for two new leads", [], "coffee"),
              ("Mei Tanaka", "Founder", "Kumo Robotics", "Wants an intro to a hardware investor", ["founder"], "introduce"),
              ("Lucas Moreau", "Product designer", "Atelier Nord", "", [], "none"),
              ("Priya Raman", "Developer advocate", "Open Maps Collective", "Great talk on accessibility", ["a11y"], "coffee"),
              ("Zoë Ångström", "Researcher", "Nordlys", "", [], "none"),
              ("Kwame Mensah", "Angel investor", "", "Invests in climate hardware", [], "none")]
    for i, (name, headline, company, note, tags, intent) in enumerate(people):
        contact = make_attendee(ev, f"p{i}@example.org", name, headline=headline, company=company,
                                shared_fields=["headline", "company"])
        connect(me, contact, note=note, tags=tags, intent=intent, starred=i in (1, 4))
    page = phone
    log_in(live_server, page, me)
    page.goto(f"{live_server.url}/e/conf/contacts/")
    expect(page.locator(".contact-count")).to_have_text("7 contacts")

    def fully_visible_rows() -> int:
        # Above the fold: the whole row inside the viewport and above the tab bar, if one is fixed there.
        return page.evaluate("""() => {
            const bar = document.querySelector('.tabbar');
            const floor = bar && getComputedStyle(bar).position === 'fixed' ? bar.getBoundingClientRect().top : innerHeight;
            return [...document.querySelectorAll('.contact-row')].filter(r => {
                const box = r.getBoundingClientRect(); return box.top >= 0 && box.bottom <= floor; }).length; }""")

    filters = page.locator("details.contact-filters")
    assert filters.evaluate("d => d.open") is False
    screenshot(page, "contacts-book", full_page=False)
    assert fully_visible_rows() >= 4, fully_visible_rows()
    # Each row has a face: initials on a colour.
    expect(page.locator(".contact-row .avatar").first).to_have_text("KM")
    # One line of search: the box and its button side by side.
    box = page.get_by_label("Search name, company, your notes and tags").bounding_box()
    button = page.get_by_role("button", name="Search").bounding_box()
    assert abs(box["y"] - button["y"]) < 8 and box["height"] <= 50
    # The summary shows an arrow that turns when it opens.
    summary = page.locator("details.contact-filters > summary")
    assert summary.evaluate("s => getComputedStyle(s, '::before').content") == '"▸"'
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "contacts-book", full_page=False)

    # Searching a follow-up's label as one types: the URL follows, and back/reload keep it.
    page.get_by_label("Search name, company, your notes and tags").fill("coffee")
    expect(page.locator(".contact-count")).to_have_text("2 of 7 match")
    expect(page).to_have_url(f"{live_server.url}/e/conf/contacts/?q=coffee")
    expect(page.locator(".contact-name")).to_have_text(["★ Priya Raman", "★ Jonas Weber"])

    summary.click()
    assert filters.evaluate("d => d.open") is True
    page.get_by_label("Starred only").check()
    page.get_by_label("Order").select_option("name")
    expect(page.locator(".contact-name")).to_have_text(["★ Jonas Weber", "★ Priya Raman"])
    expect(summary).to_have_text("Filters · Starred, Name")
    expect(page).to_have_url(f"{live_server.url}/e/conf/contacts/?q=coffee&starred=1&sort=name")
    assert summary.evaluate("s => getComputedStyle(s, '::before').transform") != "none"
    screenshot(page, "contacts-book-filters", full_page=False)
    page.reload()
    expect(page.locator(".contact-count")).to_have_text("2 of 7 match")
    expect(summary).to_have_text("Filters · Starred, Name")
    page.go_back()
    expect(page.locator(".contact-count")).to_have_text("2 of 7 match")


@pytest.mark.browser
def test_the_book_without_javascript_searches_with_a_plain_form(live_server, browser, make_event, make_attendee):
    ev = make_event(slug="conf")
    me = make_attendee(ev, "me@example.org", "Mia Me")
    connect(me, make_attendee(ev, "b@example.org", "Bea Bloom"), intent="coffee", starred=True)
    connect(me, make_attendee(ev, "c@example.org", "Cy Coal"), note="met at the coffee cart")
    connect(me, make_attendee(ev, "d@example.org", "Di Dune"))
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        log_in(live_server, page, me)
        page.goto(f"{live_server.url}/e/conf/contacts/")
        page.get_by_label("Search name, company, your notes and tags").fill("coffee")
        page.get_by_role("button", name="Search").click()
        assert page.url == f"{live_server.url}/e/conf/contacts/?q=coffee&sort=recent&intent=&tag=&met="
        assert page.locator(".contact-count").inner_text() == "2 of 3 match"
        page.locator("details.contact-filters > summary").click()
        page.get_by_label("Starred only").check()
        page.get_by_role("button", name="Apply filters").click()
        assert page.locator(".contact-name").all_inner_texts() == ["★ Bea Bloom"]
        assert " ".join(page.locator("details.contact-filters > summary").inner_text().split()) == "Filters · Starred"
    finally:
        context.close()

"""The scanner's server side: page, note by scan UUID, typed code, name search, app files."""
from __future__ import annotations

import gzip
import io
import json
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from conftest import csrf_token
from flask import g

from eventnet.connections.models import Connection, Scan
from eventnet.extensions import db
from eventnet.scanner import services
from eventnet.scanner.services import ScannerError

JSON = {"Accept": "application/json"}


def token_of(client, url="/e/conf/scan") -> str:
    g.pop("csrf_token", None)  # Flask-WTF caches the token in the shared test app context
    return csrf_token(client, url)


@pytest.fixture
def people(make_event, make_attendee):
    event = make_event(slug="conf")
    alice = make_attendee(event, "alice@example.org", "Alice Able", company="Acme", headline="Data engineer",
                          shared_fields=["headline", "company"])
    bob = make_attendee(event, "bob@example.org", "Bob Baker", company="Secret Corp", headline="Spy",
                        shared_fields=[])
    return event, alice, bob


@pytest.fixture
def bob_client(app, login, people):
    client = app.test_client()
    login(client, people[2])
    return client


def scan(client, token, badge_token, client_uuid=None):
    client_uuid = client_uuid or str(uuid.uuid4())
    response = client.post("/e/conf/api/scans", headers={"X-CSRFToken": token, **JSON},
                           json={"token": badge_token, "client_uuid": client_uuid,
                                 "scanned_at": datetime.now(timezone.utc).isoformat()})
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return client_uuid


def iso(moment: datetime) -> str:
    return moment.isoformat()


def post_note(client, token, client_uuid, note, edited_at, sent_at=None, attendee_id=None, **extra):
    body = {"note": note, "edited_at": edited_at, "attendee_id": attendee_id, **extra}
    if sent_at is not None:
        body["sent_at"] = sent_at
    return client.post(f"/e/conf/api/scans/{client_uuid}/note", json=body, headers={"X-CSRFToken": token, **JSON})


# ----------------------------------------------------------------------------- the page


def test_scanner_page_needs_login(client, people):
    response = client.get("/e/conf/scan")
    assert response.status_code in (302, 303)
    assert "/e/conf/login" in response.headers["Location"]


def test_scanner_page_exposes_the_attendee_and_works_without_javascript(bob_client, people):
    event, alice, bob = people
    html = bob_client.get("/e/conf/scan").get_data(as_text=True)
    assert f'data-attendee-id="{bob.id}"' in html
    assert 'data-scan-api="/e/conf/api/scans"' in html
    assert 'data-note-api="/e/conf/api/scans/CLIENT_UUID/note"' in html
    # The camera block is hidden until scanner.js runs; the code and search forms are plain HTML.
    assert re.search(r'<section class="scanner-camera"[^>]*hidden', html)
    assert 'action="/e/conf/scan/code"' in html and 'action="/e/conf/scan/search"' in html
    assert '<label for="code-input">' in html
    # Platform-specific camera help, iOS Safari included.
    assert 'data-platform="ios"' in html and "Website Settings" in html
    assert 'rel="manifest"' in html and "/scanner/decoder/" in html
    # The tab bar has a Scan tab, marked as the current page here.
    assert re.search(r'<a href="/e/conf/scan"\s+aria-current="page">Scan</a>', html)
    # The body tells the service worker which pages to keep offline.
    assert "data-offline-pages=" in html and "/e/conf/me/qr" in html and "/e/conf/contacts/" in html


def test_logged_out_pages_ask_the_worker_to_forget(client, people):
    html = client.get("/").get_data(as_text=True)
    assert "data-logged-out" in html and "data-offline-pages" not in html


# ----------------------------------------------------------------------------- session API


def test_session_api_names_the_attendee_and_gives_a_fresh_token(bob_client, people):
    response = bob_client.get("/e/conf/api/session")
    assert response.status_code == 200
    assert response.json["attendee_id"] == people[2].id and response.json["csrf_token"]
    assert response.headers["Cache-Control"] == "no-store"


def test_session_api_logged_out_is_401_json(client, people):
    response = client.get("/e/conf/api/session")
    assert response.status_code == 401 and response.json["error"]["code"] == "login_required"


# ----------------------------------------------------------------------------- note by scan UUID


def test_note_by_scan_uuid_saves_on_the_scanners_side(bob_client, people):
    event, alice, bob = people
    token = token_of(bob_client)
    scan_id = scan(bob_client, token, alice.badge_token)
    now = datetime.now(timezone.utc)
    response = post_note(bob_client, token, scan_id, "Works on: lakes", iso(now), iso(now), bob.id)
    assert response.status_code == 200 and response.json["status"] == "saved"
    db.session.expire_all()
    mine = db.session.execute(db.select(Connection).filter_by(owner_id=bob.id)).scalar_one()
    theirs = db.session.execute(db.select(Connection).filter_by(owner_id=alice.id)).scalar_one()
    assert mine.note == "Works on: lakes" and theirs.note == ""
    assert response.json["connection_id"] == mine.id


def test_note_replay_and_older_edits_change_nothing(bob_client, people):
    event, alice, bob = people
    token = token_of(bob_client)
    scan_id = scan(bob_client, token, alice.badge_token)
    now = datetime.now(timezone.utc)
    newer = post_note(bob_client, token, scan_id, "second", iso(now - timedelta(seconds=5)), iso(now), bob.id)
    assert newer.json["status"] == "saved"
    for _ in range(3):  # the same edit replayed: harmless
        again = post_note(bob_client, token, scan_id, "second", iso(now - timedelta(seconds=5)), iso(now), bob.id)
        assert again.status_code == 200 and again.json["status"] == "stale"
    older = post_note(bob_client, token, scan_id, "first", iso(now - timedelta(seconds=60)), iso(now), bob.id)
    assert older.json["status"] == "stale"
    db.session.expire_all()
    assert db.session.execute(db.select(Connection.note).filter_by(owner_id=bob.id)).scalar_one() == "second"
    latest = post_note(bob_client, token, scan_id, "third", iso(now + timedelta(seconds=1)),
                       iso(now + timedelta(seconds=1)), bob.id)
    assert latest.json["status"] == "saved"
    db.session.expire_all()
    assert db.session.execute(db.select(Connection.note).filter_by(owner_id=bob.id)).scalar_one() == "third"


def test_a_phone_clock_hours_off_still_orders_edits_by_when_they_were_made(bob_client, people):
    event, alice, bob = people
    token = token_of(bob_client)
    scan_id = scan(bob_client, token, alice.badge_token)
    # An online edit on the contact page, saved by the server just now.
    mine = db.session.execute(db.select(Connection).filter_by(owner_id=bob.id)).scalar_one()
    online = bob_client.post(f"/e/conf/contacts/{mine.id}/note", data={"csrf_token": token, "note": "online edit"})
    assert online.status_code == 303
    # A phone whose clock is 3 hours behind sends an edit it made just now: it is newer.
    phone_now = datetime.now(timezone.utc) - timedelta(hours=3)
    response = post_note(bob_client, token, scan_id, "phone edit", iso(phone_now), iso(phone_now), bob.id)
    assert response.json["status"] == "saved"
    # The same phone replays an edit it made an hour ago (queued while offline): it is older.
    stale = post_note(bob_client, token, scan_id, "old phone edit", iso(phone_now - timedelta(hours=1)),
                      iso(phone_now), bob.id)
    assert stale.json["status"] == "stale"
    db.session.expire_all()
    assert db.session.execute(db.select(Connection.note).filter_by(owner_id=bob.id)).scalar_one() == "phone edit"


def test_note_for_an_unknown_or_someone_elses_scan_is_404(app, login, bob_client, people):
    event, alice, bob = people
    alice_client = app.test_client()
    login(alice_client, alice)
    alice_token = token_of(alice_client)
    alices_scan = scan(alice_client, alice_token, bob.badge_token)
    token = token_of(bob_client)
    now = iso(datetime.now(timezone.utc))
    for client_uuid in (str(uuid.uuid4()), alices_scan):
        response = post_note(bob_client, token, client_uuid, "x", now, now, bob.id)
        assert response.status_code == 404 and response.json["error"]["code"] == "unknown_scan"
    db.session.expire_all()
    assert db.session.execute(db.select(Connection.note).filter_by(owner_id=alice.id)).scalar_one() == ""


def test_note_of_another_attendee_waits_409(bob_client, people):
    event, alice, bob = people
    token = token_of(bob_client)
    scan_id = scan(bob_client, token, alice.badge_token)
    now = iso(datetime.now(timezone.utc))
    response = post_note(bob_client, token, scan_id, "x", now, now, alice.id)
    assert response.status_code == 409 and response.json["error"]["code"] == "other_attendee"


@pytest.mark.parametrize("body, status, code", [
    ({"note": "x", "edited_at": "yesterday"}, 400, "invalid_time"),
    ({"note": "x", "edited_at": "2026-01-01T10:00:00"}, 400, "invalid_time"),
    ({"note": 5, "edited_at": "2026-01-01T10:00:00+00:00"}, 400, "invalid_note"),
    ({"note": "x" * 5001, "edited_at": "NOW"}, 422, "note_invalid"),
])
def test_bad_notes_are_clear_json_errors(bob_client, people, body, status, code):
    event, alice, bob = people
    token = token_of(bob_client)
    scan_id = scan(bob_client, token, alice.badge_token)
    if body["edited_at"] == "NOW":
        body["edited_at"] = iso(datetime.now(timezone.utc))
    response = bob_client.post(f"/e/conf/api/scans/{scan_id}/note", json={**body, "attendee_id": bob.id},
                               headers={"X-CSRFToken": token, **JSON})
    assert response.status_code == status and response.json["error"]["code"] == code


def test_tags_star_and_intent_travel_with_the_note(bob_client, people):
    event, alice, bob = people
    token = token_of(bob_client)
    scan_id = scan(bob_client, token, alice.badge_token)
    now = datetime.now(timezone.utc)
    response = post_note(bob_client, token, scan_id, "Works on: Rust", iso(now), iso(now), bob.id,
                         tags=[" Rust ", "hiring", "rust"], starred=True, intent="coffee")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["status"] == "saved"
    assert (response.json["tags"], response.json["starred"], response.json["intent"]) == (["rust", "hiring"], True, "coffee")
    db.session.expire_all()
    mine = db.session.execute(db.select(Connection).filter_by(owner_id=bob.id)).scalar_one()
    assert (mine.note, mine.tags, mine.starred, mine.intent) == ("Works on: Rust", ["rust", "hiring"], True, "coffee")
    # Alice's side of the exchange knows nothing of it.
    theirs = db.session.execute(db.select(Connection).filter_by(owner_id=alice.id)).scalar_one()
    assert (theirs.note, theirs.tags, theirs.starred, theirs.intent) == ("", [], False, "none")
    # The same item replayed changes nothing; a later edit of the star alone keeps the rest.
    replay = post_note(bob_client, token, scan_id, "Works on: Rust", iso(now), iso(now), bob.id,
                       tags=["rust", "hiring"], starred=True, intent="coffee")
    assert replay.json["status"] == "stale"
    later = now + timedelta(seconds=5)
    body = {"starred": False, "edited_at": iso(later), "sent_at": iso(later), "attendee_id": bob.id}
    response = bob_client.post(f"/e/conf/api/scans/{scan_id}/note", json=body, headers={"X-CSRFToken": token, **JSON})
    assert response.json["status"] == "saved"
    db.session.expire_all()
    mine = db.session.get(Connection, mine.id)
    assert (mine.note, mine.tags, mine.starred, mine.intent) == ("Works on: Rust", ["rust", "hiring"], False, "coffee")


@pytest.mark.parametrize("fields, status, code", [
    ({"tags": 5}, 400, "invalid_note"),
    ({"tags": ["ok", 7]}, 400, "invalid_note"),
    ({"starred": "yes"}, 400, "invalid_note"),
    ({"intent": 3}, 400, "invalid_note"),
    ({}, 400, "invalid_note"),
    ({"intent": "party"}, 422, "note_invalid"),
    ({"tags": [f"t{n}" for n in range(11)]}, 422, "note_invalid"),
])
def test_bad_tags_star_or_intent_are_refused_and_nothing_changes(bob_client, people, fields, status, code):
    event, alice, bob = people
    token = token_of(bob_client)
    scan_id = scan(bob_client, token, alice.badge_token)
    now = iso(datetime.now(timezone.utc))
    body = {"note": "kept?", **fields} if fields else {}
    response = bob_client.post(f"/e/conf/api/scans/{scan_id}/note", headers={"X-CSRFToken": token, **JSON},
                               json={**body, "edited_at": now, "sent_at": now, "attendee_id": bob.id})
    assert response.status_code == status and response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    db.session.expire_all()
    mine = db.session.execute(db.select(Connection).filter_by(owner_id=bob.id)).scalar_one()
    assert (mine.note, mine.tags, mine.starred, mine.intent) == ("", [], False, "none")


def test_note_api_bad_uuid_and_body(bob_client, people):
    token = token_of(bob_client)
    response = bob_client.post("/e/conf/api/scans/not-a-uuid/note", json={"note": "x", "edited_at": "x",
                               "attendee_id": people[2].id}, headers={"X-CSRFToken": token})
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_uuid"
    response = bob_client.post(f"/e/conf/api/scans/{uuid.uuid4()}/note", data="[1,2", content_type="application/json",
                               headers={"X-CSRFToken": token})
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_json"


def test_note_api_is_csrf_safe_and_needs_login(client, bob_client, people):
    response = bob_client.post(f"/e/conf/api/scans/{uuid.uuid4()}/note", json={"note": "x"}, headers=JSON)
    assert response.status_code == 400 and response.json["error"]["code"] == "csrf_failed"
    response = client.post(f"/e/conf/api/scans/{uuid.uuid4()}/note", json={"note": "x"}, headers=JSON)
    assert response.status_code == 401 and response.json["error"]["code"] == "login_required"


def test_note_api_is_rate_limited(app, bob_client, people):
    app.config["RATE_LIMITS"] = {"note_api": "3 per minute"}
    token = token_of(bob_client)
    answers = [post_note(bob_client, token, str(uuid.uuid4()), "x", iso(datetime.now(timezone.utc)),
                         None, people[2].id) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [404, 404, 404, 429, 429]
    # JSON the offline queue understands: it keeps the note and retries after Retry-After.
    assert answers[-1].json["error"]["code"] == "rate_limited" and int(answers[-1].headers["Retry-After"]) > 0


# ----------------------------------------------------------------------------- typed code


def test_typed_code_exchanges_and_opens_the_contact(bob_client, people):
    event, alice, bob = people
    token = token_of(bob_client)
    typed = f" {alice.short_code[:3].lower()}-{alice.short_code[3:]} "
    response = bob_client.post("/e/conf/scan/code", data={"csrf_token": token, "code": typed,
                                                          "client_uuid": str(uuid.uuid4())})
    assert response.status_code == 303
    mine = db.session.execute(db.select(Connection).filter_by(owner_id=bob.id, contact_id=alice.id)).scalar_one()
    assert response.headers["Location"].endswith(f"/e/conf/contacts/{mine.id}")
    page = bob_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cards exchanged" in page and "Alice Able" in page


def test_same_form_uuid_with_another_code_is_a_new_scan(app, bob_client, make_attendee, people):
    event, alice, bob = people
    carol = make_attendee(event, "carol@example.org", "Carol Chen")
    token = token_of(bob_client)
    form_uuid = str(uuid.uuid4())
    for person in (alice, alice, carol):  # a double submit, then the back button and another code
        response = bob_client.post("/e/conf/scan/code", data={"csrf_token": token, "code": person.short_code,
                                                              "client_uuid": form_uuid})
        assert response.status_code == 303
    db.session.expire_all()
    contacts = db.session.execute(db.select(Connection.contact_id).filter_by(owner_id=bob.id)).scalars().all()
    assert sorted(contacts) == sorted([alice.id, carol.id])
    assert len(db.session.execute(db.select(Scan).filter_by(scanner_id=bob.id)).scalars().all()) == 2


@pytest.mark.parametrize("typed, message", [
    ("", "Type the code printed under the badge"),
    ("ZZZZZZZ", "No badge of this event has that code"),
    ("x" * 40, "Type the code printed under the badge"),
])
def test_bad_codes_re_render_the_form_with_an_error(bob_client, people, typed, message):
    token = token_of(bob_client)
    response = bob_client.post("/e/conf/scan/code", data={"csrf_token": token, "code": typed})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="code-hint code-error"' in html


def test_own_code_and_other_events_code(bob_client, make_event, make_attendee, people):
    event, alice, bob = people
    token = token_of(bob_client)
    own = bob_client.post("/e/conf/scan/code", data={"csrf_token": token, "code": bob.short_code})
    assert own.status_code == 422 and "your own badge" in own.get_data(as_text=True)
    other = make_attendee(make_event(slug="other"), "dan@example.org", "Dan Other")
    response = bob_client.post("/e/conf/scan/code", data={"csrf_token": token, "code": other.short_code})
    assert response.status_code == 422 and "No badge of this event has that code" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Connection)).first() is None


def test_typed_codes_are_rate_limited(app, bob_client, people):
    app.config["RATE_LIMITS"] = {"scanner_code": "2 per minute"}
    token = token_of(bob_client)
    answers = [bob_client.post("/e/conf/scan/code", data={"csrf_token": token, "code": "ZZZZZZZ"}) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [422, 422, 429, 429]
    assert "Too many codes in a short time" in answers[-1].get_data(as_text=True)


def test_typed_code_needs_csrf(bob_client, people):
    event, alice, bob = people
    response = bob_client.post("/e/conf/scan/code", data={"code": alice.short_code})
    assert response.status_code == 400
    assert db.session.execute(db.select(Connection)).first() is None


# ----------------------------------------------------------------------------- search by name


def test_search_finds_by_name_and_shared_fields_only(bob_client, make_event, make_attendee, people):
    event, alice, bob = people
    make_attendee(make_event(slug="elsewhere"), "alina@example.org", "Alina Elsewhere")
    html = bob_client.get("/e/conf/scan/search?q=ali").get_data(as_text=True)
    assert "Alice Able" in html and "Alina Elsewhere" not in html
    assert "Acme" in html and "Data engineer" in html  # Alice shares both
    # Searching by what someone does not share finds nothing and shows nothing.
    alice_client_html = bob_client.get("/e/conf/scan/search?q=acme").get_data(as_text=True)
    assert "Alice Able" in alice_client_html


def test_search_never_matches_unshared_fields_nor_yourself(app, login, people):
    event, alice, bob = people
    client = app.test_client()
    login(client, alice)
    html = client.get("/e/conf/scan/search?q=secret").get_data(as_text=True)
    assert "Bob Baker" not in html and "Secret Corp" not in html and "Nobody of this event matches" in html
    html = client.get("/e/conf/scan/search?q=bob").get_data(as_text=True)
    assert "Bob Baker" in html and "Secret Corp" not in html and "Spy" not in html
    assert "Alice Able" not in client.get("/e/conf/scan/search?q=alice").get_data(as_text=True)


def test_search_needs_two_letters_and_returns_at_most_twenty(bob_client, make_attendee, people):
    event = people[0]
    for n in range(25):
        make_attendee(event, f"zed{n}@example.org", f"Zed Number {n:02d}")
    short = bob_client.get("/e/conf/scan/search?q=z").get_data(as_text=True)
    assert "Type at least 2 letters" in short and "Zed Number" not in short
    html = bob_client.get("/e/conf/scan/search?q=zed").get_data(as_text=True)
    assert html.count('class="search-hit"') == 20 and "the first 20" in html
    # Wildcards are literal characters, not patterns.
    assert "Zed Number" not in bob_client.get("/e/conf/scan/search?q=%25%25").get_data(as_text=True)


def test_search_fragment_for_htmx(bob_client, people):
    response = bob_client.get("/e/conf/scan/search?q=alice", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="search-results"') and "Alice Able" in html
    assert "HX-Request" in response.headers["Vary"]
    # The swap leaves the code form in place; its query is kept in step out of band.
    assert 'id="code-q" hx-swap-oob="true"' in html and 'value="alice"' in html
    assert 'name="code"' not in html


@pytest.fixture
def open_book(people, make_attendee):
    """Carol shares every field of her card; Bob has never met her."""
    return make_attendee(
        people[0], "carol@example.org", "Carol Open", company="Openly", headline="Shares all",
        bio="Carol's bio", phone="+49 30 1234567", linkedin="https://www.linkedin.com/in/carol-open",
        website="https://carol.example.org", links=[{"label": "Blog", "url": "https://blog.carol.example.org"}],
        can_help_with="Rust", looking_for="Funding",
        shared_fields=["headline", "company", "bio", "email", "phone", "linkedin", "website", "links", "topics"],
    )


def test_search_never_hands_out_a_badge_token_or_a_card(bob_client, open_book):
    carol = open_book
    for headers in ({}, {"HX-Request": "true"}):
        html = bob_client.get("/e/conf/scan/search?q=carol", headers=headers).get_data(as_text=True)
        assert "Carol Open" in html and "Shares all" in html and "Openly" in html
        # Nothing that opens her card or stands for it, and nothing of it beyond who she is.
        assert carol.badge_token not in html and "/b/" not in html and carol.short_code not in html
        for private in ("carol@example.org", "1234567", "linkedin.com", "carol.example.org", "bio", "Rust", "Funding"):
            assert private not in html, private
    # Instead, the way to exchange: ask for the code, and the code form right there.
    page = bob_client.get("/e/conf/scan/search?q=carol").get_data(as_text=True)
    assert "Ask for the code under their badge's QR" in page
    assert 'href="#code-input"' in page and "Type Carol Open's code" in page
    assert 'action="/e/conf/scan/code"' in page and 'id="code-input"' in page
    assert '<input type="hidden" name="q" value="carol" id="code-q">' in page


def test_search_then_her_code_exchanges_cards(bob_client, open_book, people):
    carol, bob = open_book, people[2]
    token = token_of(bob_client, "/e/conf/scan/search?q=carol")
    # A mistyped code is answered on the search page, with Carol still listed.
    wrong = bob_client.post("/e/conf/scan/code", data={"csrf_token": token, "code": "ZZZZZZZ", "q": "carol",
                                                       "client_uuid": str(uuid.uuid4())})
    assert wrong.status_code == 422
    html = wrong.get_data(as_text=True)
    assert "No badge of this event has that code" in html and "Carol Open" in html and "<h1>Find by name</h1>" in html
    assert db.session.execute(db.select(Connection)).first() is None
    response = bob_client.post("/e/conf/scan/code", data={"csrf_token": token, "code": carol.short_code.lower(),
                                                          "q": "carol", "client_uuid": str(uuid.uuid4())})
    assert response.status_code == 303 and "/e/conf/contacts/" in response.headers["Location"]
    connection = db.session.execute(db.select(Connection).filter_by(owner_id=bob.id)).scalar_one()
    assert connection.contact_id == carol.id


def test_my_qr_page_shows_my_code_to_type(app, login, people):
    event, alice, bob = people
    client = login(app.test_client(), alice)
    html = client.get("/e/conf/me/qr").get_data(as_text=True)
    assert re.search(rf'Badge code</span>\s*<span class="short-code">{alice.short_code}</span>', html)


# ----------------------------------------------------------------------------- app files


def test_service_worker_is_served_at_the_root_without_http_caching(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.mimetype == "text/javascript"
    body = response.get_data(as_text=True)
    assert "__VERSION__" not in body and "__SHELL__" not in body
    assert '"/static/css/app.css"' in body and '"/static/js/scanner.js"' in body
    version = re.search(r'var VERSION = "([0-9a-f]{12})"', body)
    assert version


def test_service_worker_version_follows_the_shell_files(app, tmp_path):
    folder = tmp_path / "static"
    (folder / "js").mkdir(parents=True)
    (folder / "js" / "app.js").write_text("one")
    (folder / "js" / "notes.js").write_text("a")
    first = services.assets_version(str(folder))
    assert services.assets_version(str(folder)) == first
    (folder / "js" / "notes.js").write_text("bb")  # any static file, not only the shell's
    second = services.assets_version(str(folder))
    assert second != first
    (folder / "js" / "app.js").write_text("two")
    assert services.assets_version(str(folder)) not in (first, second)


def test_manifest_makes_the_app_installable(client):
    from PIL import Image

    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/" and manifest["theme_color"]
    sizes = {}
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as image:
            assert image.status_code == 200, icon["src"]
            data = image.get_data()
        if icon["type"] == "image/png" and icon.get("purpose") != "maskable":
            with Image.open(io.BytesIO(data)) as png:
                sizes[icon["sizes"]] = png.size
    assert sizes == {"192x192": (192, 192), "512x512": (512, 512)}
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


@pytest.mark.parametrize("accept, encoding", [("gzip, deflate, br", "br"), ("gzip, deflate", "gzip"), ("", None)])
def test_decoder_wasm_is_served_precompressed_and_cached_for_a_year(client, accept, encoding):
    url = f"/scanner/decoder/{services.DECODER_VERSION}/zxing_reader.wasm"
    with client.get(url, headers={"Accept-Encoding": accept}) as response:
        body = response.get_data()
    assert response.status_code == 200
    assert response.mimetype == "application/wasm"
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "immutable" in response.headers["Cache-Control"] and "max-age=31536000" in response.headers["Cache-Control"]
    if encoding == "gzip":
        body = gzip.decompress(body)
    if encoding != "br":
        assert body[:4] == b"\0asm" and len(body) == 1093289
    else:
        assert len(body) < 400_000


def test_decoder_route_serves_only_its_own_files(client):
    version = services.DECODER_VERSION
    with client.get(f"/scanner/decoder/{version}/barcode-detector-ponyfill.js",
                    headers={"Accept-Encoding": "gzip"}) as script:
        assert script.status_code == 200 and script.mimetype == "text/javascript"
        assert b"BarcodeDetectionAPI" in gzip.decompress(script.get_data())
    for url in (f"/scanner/decoder/{version}/LICENSE.zxing-cpp", "/scanner/decoder/0.0.1/zxing_reader.wasm",
                f"/scanner/decoder/{version}/..%2F..%2F..%2Fcss%2Fapp.css"):
        with client.get(url) as response:
            assert response.status_code == 404, url


def test_decoder_version_and_licences_are_vendored(app):
    from pathlib import Path

    folder = Path(app.static_folder) / services.DECODER_DIR
    for name in ("LICENSE.barcode-detector", "LICENSE.zxing-wasm", "LICENSE.zxing-cpp"):
        assert (folder / name).is_file()
    readme = (Path(app.static_folder) / "vendor" / "README.md").read_text()
    assert f"barcode-detector/{services.DECODER_VERSION}/" in readme and "zxing-wasm@3.1.3" in readme
    import hashlib

    wasm = (folder / services.DECODER_WASM).read_bytes()
    script = (folder / services.DECODER_SCRIPT).read_text()
    assert hashlib.sha256(wasm).hexdigest() in script  # the wasm is the one this script was built for
    for suffix, opener in ((".gz", gzip.decompress),):
        assert opener((folder / (services.DECODER_WASM + suffix)).read_bytes()) == wasm


def test_edit_time_is_mapped_onto_the_server_clock():
    now = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
    phone = now - timedelta(hours=5)
    assert services.edit_time_on_server_clock(phone - timedelta(minutes=3), phone, now) == now - timedelta(minutes=3)
    assert services.edit_time_on_server_clock(now + timedelta(hours=2), None, now) == now
    with pytest.raises(ScannerError):
        services.parse_time("2026-05-01T12:00:00", "edited_at")


def test_text_static_files_are_sent_gzipped_and_revalidate(client):
    with client.get("/static/vendor/htmx/htmx-2.0.11.min.js", headers={"Accept-Encoding": "gzip, deflate, br"}) as first:
        body = first.get_data()
    assert first.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in first.headers["Vary"]
    assert len(body) < 20_000 and gzip.decompress(body).startswith(b"var htmx") or b"htmx" in gzip.decompress(body)
    with client.get("/static/vendor/htmx/htmx-2.0.11.min.js",
                    headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}) as again:
        assert again.status_code == 304 and again.get_data() == b""
    with client.get("/static/css/app.css") as plain:  # a client that does not accept gzip
        assert "Content-Encoding" not in plain.headers and plain.get_data().startswith(b"/*")
    with client.get("/static/icons/icon-192.png", headers={"Accept-Encoding": "gzip"}) as png:
        assert "Content-Encoding" not in png.headers


def test_pages_are_not_compressed(bob_client, people):
    # A page carries the CSRF token next to reflected input: compressing it would leak (BREACH).
    response = bob_client.get("/e/conf/scan/search?q=alice", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers

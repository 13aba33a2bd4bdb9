"""Promises as first-class items (issue 14): detection, the note's parts as data, the contact page,
"My promises", the digest and reminders that chase them, signed done links, the export."""
from __future__ import annotations

import json
import re
import uuid
from html import unescape as html_unescape
from urllib.parse import urlsplit
from datetime import date, datetime, timedelta, timezone

import pytest
from conftest import csrf_token
from flask import g

from eventnet.connections.models import Connection
from eventnet.connections.services import record_scan
from eventnet.database import utcnow
from eventnet.digests import schedule, tokens
from eventnet.digests.build import build_digest, build_reminder, render
from eventnet.extensions import db
from eventnet.promises.detection import PHRASES, looks_like_promise
from eventnet.promises.models import Promise
from eventnet.promises.services import track

HX = {"HX-Request": "true"}
JSON = {"Accept": "application/json"}


# ----------------------------------------------------------------------------- detection

@pytest.mark.parametrize("note, sentence", [
    ("Hiring two backend engineers, remote OK. Send him my CV by Friday.", "Send him my CV by Friday"),
    ("I'll share the slides tonight", "I'll share the slides tonight"),
    ("Great chat! I’ll ping her next week", "I’ll ping her next week"),  # a typographic apostrophe
    ("Wants a designer.\nI will intro her to Maria", "I will intro her to Maria"),
    ("Should introduce him to the platform team.", "Should introduce him to the platform team"),
    ("Follow up about the grant in March", "Follow up about the grant in March"),
    ("We could share a booth next year?", "We could share a booth next year?"),
    ("SEND the deck", "SEND the deck"),
    ("Works on Rust compilers. Lives in Lyon.", None),
    ("Sender of the best newsletter in the field", None),  # "send" only as a whole word
    ("Shared office with my old team; sharing economy researcher", None),
    ("Introvert, very kind, loves trains", None),
    ("", None),
    (None, None),
])
def test_promise_detection_on_a_table_of_notes(note, sentence):
    assert looks_like_promise(note) == sentence


def test_detection_phrases_are_one_table_per_language():
    assert set(PHRASES) == {"en", "de", "fr", "es", "ar"}  # every shipped language (tests/test_i18n_runtime.py)
    assert {"send", "i'll", "i will", "intro", "share", "follow up"} <= set(PHRASES["en"])
    # A language without a table of its own falls back to English until one is added.
    assert looks_like_promise("Send the deck", language="xx") == "Send the deck"
    assert len(looks_like_promise("Send " + "x" * 400)) == 300


# ----------------------------------------------------------------------------- fixtures

def page_token(client, url: str) -> str:
    g.pop("csrf_token", None)  # Flask-WTF caches the token in the shared test app context
    return csrf_token(client, url)


@pytest.fixture
def met(make_event, make_attendee):
    """Bob scanned Alice: (event, alice, bob, bob's side)."""
    now = utcnow()
    event = make_event(slug="conf", starts=now - timedelta(days=2), ends=now - timedelta(days=1))
    event.scan_closes_at = now + timedelta(hours=1)
    db.session.commit()
    alice = make_attendee(event, "alice@example.org", "Alice Able")
    bob = make_attendee(event, "bob@example.org", "Bob Baker")
    result = record_scan(bob, alice.badge_token, str(uuid.uuid4()))
    return event, alice, bob, result.connection


def contact_url(connection) -> str:
    return f"/e/conf/contacts/{connection.id}"


def note_form(client, connection, **fields) -> dict:
    data = {"csrf_token": page_token(client, contact_url(connection)), "note": "", "tags": "", "starred": "0",
            "intent": "none"}
    data.update(fields)
    return data


def promises_of(connection) -> list[Promise]:
    db.session.expire_all()
    return list(db.session.execute(db.select(Promise).filter_by(connection_id=connection.id).order_by(Promise.id)).scalars())


def fresh(connection) -> Connection:
    db.session.expire_all()
    return db.session.get(Connection, connection.id)


# ----------------------------------------------------------------------------- the note's parts

def test_the_chips_parts_are_stored_as_data_not_as_prefixes_in_the_note(client, login, met):
    event, alice, bob, mine = met
    login(client, bob)
    response = client.post(f"{contact_url(mine)}/note", data=note_form(
        client, mine, note="Met at the coffee bar", works_on="  Rust\ncompilers ", needs="a CFO", offers="hosting"))
    assert response.status_code == 303
    saved = fresh(mine)
    assert (saved.note, saved.works_on, saved.needs, saved.offers) == ("Met at the coffee bar", "Rust compilers",
                                                                       "a CFO", "hosting")
    html = client.get(contact_url(mine)).get_data(as_text=True)
    # Each filled part shows open, its value in its labelled input.
    assert re.search(r'<details class="note-part" open>\s*<summary class="chip">Works on</summary>', html)
    assert f'id="note-{mine.id}-works_on" name="works_on" value="Rust compilers"' in html
    # The contact book's search reads the parts as part of the note.
    book = client.get("/e/conf/contacts/?q=compilers").get_data(as_text=True)
    assert "Alice Able" in book
    assert "Alice Able" not in client.get("/e/conf/contacts/?q=kubernetes").get_data(as_text=True)
    # An autosave that leaves a part out leaves it as it is.
    token = page_token(client, contact_url(mine))
    assert client.post(f"{contact_url(mine)}/note", data={"csrf_token": token, "note": "Changed"}, headers=HX).status_code == 200
    assert (fresh(mine).note, fresh(mine).works_on) == ("Changed", "Rust compilers")


def test_a_part_too_long_is_422_with_its_message_never_500(client, login, met):
    event, alice, bob, mine = met
    login(client, bob)
    response = client.post(f"{contact_url(mine)}/note", data=note_form(client, mine, needs="x" * 301), headers=HX)
    assert response.status_code == 422
    assert "“Needs” is at most 300 characters" in response.get_data(as_text=True)
    assert fresh(mine).needs == ""


# ----------------------------------------------------------------------------- promises from the note form

def test_i_promised_adds_a_promise_with_a_due_date_without_javascript(client, login, met):
    event, alice, bob, mine = met
    login(client, bob)
    response = client.post(f"{contact_url(mine)}/note", data=note_form(
        client, mine, promise="Send the  slides", promise_due="2026-12-11"))
    assert response.status_code == 303
    [promise] = promises_of(mine)
    assert (promise.text, promise.due_on, promise.done_at, promise.owner_id) == ("Send the slides", date(2026, 12, 11),
                                                                                None, bob.id)
    # The same text again (a double tap, a replay) adds nothing.
    client.post(f"{contact_url(mine)}/note", data=note_form(client, mine, promise="send the slides"))
    assert len(promises_of(mine)) == 1
    html = client.get(contact_url(mine)).get_data(as_text=True)
    assert "Your promises" in html and "Send the slides" in html and "Mark done" in html


def test_autosave_never_tracks_a_half_typed_promise_but_add_promise_does(client, login, met):
    event, alice, bob, mine = met
    login(client, bob)
    url = f"{contact_url(mine)}/note"
    autosave = client.post(url, data=note_form(client, mine, promise="Send h"), headers=HX)
    assert autosave.status_code == 200 and promises_of(mine) == []
    added = client.post(url, data=note_form(client, mine, promise="Send him my CV", add_promise="1"), headers=HX)
    assert added.status_code == 200
    assert [p.text for p in promises_of(mine)] == ["Send him my CV"]
    html = added.get_data(as_text=True)
    # The form comes back with the promise input empty, and the promises section out of band.
    assert added.headers["HX-Retarget"] == f"#note-form-{mine.id}"
    assert f'name="promise" value=""' in html
    assert re.search(rf'<section id="promises-{mine.id}"[^>]*hx-swap-oob="true"', html)


@pytest.mark.parametrize("fields, message", [
    ({"promise": "x" * 301}, "A promise is at most 300 characters"),
    ({"promise": "Send it", "promise_due": "31/12/2026"}, "Give the due date as a date"),
    ({"promise": "Send it", "promise_due": "1999-01-01"}, "between the years 2000 and 2100"),
])
def test_a_bad_promise_is_422_and_nothing_is_saved(client, login, met, fields, message):
    event, alice, bob, mine = met
    login(client, bob)
    response = client.post(f"{contact_url(mine)}/note", data=note_form(client, mine, note="kept?", **fields))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert promises_of(mine) == [] and fresh(mine).note == ""


# ----------------------------------------------------------------------------- "Track this as a promise?"

def test_a_note_that_reads_like_a_promise_is_offered_once_and_tracked_in_one_tap(client, login, met):
    event, alice, bob, mine = met
    login(client, bob)
    saved = client.post(f"{contact_url(mine)}/note", data=note_form(
        client, mine, note="Hiring two backend engineers. Send him my CV by Friday."), headers=HX)
    html = saved.get_data(as_text=True)
    assert "Track this as a promise?" in html and 'value="Send him my CV by Friday"' in html
    assert 'hx-swap-oob="true"' in html  # beside the "Saved" status, out of band
    token = page_token(client, contact_url(mine))
    tracked = client.post(f"{contact_url(mine)}/promises", headers=HX, data={
        "csrf_token": token, "promise": "Send him my CV", "suggested": "Send him my CV by Friday"})
    assert tracked.status_code == 200
    assert [p.text for p in promises_of(mine)] == ["Send him my CV"]
    # Tracked (even as edited): the sentence is not offered again.
    assert "Track this as a promise?" not in tracked.get_data(as_text=True)
    assert "Track this as a promise?" not in client.get(contact_url(mine)).get_data(as_text=True)


def test_not_a_promise_is_remembered_for_that_sentence(client, login, met):
    event, alice, bob, mine = met
    login(client, bob)
    client.post(f"{contact_url(mine)}/note", data=note_form(client, mine, note="We should share a booth."))
    assert "Track this as a promise?" in client.get(contact_url(mine)).get_data(as_text=True)
    token = page_token(client, contact_url(mine))
    response = client.post(f"{contact_url(mine)}/promises/dismiss", data={"csrf_token": token,
                                                                         "sentence": "We should share a booth"})
    assert response.status_code == 303 and promises_of(mine) == []
    assert "Track this as a promise?" not in client.get(contact_url(mine)).get_data(as_text=True)
    # Another sentence that reads like a promise is offered again.
    client.post(f"{contact_url(mine)}/note", data=note_form(client, mine, note="I'll send the paper."))
    assert 'value="I&#39;ll send the paper"' in client.get(contact_url(mine)).get_data(as_text=True)


def test_track_this_without_javascript_and_its_errors(client, login, met):
    event, alice, bob, mine = met
    login(client, bob)
    token = page_token(client, contact_url(mine))
    response = client.post(f"{contact_url(mine)}/promises", data={"csrf_token": token, "promise": "  "})
    assert response.status_code == 422 and "Write what you promised." in response.get_data(as_text=True)
    response = client.post(f"{contact_url(mine)}/promises", data={"csrf_token": token, "promise": "Intro to Maria"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/contacts/{mine.id}#promises")
    assert [p.text for p in promises_of(mine)] == ["Intro to Maria"]


def test_promise_routes_are_scoped_to_their_owner(app, client, login, met):
    event, alice, bob, mine = met
    theirs = db.session.execute(db.select(Connection).filter_by(owner_id=alice.id)).scalar_one()
    promise = track(theirs, "Alice's promise")
    login(client, bob)
    token = page_token(client, contact_url(mine))
    assert client.post(f"/e/conf/contacts/{theirs.id}/promises", data={"csrf_token": token, "promise": "x"}).status_code == 404
    assert client.post(f"/e/conf/contacts/{theirs.id}/promises/dismiss", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/e/conf/me/promises/{promise.id}/done", data={"csrf_token": token, "done": "1"}).status_code == 404
    assert client.post("/e/conf/me/promises/999999/done", data={"csrf_token": token, "done": "1"}).status_code == 404
    assert "Alice&#39;s promise" not in client.get("/e/conf/me/promises").get_data(as_text=True)
    assert promises_of(theirs)[0].done_at is None
    logged_out = app.test_client()
    assert logged_out.get("/e/conf/me/promises").status_code in (302, 303)
    # Without a CSRF token nothing changes.
    assert client.post(f"/e/conf/me/promises/{promise.id}/done", data={"done": "1"}).status_code == 400


# ----------------------------------------------------------------------------- My promises

def test_my_promises_lists_open_by_due_date_then_done_and_toggles(client, login, met, make_attendee):
    event, alice, bob, mine = met
    cleo = make_attendee(event, "cleo@example.org", "Cleo Clay")
    to_cleo = record_scan(bob, cleo.badge_token, str(uuid.uuid4())).connection
    later = track(mine, "Review the deck", date(2030, 1, 20))
    undated = track(to_cleo, "Intro to Maria")
    sooner = track(to_cleo, "Send the paper", date(2030, 1, 5))
    done = track(mine, "Already sent", date(2030, 1, 1))
    done.done_at = utcnow()
    db.session.commit()
    login(client, bob)
    html = client.get("/e/conf/me/promises").get_data(as_text=True)
    order = [html.index(text) for text in ("Send the paper", "Review the deck", "Intro to Maria", "Already sent")]
    assert order == sorted(order)
    assert "3 open promises" in html and "due Jan 5" in html and "Cleo Clay" in html
    token = page_token(client, "/e/conf/me/promises")
    # htmx: the item comes back alone, done; without JavaScript: back to the list.
    item = client.post(f"/e/conf/me/promises/{sooner.id}/done", data={"csrf_token": token, "done": "1"}, headers=HX)
    assert item.status_code == 200 and "Open again" in item.get_data(as_text=True)
    assert f'id="promise-{sooner.id}"' in item.get_data(as_text=True)
    reopened = client.post(f"/e/conf/me/promises/{sooner.id}/done", data={"csrf_token": token, "done": "0"})
    assert reopened.status_code == 303 and reopened.headers["Location"].endswith("/e/conf/me/promises")
    db.session.expire_all()
    assert db.session.get(Promise, sooner.id).done_at is None
    # From the contact page, the section comes back whole.
    section = client.post(f"/e/conf/me/promises/{later.id}/done", headers=HX,
                          data={"csrf_token": token, "done": "1", "from": "contact"})
    assert f'id="promises-{mine.id}"' in section.get_data(as_text=True)
    assert undated.done_at is None


# ----------------------------------------------------------------------------- digest and reminders

def test_the_digest_count_agrees_with_the_open_promises_and_each_has_a_mark_done_link(app, met):
    event, alice, bob, mine = met
    mine.note = "Hiring two backend engineers."
    db.session.commit()
    digest = build_digest(db.session.get(type(bob), bob.id))
    assert digest.promises_open == 0
    text, html = render(digest)
    assert "No promise left open" in html
    track(mine, "Send him my CV", date(2030, 1, 3))
    kept = track(mine, "Intro to Maria")
    kept.done_at = utcnow()
    mine.followup_done_at = utcnow()  # a done follow-up does not close an open promise
    db.session.commit()
    digest = build_digest(db.session.get(type(bob), bob.id))
    open_rows = db.session.execute(db.select(Promise).filter_by(owner_id=bob.id, done_at=None)).scalars().all()
    assert digest.promises_open == len(open_rows) == 1
    [entry] = digest.entries
    assert entry.promises == ["Send him my CV"] and entry.open
    text, html = render(digest)
    assert "<strong>1 promise</strong> still open" in html and "Intro to Maria" not in html
    assert "You promised: Send him my CV (due Jan 3)" in text
    link = re.search(r"Mark this promise done: (\S+)", text).group(1)
    assert "/e/conf/promises/" in link and link in html


def test_a_promise_in_the_notes_free_text_is_chased_by_the_digest_and_done_from_it(app, client, met):
    """Never tracked nor called "not a promise", a note's promise still counts: the digest lists it
    "from your note" with its own signed link, whose button tracks it as done."""
    event, alice, bob, mine = met
    mine.note = "Hiring two backend engineers. Send him my CV by Friday."
    db.session.commit()
    digest = build_digest(db.session.get(type(bob), bob.id))
    assert digest.promises_open == 1 and digest.entries[0].promises == ["Send him my CV by Friday"]
    text, html = render(digest)
    assert "You promised: Send him my CV by Friday (from your note)" in text and "No promise left open" not in html
    link = re.search(r"Mark this promise done: (\S+)", text).group(1)
    path = urlsplit(link).path
    assert "/e/conf/promises/note/" in path and link in html
    asked = client.get(path)
    assert asked.status_code == 200 and "Mark this promise done?" in asked.get_data(as_text=True)
    assert promises_of(mine) == []  # a GET changes nothing (mail scanners open links)
    done = client.post(path, data={"csrf_token": page_token(client, path)})
    assert done.status_code == 200 and "is marked done" in html_unescape(done.get_data(as_text=True))
    [kept] = promises_of(fresh(mine))
    assert kept.text == "Send him my CV by Friday" and kept.done_at is not None
    assert build_digest(db.session.get(type(bob), bob.id)).promises_open == 0
    again = client.get(path)
    assert again.status_code == 200 and "Nothing to mark" in again.get_data(as_text=True)
    assert client.get("/e/conf/promises/note/not-a-token/done").status_code == 404


def test_a_promise_read_in_a_note_can_be_answered_not_a_promise_from_the_email(app, client, met):
    event, alice, bob, mine = met
    mine.note = "Could introduce me to the maintainers."  # the phrase table's false alarm
    db.session.commit()
    text, _ = render(build_digest(db.session.get(type(bob), bob.id)))
    path = urlsplit(re.search(r"Mark this promise done: (\S+)", text).group(1)).path
    page = html_unescape(client.get(path).get_data(as_text=True))
    assert "It's not a promise" in page
    answered = client.post(path, data={"csrf_token": page_token(client, path), "answer": "not_a_promise"})
    assert "is not a promise" in html_unescape(answered.get_data(as_text=True))
    assert promises_of(fresh(mine)) == [] and build_digest(db.session.get(type(bob), bob.id)).promises_open == 0


def test_a_sentence_called_not_a_promise_is_not_chased(app, met):
    event, alice, bob, mine = met
    mine.note = "I'll send the slides."
    mine.promise_dismissed = "I'll send the slides"  # as "Not a promise" posts it: the sentence shown
    db.session.commit()
    assert build_digest(db.session.get(type(bob), bob.id)).promises_open == 0


def test_reminders_chase_an_open_promise_until_it_is_done(app, met):
    event, alice, bob, mine = met
    promise = track(mine, "Send the paper")  # no intent, no star: only the promise is open
    assert schedule.reminder_recipients(event) == [(bob.id, bob.email)]
    reminder = build_reminder(db.session.get(type(bob), bob.id), 30)
    assert reminder.promises_open == 1 and [e.name for e in reminder.entries] == ["Alice Able"]
    assert "Send the paper" in render(reminder)[0]
    promise.done_at = utcnow()
    db.session.commit()
    assert schedule.reminder_recipients(event) == []


def test_the_emails_done_link_asks_on_get_and_marks_on_post(app, client, met):
    event, alice, bob, mine = met
    promise = track(mine, "Send the paper")
    token = tokens.make_token("promise-done", promise.id, bob.id)
    url = f"/e/conf/promises/{token}/done"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Mark this promise done?" in html and "Send the paper" in html
    assert promises_of(mine)[0].done_at is None  # never acts on GET (mail scanners open links)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    done = client.post(url, data={"csrf_token": csrf})
    assert done.status_code == 200 and "is marked done" in done.get_data(as_text=True)
    assert promises_of(mine)[0].done_at is not None
    # A forged owner, another purpose's token, a mangled one, or another event's address: 404.
    forged = tokens.make_token("promise-done", promise.id, alice.id)
    assert client.get(f"/e/conf/promises/{forged}/done").status_code == 404
    other = tokens.make_token("followup-done", promise.id, bob.id)
    assert client.get(f"/e/conf/promises/{other}/done").status_code == 404
    assert client.get(f"/e/conf/promises/{token[:-3]}xyz/done").status_code == 404


# ----------------------------------------------------------------------------- scanner and export

def test_the_scanner_note_api_carries_parts_and_promises_once(app, login, met):
    event, alice, bob, mine = met
    client = app.test_client()
    login(client, bob)
    g.pop("csrf_token", None)
    token = csrf_token(client, "/e/conf/scan")
    scan_uuid = str(uuid.uuid4())
    # Bob scans Alice again (a phone's scan): its UUID names the connection the note goes to.
    response = client.post("/e/conf/api/scans", headers={"X-CSRFToken": token, **JSON},
                           json={"token": alice.badge_token, "client_uuid": scan_uuid})
    assert response.status_code == 200
    now = datetime.now(timezone.utc)
    body = {"note": "Coffee chat", "works_on": "Rust", "promises": [{"text": "Send the deck", "due_on": "2030-01-02"}],
            "edited_at": now.isoformat(), "sent_at": now.isoformat(), "attendee_id": bob.id}
    saved = client.post(f"/e/conf/api/scans/{scan_uuid}/note", json=body, headers={"X-CSRFToken": token, **JSON})
    assert saved.status_code == 200 and saved.json["status"] == "saved"
    assert fresh(mine).works_on == "Rust"
    assert [(p.text, p.due_on) for p in promises_of(mine)] == [("Send the deck", date(2030, 1, 2))]
    later = (now + timedelta(seconds=3)).isoformat()
    again = client.post(f"/e/conf/api/scans/{scan_uuid}/note", headers={"X-CSRFToken": token, **JSON},
                        json={**body, "note": "Coffee chat!", "edited_at": later, "sent_at": later})
    assert again.json["status"] == "saved" and len(promises_of(mine)) == 1
    bad = client.post(f"/e/conf/api/scans/{scan_uuid}/note", headers={"X-CSRFToken": token, **JSON},
                      json={**body, "promises": "Send the deck"})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_note"


def test_the_json_export_carries_the_promises_and_the_notes_parts(client, login, met):
    event, alice, bob, mine = met
    mine.works_on, mine.needs = "Rust", "a CFO"
    promise = track(mine, "Send the deck", date(2030, 1, 2))
    login(client, bob)
    data = json.loads(client.get("/e/conf/contacts/export.json").get_data(as_text=True))
    [contact] = data["contacts"]
    assert (contact["works_on"], contact["needs"], contact["offers"]) == ("Rust", "a CFO", "")
    assert contact["promises"] == [{"id": promise.id, "text": "Send the deck", "due_on": "2030-01-02",
                                    "created_at": promise.created_at.isoformat(), "done_at": None}]

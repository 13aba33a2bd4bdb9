"""Notes in the moment: the contact page, autosave and plain saves, validation, and privacy."""
from __future__ import annotations

import uuid

import pytest
from conftest import csrf_token
from flask import g

from eventnet.connections import notes, services
from eventnet.connections.models import INTENTS, Connection
from eventnet.extensions import db

def page_token(client, url: str) -> str:
    """The CSRF token of client's session, as its page carries it.

    The test keeps an app context pushed, so requests share its `g`, where Flask-WTF caches the
    token of whichever session asked first; forget it so each client gets its own.
    """
    g.pop("csrf_token", None)
    return csrf_token(client, url)


SECRET = "SECRET-NOTE-7Q"
SECRET_TAG = "secret-tag-zz"


@pytest.fixture
def met(make_event, make_attendee):
    """Bob scanned Alice: returns (event, alice, bob, bob's row, alice's row)."""
    event = make_event(slug="conf")
    alice = make_attendee(event, "alice@example.org", "Alice Able", shared_fields=["headline", "topics"],
                          can_help_with="Kubernetes, Observability", looking_for="Rust jobs")
    bob = make_attendee(event, "bob@example.org", "Bob Baker", shared_fields=["headline"])
    result = services.record_scan(bob, alice.badge_token, uuid.uuid4())
    theirs = db.session.execute(db.select(Connection).filter_by(owner_id=alice.id)).scalar_one()
    return event, alice, bob, result.connection, theirs


def note_url(connection):
    return f"/e/conf/contacts/{connection.id}/note"


def form(client, connection, **fields):
    data = {"csrf_token": page_token(client, f"/e/conf/contacts/{connection.id}"), "note": "", "tags": "",
            "starred": "0", "intent": "none"}
    data.update(fields)
    return data


def fresh(connection):
    db.session.expire_all()
    return db.session.get(Connection, connection.id)


def test_contact_page_shows_card_how_we_met_and_note_form(client, login, met):
    event, alice, bob, mine, theirs = met
    login(client, bob)
    html = client.get(f"/e/conf/contacts/{mine.id}").get_data(as_text=True)
    assert "Alice Able" in html and "You scanned" in html
    assert 'maxlength="5000"' in html
    # The prompts are chips that open labelled inputs (<details>: no script needed), not text
    # prefixes put into the note.
    for chip, field in (("Works on", "works_on"), ("Needs", "needs"), ("I can offer", "offers"),
                        ("I promised", "promise")):
        assert f'<summary class="chip">{chip}</summary>' in html and f'name="{field}"' in html
    assert f'<label for="note-{mine.id}-works_on">What do they work on?</label>' in html
    assert "data-insert" not in html and "Start lines with" not in html
    assert "js/notes.js" in html and "<script>" not in html
    assert 'hx-trigger="input changed delay:800ms from:find textarea, change, submit"' in html
    assert 'role="status"' in html and 'aria-live="polite"' in html
    for key, label in INTENTS.items():
        assert f'value="{key}"' in html and label in html
    # Suggested tags: the contact's shared topics.
    assert 'value="kubernetes"' in html and 'value="observability"' in html and 'value="rust jobs"' in html


def test_contact_page_is_scoped_to_its_owner(client, app, login, met, make_event, make_attendee):
    event, alice, bob, mine, theirs = met
    login(client, bob)
    assert client.get(f"/e/conf/contacts/{theirs.id}").status_code == 404
    assert client.get("/e/conf/contacts/999999").status_code == 404
    data = form(client, mine, note="hijack")
    assert client.post(note_url(theirs), data=data).status_code == 404
    assert fresh(theirs).note == ""
    # Logged in for another event: not logged in for this one.
    other_event = make_event(slug="other")
    stranger = make_attendee(other_event, "s@example.org", "Stranger")
    other = app.test_client()
    login(other, stranger)
    assert other.get(f"/e/other/contacts/{mine.id}").status_code == 404
    assert other.get(f"/e/conf/contacts/{mine.id}").status_code in (302, 303)


def test_plain_form_save_redirects_with_flash(client, login, met):
    event, alice, bob, mine, theirs = met
    login(client, bob)
    data = form(client, mine, note="Works on: search\nI promised: slides", tags=" ML,  Hiring , ml,Rust ",
                starred=["0", "1"], intent="send")
    response = client.post(note_url(mine), data=data)
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/e/conf/contacts/{mine.id}")
    saved = fresh(mine)
    assert saved.note == "Works on: search\nI promised: slides"
    assert saved.tags == ["ml", "hiring", "rust"]
    assert saved.starred is True and saved.intent == "send" and saved.note_updated_at is not None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Note saved." in page
    assert "I promised: slides" in page and 'value="ml, hiring, rust"' in page and "checked" in page
    assert 'value="send" checked' in page  # the follow-up is a chip (radio) now
    # Unticking the star (only the hidden "0" is sent) clears it.
    client.post(note_url(mine), data=form(client, mine, note="x", starred="0"))
    assert fresh(mine).starred is False


def test_htmx_autosave_answers_the_saved_status(client, login, met):
    event, alice, bob, mine, theirs = met
    login(client, bob)
    token = page_token(client, f"/e/conf/contacts/{mine.id}")
    response = client.post(note_url(mine), data={"note": "Needs: a Postgres expert"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.strip().startswith("Saved at")
    assert "<form" not in text
    saved = fresh(mine)
    assert saved.note == "Needs: a Postgres expert"
    # Fields the request did not send are left as they were.
    assert saved.intent == "none" and saved.tags == []


def test_too_long_note_is_422_with_values_kept(client, login, met):
    event, alice, bob, mine, theirs = met
    login(client, bob)
    notes.save_note(mine, notes.NoteInput(note="kept before"))
    long_note = "y" * 5001
    response = client.post(note_url(mine), data=form(client, mine, note=long_note, tags="keep-me"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "at most 5,000 characters" in html
    assert long_note in html and 'value="keep-me"' in html
    assert 'aria-invalid="true"' in html and f'aria-describedby="note-hint-{mine.id} note-error-{mine.id}"' in html
    assert fresh(mine).note == "kept before"
    token = page_token(client, f"/e/conf/contacts/{mine.id}")
    htmx = client.post(note_url(mine), data={"note": long_note, "tags": "a"},
                       headers={"HX-Request": "true", "X-CSRFToken": token})
    assert htmx.status_code == 422
    assert htmx.headers["HX-Retarget"] == f"#note-form-{mine.id}"
    fragment = htmx.get_data(as_text=True)
    assert "<html" not in fragment and f'id="note-form-{mine.id}"' in fragment and long_note in fragment
    # Exactly 5,000 is fine, even with Windows line ends from a textarea.
    ok = client.post(note_url(mine), data=form(client, mine, note="z\r\n" * 2499 + "zz"))
    assert ok.status_code == 303 and len(fresh(mine).note) == 5000


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"tags": ",".join(f"t{i}" for i in range(11))}, "at most 10 tags"),
        ({"tags": "x" * 31}, "at most 30 characters"),
        ({"intent": "bribe"}, "Choose one of the follow-up options"),
    ],
)
def test_invalid_tags_and_intent_are_422(client, login, met, fields, message):
    event, alice, bob, mine, theirs = met
    login(client, bob)
    response = client.post(note_url(mine), data=form(client, mine, note="still here", **fields))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert "still here" in response.get_data(as_text=True)
    assert fresh(mine).note == ""


def test_suggested_tag_chip_adds_a_tag_without_javascript(client, login, met):
    event, alice, bob, mine, theirs = met
    login(client, bob)
    response = client.post(note_url(mine), data=form(client, mine, note="n", tags="ml", add_tag="kubernetes"))
    assert response.status_code == 303
    assert fresh(mine).tags == ["ml", "kubernetes"]
    # Tags used before are suggested for the next contacts.
    suggestions = notes.suggested_tags(bob, None, [])
    assert suggestions[:2] == ["ml", "kubernetes"]


def test_deleted_contact_keeps_the_note(client, login, met):
    event, alice, bob, mine, theirs = met
    notes.save_note(mine, notes.NoteInput(note="Met at the booth"))
    mine.contact_id = None
    db.session.commit()
    login(client, bob)
    html = client.get(f"/e/conf/contacts/{mine.id}").get_data(as_text=True)
    assert "A deleted attendee" in html and "Met at the booth" in html


def test_notes_tags_star_and_intent_stay_private_on_every_route(app, login, met, client):
    """Alice writes about Bob; nothing of it reaches Bob, anyone else, or any page but hers."""
    event, alice, bob, mine, theirs = met
    alice_client = app.test_client()
    login(alice_client, alice)
    saved = alice_client.post(note_url(theirs), data=form(alice_client, theirs, note=SECRET, tags=SECRET_TAG,
                                                          starred=["0", "1"], intent="coffee"))
    assert saved.status_code == 303
    assert SECRET in alice_client.get(f"/e/conf/contacts/{theirs.id}").get_data(as_text=True)

    login(client, bob)
    token = page_token(client, "/e/conf/")
    seen = [
        client.get(f"/e/conf/contacts/{mine.id}"),
        client.get(f"/b/{alice.badge_token}"),
        client.get(f"/b/{bob.badge_token}"),
        client.get("/e/conf/"),
        client.post(f"/b/{alice.badge_token}/exchange", data={"csrf_token": token}, follow_redirects=True),
        client.post("/e/conf/api/scans", json={"token": alice.badge_token, "client_uuid": str(uuid.uuid4())},
                    headers={"X-CSRFToken": token, "Accept": "application/json"}),
        client.post("/e/conf/api/scans", data={"token": alice.badge_token, "client_uuid": str(uuid.uuid4())},
                    headers={"X-CSRFToken": token, "HX-Request": "true"}),
        client.post(note_url(mine), data={"note": "mine"}, headers={"X-CSRFToken": token, "HX-Request": "true"}),
        client.post(note_url(theirs), data={"note": "x"}, headers={"X-CSRFToken": token}),
        app.test_client().get(f"/b/{alice.badge_token}"),
        app.test_client().get(f"/b/{bob.badge_token}"),
    ]
    for response in seen:
        text = response.get_data(as_text=True)
        assert SECRET not in text and SECRET_TAG not in text, response.request.path
        assert 'value="coffee" selected' not in text
    assert fresh(mine).starred is False and fresh(theirs).note == SECRET

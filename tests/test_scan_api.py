"""The scan API: exactly one connection per pair whatever the replays and races, clear JSON errors."""
from __future__ import annotations

import json
import re
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import BASE_URL, csrf_token, start_session_for
from flask import g

from eventnet.connections.models import Connection, Scan
from eventnet.extensions import db

def page_token(client, url: str) -> str:
    """The CSRF token of client's session, as its page carries it.

    The test keeps an app context pushed, so requests share its `g`, where Flask-WTF caches the
    token of whichever session asked first; forget it so each client gets its own.
    """
    g.pop("csrf_token", None)
    return csrf_token(client, url)


JSON = {"Accept": "application/json"}


@pytest.fixture
def pair(make_event, make_attendee):
    event = make_event(slug="conf")
    alice = make_attendee(event, "alice@example.org", "Alice Able", headline="Data engineer",
                          shared_fields=["headline", "company"])
    bob = make_attendee(event, "bob@example.org", "Bob Baker", shared_fields=["headline", "email"])
    return event, alice, bob


def connections():
    db.session.expire_all()
    return db.session.execute(db.select(Connection)).scalars().all()


def scans():
    db.session.expire_all()
    return db.session.execute(db.select(Scan)).scalars().all()


def logged_in(app, login, attendee):
    """A test client with a session for attendee, and the CSRF token its pages carry."""
    client = app.test_client()
    login(client, attendee)
    return client, page_token(client, "/e/conf/")


def post_scan(client, token, body, **headers):
    return client.post("/e/conf/api/scans", json=body, headers={"X-CSRFToken": token, **JSON, **headers})


def test_new_scan_answers_201_with_the_shared_card(app, login, pair):
    event, alice, bob = pair
    client, token = logged_in(app, login, bob)
    scan_id = str(uuid.uuid4())
    sent_at = (datetime.now(timezone.utc) - timedelta(minutes=3)).replace(microsecond=0)
    response = post_scan(client, token, {"token": alice.badge_token, "client_uuid": scan_id, "scanned_at": sent_at.isoformat()})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "new"
    assert body["contact"]["name"] == "Alice Able"
    assert body["contact"].get("headline") == "Data engineer"
    assert "alice@example.org" not in json.dumps(body)  # not shared by Alice
    assert body["scan"]["client_uuid"] == scan_id
    assert datetime.fromisoformat(body["scan"]["scanned_at"]) == sent_at
    assert datetime.fromisoformat(body["scan"]["received_at"]) > sent_at
    mine = db.session.get(Connection, body["connection_id"])
    assert (mine.owner_id, mine.contact_id, mine.initiated, mine.scanned_at) == (bob.id, alice.id, True, sent_at)
    assert len(connections()) == 2


def test_replayed_uuid_many_times_makes_one_connection(app, login, pair):
    event, alice, bob = pair
    client, token = logged_in(app, login, bob)
    body = {"token": alice.badge_token, "client_uuid": str(uuid.uuid4())}
    first = post_scan(client, token, body)
    assert first.status_code == 201
    for _ in range(10):
        again = post_scan(client, token, body)
        assert again.status_code == 200
        assert again.get_json()["status"] == "already_connected"
        assert again.get_json()["connection_id"] == first.get_json()["connection_id"]
        assert again.get_json()["scan"]["received_at"] == first.get_json()["scan"]["received_at"]
    assert len(connections()) == 2
    assert len(scans()) == 1
    assert scans()[0].created_connection is True


def test_new_uuid_for_same_pair_and_reverse_direction_are_already_connected(app, login, pair):
    event, alice, bob = pair
    bob_client, bob_token = logged_in(app, login, bob)
    alice_client, alice_token = logged_in(app, login, alice)
    assert post_scan(bob_client, bob_token, {"token": alice.badge_token, "client_uuid": str(uuid.uuid4())}).status_code == 201
    second = post_scan(bob_client, bob_token, {"token": alice.badge_token, "client_uuid": str(uuid.uuid4())})
    assert (second.status_code, second.get_json()["status"]) == (200, "already_connected")
    reverse = post_scan(alice_client, alice_token, {"token": bob.badge_token, "client_uuid": str(uuid.uuid4())})
    assert (reverse.status_code, reverse.get_json()["status"]) == (200, "already_connected")
    assert reverse.get_json()["contact"]["name"] == "Bob Baker"
    assert len(connections()) == 2
    assert [s.created_connection for s in sorted(scans(), key=lambda s: s.id)] == [True, False, False]


def test_form_post_and_full_badge_url(app, login, pair):
    event, alice, bob = pair
    client, token = logged_in(app, login, bob)
    data = {"token": f"{BASE_URL}/b/{alice.badge_token}", "client_uuid": str(uuid.uuid4()), "csrf_token": token}
    response = client.post("/e/conf/api/scans", data=data, headers=JSON)
    assert response.status_code == 201 and response.get_json()["status"] == "new"
    # Without JSON or htmx (a typed code in a plain form), the answer is the contact page.
    plain = client.post("/e/conf/api/scans", data={**data, "client_uuid": str(uuid.uuid4())})
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"/e/conf/contacts/{response.get_json()['connection_id']}")


def test_htmx_answer_is_the_contact_card_with_note_form(app, login, pair):
    event, alice, bob = pair
    client, token = logged_in(app, login, bob)
    body = {"token": alice.badge_token, "client_uuid": str(uuid.uuid4())}
    response = client.post("/e/conf/api/scans", data={**body, "csrf_token": token},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 201
    assert "<html" not in html
    assert "Alice Able" in html and "New contact" in html
    assert 'name="note"' in html and "hx-post" in html
    again = client.post("/e/conf/api/scans", data=body, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert again.status_code == 200 and "Already connected" in again.get_data(as_text=True)
    assert "HX-Request" in again.headers["Vary"]


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"token": "X", "client_uuid": "not-a-uuid"}, 400, "invalid_uuid"),
        ({"token": "X", "client_uuid": None}, 400, "invalid_uuid"),
        ({"token": "https://evil.example/b/x", "client_uuid": str(uuid.uuid4())}, 400, "foreign_url"),
        ({"token": "no-such-badge", "client_uuid": str(uuid.uuid4())}, 404, "unknown_badge"),
        ({"token": "", "client_uuid": str(uuid.uuid4())}, 404, "unknown_badge"),
        ({"token": "ALICE", "client_uuid": str(uuid.uuid4()), "scanned_at": "yesterday"}, 400, "invalid_scanned_at"),
        ({"token": "ALICE", "client_uuid": str(uuid.uuid4()), "scanned_at": "2030-01-01T10:00:00"}, 400, "invalid_scanned_at"),
        ({"token": "BOB", "client_uuid": str(uuid.uuid4())}, 400, "self_scan"),
    ],
)
def test_bad_scans_answer_json_errors(app, login, pair, body, status, code):
    event, alice, bob = pair
    body = {**body, "token": {"ALICE": alice.badge_token, "BOB": bob.badge_token}.get(body["token"], body["token"])}
    client, token = logged_in(app, login, bob)
    response = post_scan(client, token, body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert connections() == [] and scans() == []


def test_other_event_and_closed_window(app, login, pair, make_event, make_attendee):
    event, alice, bob = pair
    carol = make_attendee(make_event(slug="elsewhere"), "carol@example.org", "Carol")
    client, token = logged_in(app, login, bob)
    response = post_scan(client, token, {"token": carol.badge_token, "client_uuid": str(uuid.uuid4())})
    assert (response.status_code, response.get_json()["error"]["code"]) == (409, "other_event")
    replayed = str(uuid.uuid4())
    assert post_scan(client, token, {"token": alice.badge_token, "client_uuid": replayed}).status_code == 201
    event.scan_closes_at = datetime.now(timezone.utc) - timedelta(seconds=1)
    db.session.commit()
    closed = post_scan(client, token, {"token": alice.badge_token, "client_uuid": str(uuid.uuid4())})
    assert (closed.status_code, closed.get_json()["error"]["code"]) == (403, "scanning_closed")
    # A phone replaying a scan the server already took still gets its confirmation.
    again = post_scan(client, token, {"token": alice.badge_token, "client_uuid": replayed})
    assert (again.status_code, again.get_json()["status"]) == (200, "already_connected")


def test_csrf_and_login_failures_are_json(app, login, pair, client):
    event, alice, bob = pair
    body = {"token": alice.badge_token, "client_uuid": str(uuid.uuid4())}
    anonymous = client.post("/e/conf/api/scans", json=body, headers=JSON)
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"]["code"] == "login_required"
    bob_client, _ = logged_in(app, login, bob)
    no_token = bob_client.post("/e/conf/api/scans", json=body, headers=JSON)
    assert no_token.status_code == 400
    assert no_token.get_json()["error"]["code"] == "csrf_failed"
    assert connections() == []


def test_phone_clock_far_in_the_future_is_dropped_but_scan_kept(app, login, pair):
    event, alice, bob = pair
    client, token = logged_in(app, login, bob)
    future = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    response = post_scan(client, token, {"token": alice.badge_token, "client_uuid": str(uuid.uuid4()), "scanned_at": future})
    assert response.status_code == 201
    assert response.get_json()["scan"]["scanned_at"] is None
    assert all(c.scanned_at is None for c in connections())
    assert scans()[0].client_scanned_at is None and scans()[0].received_at is not None


def test_scan_answer_never_carries_the_other_sides_note(app, login, pair):
    event, alice, bob = pair
    alice_client, alice_token = logged_in(app, login, alice)
    first = post_scan(alice_client, alice_token, {"token": bob.badge_token, "client_uuid": str(uuid.uuid4())})
    mine = db.session.get(Connection, first.get_json()["connection_id"])
    mine.note, mine.tags, mine.starred, mine.intent = "SECRET-NOTE-XYZ", ["secret-tag-q"], True, "coffee"
    db.session.commit()
    bob_client, bob_token = logged_in(app, login, bob)
    body = {"token": alice.badge_token, "client_uuid": str(uuid.uuid4())}
    as_json = post_scan(bob_client, bob_token, body).get_data(as_text=True)
    as_htmx = bob_client.post("/e/conf/api/scans", data=body, headers={"HX-Request": "true", "X-CSRFToken": bob_token}).get_data(as_text=True)
    for text in (as_json, as_htmx):
        assert "SECRET-NOTE-XYZ" not in text and "secret-tag-q" not in text
    assert "coffee" not in as_json and "starred" not in as_json and "note" not in as_json
    # Bob's own side of the form: no follow-up chosen ("None" is), no star, none of Alice's.
    assert re.search(r'value="none" checked', as_htmx)
    assert not re.search(r'value="(send|introduce|coffee|job|mentor)" checked', as_htmx)
    assert not re.search(r'name="starred" value="1" checked', as_htmx)


def test_the_scans_card_is_the_card_every_page_shows(app, login, make_event, make_attendee):
    """The answer's card comes from columns read with the badge, not from a loaded Attendee:
    it must be what attendees.cards.card_for gives for the same pair, name parts included."""
    from eventnet.attendees.cards import card_for
    from eventnet.attendees.models import Attendee

    event = make_event(slug="conf")
    alice = make_attendee(event, "alice@example.org", "Dr. Alice Able", headline="Data engineer",
                          given_name="Alice", family_name="Able", name_prefix="Dr.",
                          shared_fields=["headline", "company", "links", "topics"])
    bob = make_attendee(event, "bob@example.org", "Bob Baker")
    client, token = logged_in(app, login, bob)
    body = post_scan(client, token, {"token": alice.badge_token, "client_uuid": str(uuid.uuid4())}).get_json()
    db.session.expire_all()
    mine = db.session.get(Connection, body["connection_id"])
    assert body["contact"] == card_for(db.session.get(Attendee, alice.id), mine)
    assert (body["contact"]["given_name"], body["contact"]["family_name"]) == ("Alice", "Able")


def test_sqlite_scan_writers_of_every_process_queue_on_one_lock(app, login, pair):
    """Scan writers take turns on an flock() beside the SQLite file: one held by another open
    file (as another gunicorn worker holds it) keeps a scan's write waiting, nothing half done."""
    import fcntl

    from sqlalchemy.engine import make_url

    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") or not database:
        pytest.skip("the writers' lock is SQLite's")
    event, alice, bob = pair
    client, token = logged_in(app, login, bob)
    other_worker = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other_worker, fcntl.LOCK_EX)
    results, body = [], {"token": alice.badge_token, "client_uuid": str(uuid.uuid4())}
    scan = threading.Thread(target=lambda: results.append(post_scan(client, token, body).status_code))
    try:
        scan.start()
        scan.join(0.5)
        assert scan.is_alive() and not results  # waiting for its turn
        assert scans() == [] and connections() == []
    finally:
        fcntl.flock(other_worker, fcntl.LOCK_UN)
        os.close(other_worker)
    scan.join(30)
    assert results == [201]
    _assert_one_per_side(alice, bob)


def test_a_scan_writer_whose_turn_never_comes_goes_to_sqlites_lock_after_the_statement_timeout(app, login, pair):
    """Queueing for the writers' turn is bounded: a worker that keeps it (stuck behind another
    program's long write) costs a scan at most the statement timeout before it tries SQLite's
    own lock, as every writer did before; it never waits out a whole queue of timeouts."""
    import fcntl

    from sqlalchemy.engine import make_url

    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") or not database:
        pytest.skip("the writers' lock is SQLite's")
    event, alice, bob = pair
    client, token = logged_in(app, login, bob)
    app.config["DATABASE_STATEMENT_TIMEOUT"] = 1
    stuck_worker = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(stuck_worker, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        response = post_scan(client, token, {"token": alice.badge_token, "client_uuid": str(uuid.uuid4())})
        seconds = time.monotonic() - started
    finally:
        os.close(stuck_worker)
    assert response.status_code == 201 and 0.9 < seconds < 4, (response.status_code, seconds)
    _assert_one_per_side(alice, bob)


# ----------------------------------------------------------------------------- races


def _race(app, login, jobs):
    """Run (attendee, badge token, uuid) scans in threads released at the same instant."""
    prepared = [(logged_in(app, login, who), badge, scan_id) for who, badge, scan_id in jobs]
    barrier = threading.Barrier(len(prepared))
    results = [None] * len(prepared)

    def run(index, client, token, badge, scan_id):
        barrier.wait()
        response = post_scan(client, token, {"token": badge, "client_uuid": scan_id})
        results[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=run, args=(i, client, token, badge, scan_id))
               for i, ((client, token), badge, scan_id) in enumerate(prepared)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _assert_one_per_side(alice, bob):
    rows = connections()
    assert sorted((c.owner_id, c.contact_id) for c in rows) == sorted([(alice.id, bob.id), (bob.id, alice.id)])


def test_threads_racing_with_the_same_uuid_make_one_connection(app, login, pair):
    event, alice, bob = pair
    scan_id = str(uuid.uuid4())
    results = _race(app, login, [(bob, alice.badge_token, scan_id)] * 8)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 7 + [201], results
    assert len({body["connection_id"] for _, body in results}) == 1
    _assert_one_per_side(alice, bob)
    assert len(scans()) == 1


def test_threads_racing_both_directions_with_new_uuids_make_one_connection_per_side(app, login, pair):
    event, alice, bob = pair
    jobs = [(bob, alice.badge_token, str(uuid.uuid4())) for _ in range(4)]
    jobs += [(alice, bob.badge_token, str(uuid.uuid4())) for _ in range(4)]
    results = _race(app, login, jobs)
    assert all(status in (200, 201) for status, _ in results), results
    _assert_one_per_side(alice, bob)
    # The first scan to get in writes both sides; every other one finds them.
    assert sum(status == 201 for status, _ in results) == 1
    assert len(scans()) == 8


WORKER = r"""
import json, os, sys, time
from eventnet import create_app
from eventnet.auth.session import SESSION_KEY
from eventnet.extensions import db
url, base, session_token, badge, scan_id, go = sys.argv[1:7]
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "BASE_URL": base, "MAILBOX_ENABLED": False})
client = app.test_client()
with client.session_transaction() as session:
    session[SESSION_KEY] = session_token
import re
html = client.get("/e/conf/").get_data(as_text=True)
token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
open(go + "." + str(os.getpid()), "w").close()
while not os.path.exists(go):
    time.sleep(0.005)
response = client.post("/e/conf/api/scans", json={"token": badge, "client_uuid": scan_id},
                       headers={"X-CSRFToken": token, "Accept": "application/json"})
print(json.dumps([response.status_code, response.get_json()]))
with app.app_context():
    db.engine.dispose()
"""


def test_processes_racing_make_one_connection_per_side(app, pair, tmp_path):
    """Separate processes, each with its own app and connection pool, on the same database."""
    event, alice, bob = pair
    same = str(uuid.uuid4())
    jobs = [(bob, alice, same), (bob, alice, same), (bob, alice, str(uuid.uuid4())), (alice, bob, str(uuid.uuid4()))]
    go = tmp_path / "go"
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, url, BASE_URL, start_session_for(who),
                          other.badge_token, scan_id, str(go)], cwd=root, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for who, other, scan_id in jobs
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("go.*"))) < len(procs) and time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.01)
    go.touch()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    assert all(status in (200, 201) for status, _ in outputs), outputs
    assert outputs[0][1]["connection_id"] == outputs[1][1]["connection_id"]
    _assert_one_per_side(alice, bob)
    assert len(scans()) == 3


def test_scans_past_the_limit_are_429_and_nothing_is_recorded(app, login, pair, make_attendee):
    event, alice, bob = pair
    app.config["SCANS_PER_MINUTE"] = 3
    guests = [make_attendee(event, f"guest{n}@example.org", f"Guest {n}") for n in range(5)]
    client, token = logged_in(app, login, bob)
    answers = [post_scan(client, token, {"token": guest.badge_token, "client_uuid": str(uuid.uuid4())})
               for guest in guests[:4]]
    assert [answer.status_code for answer in answers] == [201, 201, 201, 429]
    refused = answers[-1]
    # A minute's window, its reset rounded up to the next whole second: at most 61.
    assert refused.get_json()["error"]["code"] == "rate_limited" and 0 < int(refused.headers["Retry-After"]) <= 61
    assert sorted(c.contact_id for c in connections() if c.owner_id == bob.id) == sorted(guest.id for guest in guests[:3])
    # The exchange button counts against the same limit, and says so on a page.
    g.pop("csrf_token", None)
    page = client.post(f"/b/{guests[4].badge_token}/exchange", data={"csrf_token": page_token(client, f"/b/{guests[4].badge_token}")})
    assert page.status_code == 429 and "Too many scans" in page.get_data(as_text=True)
    assert len(scans()) == 3
    # Someone else's limit is their own.
    other, other_token = logged_in(app, login, alice)
    assert post_scan(other, other_token, {"token": guests[4].badge_token, "client_uuid": str(uuid.uuid4())}).status_code == 201


def test_a_session_scans_only_at_its_own_events_url(app, login, pair, make_event, make_attendee):
    event, alice, bob = pair
    carol = make_attendee(make_event(slug="elsewhere"), "carol@example.org", "Carol")
    client, token = logged_in(app, login, bob)
    for slug, status in (("elsewhere", 401), ("nowhere", 404)):
        response = client.post(f"/e/{slug}/api/scans", json={"token": carol.badge_token, "client_uuid": str(uuid.uuid4())},
                               headers={"X-CSRFToken": token, **JSON})
        assert response.status_code == status, slug
    assert connections() == [] and scans() == []


def test_a_new_scan_takes_three_statements(app, login, pair):
    """The login check and the badge are one SELECT, then both sides and the scan row: on
    PostgreSQL each statement is a round trip (COMMIT aside)."""
    from sqlalchemy import event as sa_event

    event, alice, bob = pair
    client, token = logged_in(app, login, bob)
    scan = {"token": alice.badge_token, "client_uuid": str(uuid.uuid4())}
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split(None, 1)[0].upper())

    sa_event.listen(db.engine, "before_cursor_execute", seen)
    try:
        response = post_scan(client, token, scan)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", seen)
    assert response.status_code == 201
    assert statements == ["SELECT", "INSERT", "INSERT"], statements
    _assert_one_per_side(alice, bob)


def test_the_badge_read_with_the_login_still_answers_each_case(app, login, pair, make_event, make_attendee):
    """A replaced badge, another event's, a token that is no string: each answered as before."""
    from eventnet.badges.services import reissue_badge

    event, alice, bob = pair
    carol = make_attendee(make_event(slug="other"), "carol@example.org", "Carol")
    old = alice.badge_token
    reissue_badge(alice)
    db.session.commit()
    client, token = logged_in(app, login, bob)
    for body, status, code in (
        ({"token": old}, 410, "revoked_badge"),
        ({"token": carol.badge_token}, 409, "other_event"),
        ({"token": 12345}, 404, "unknown_badge"),
        ({"token": ["a"]}, 404, "unknown_badge"),
    ):
        response = post_scan(client, token, {**body, "client_uuid": str(uuid.uuid4())})
        assert (response.status_code, response.get_json()["error"]["code"]) == (status, code), body
    # The CSRF check still comes before any answer about the badge.
    refused = post_scan(client, "wrong", {"token": old, "client_uuid": str(uuid.uuid4())})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (400, "csrf_failed")
    assert connections() == [] and scans() == []

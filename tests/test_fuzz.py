"""A bounded fuzz of every route and method: malformed and oversized input, odd headers, as each
kind of visitor. Zero server errors and zero tracebacks in the log, on SQLite and PostgreSQL.

Deterministic (a fixed seed) and bounded (a few thousand requests, under a minute), so it runs in
every test run. Requests that change the world for good (removing people, deleting accounts,
logging out) come last, so everything else is fuzzed against a full event.
"""
from __future__ import annotations

import io
import json
import logging
import os
import random
import uuid

import pytest
from conftest import csrf_token, start_session_for

from eventnet.connections.models import Connection
from eventnet.connections.services import record_scan
from eventnet.extensions import db
from eventnet.promises.services import track

# A longer exploration: FUZZ_ROUNDS=200 FUZZ_SEED=7 scripts/test.sh -k fuzz (CI keeps the defaults).
SEED = int(os.environ.get("FUZZ_SEED", "20261204"))
ROUNDS_PER_ROUTE = int(os.environ.get("FUZZ_ROUNDS", "14"))
DESTRUCTIVE = ("remove", "delete", "log-out", "logout", "reissue")

# Field names the app's forms and APIs read (templates and views), and a few it never heard of.
FIELDS = [
    "email", "name", "code", "q", "note", "tags", "tag", "add_tag", "starred", "intent", "company", "headline",
    "role", "bio", "phone", "linkedin", "website", "link1_label", "link1_url", "link2_url", "share", "can_help_with",
    "looking_for", "confirm", "digest", "digest_at", "no_contacts", "reminder_days", "reminders", "reply_to",
    "starts_at", "ends_at", "scan_opens_at", "scan_closes_at", "timezone", "venue", "slug", "token", "client_uuid",
    "scanned_at", "next", "paper", "ids", "page", "done", "scope", "variant", "met", "key", "_refresh",
    "attendee_id", "edited_at", "sent_at", "download_token", "given_name", "family_name", "zzz_unknown",
    "works_on", "needs", "offers", "promise", "promise_due", "promises", "add_promise", "save", "suggested",
    "sentence", "from", "suggestion_shown",
]

JUNK = [
    "", " ", "0", "-1", "1e400", "9" * 40, "NaN", "true", "null", "[]", "{}",
    "x" * 20_000,
    "Zoë Ångström 李 \u202e\u200b 🎉",
    "<script>alert(1)</script>", "' OR 1=1 --", "%00%27", "../../etc/passwd", "\\\\evil", "//evil.example/",
    "javascript:alert(1)", "https://evil.example\\@www.linkedin.com/in/x",
    "9999-12-31T23:59", "0001-01-01T00:00", "2026-03-29T02:30", "2026-13-45T99:99", "yesterday",
    "a@b", "@", "a" * 300 + "@example.org", "ü@bücher.example", "Mars/Olympus", "Europe/Berlin",
    "\r\nX-Injected: 1", "\t\x01\x7f", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]


def junk(rng: random.Random) -> str:
    return rng.choice(JUNK)


def json_body(rng: random.Random, attendee_id) -> bytes | str:
    """A JSON body: an object of junk, another type, a deep one, or not JSON at all."""
    kind = rng.randrange(7)
    if kind == 0:
        return "[" * 3000 + "]" * 3000
    if kind == 1:
        return rng.choice(['"a string"', "12", "null", "[1, 2]", "1e400", "{", "{\"token\": }", "\x00", ""])
    if kind == 2:
        return b"\xff\xfe{\"token\": \"\xc3\x28\"}"  # not UTF-8
    body = {name: rng.choice([junk(rng), rng.randrange(-10**20, 10**20), None, True, [junk(rng)], {"a": 1}, 1.5])
            for name in rng.sample(FIELDS, rng.randrange(1, 8))}
    if kind >= 5:
        body.update({"attendee_id": attendee_id, "client_uuid": str(uuid.uuid4()), "edited_at": "2026-12-01T10:00:00+00:00"})
    return json.dumps(body)


ODD_HEADERS = [
    {}, {"HX-Request": "true"}, {"HX-Request": "true", "HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"},
    {"Accept": "application/json"}, {"Accept": "*/*;q=0.5, text/html;q=0.1"}, {"Accept": "garbage/;;;"},
    {"Accept-Encoding": "gzip, br"}, {"Accept-Language": "zz-ZZ;q=abc"}, {"Range": "bytes=999999-1"},
    {"If-None-Match": "\"nope\""}, {"If-Modified-Since": "not a date"}, {"X-Forwarded-For": "999.1.1.1, junk"},
    {"X-Forwarded-Proto": "https"}, {"Referer": "https://evil.example/"}, {"Origin": "null"},
    {"Host": "a" * 70 + ".example.org"}, {"Cookie": "eventnet_session=garbage.garbage.garbage"},
    {"Content-Type": "text/plain"}, {"Content-Type": "application/json; charset=latin1"},
]


@pytest.fixture
def world(app, make_event, make_attendee):
    from eventnet.auth.session import start_admin_session
    from eventnet.organizer.admin import add_admin
    from eventnet.attendees.importer.uploads import stash_upload
    from eventnet.audit.models import AuditLog
    from eventnet.auth.models import Administrator

    event = make_event(slug="fuzz")
    ada = make_attendee(event, email="ada@example.org", name="Ada")
    bo = make_attendee(event, email="bo@example.org", name="Bo")
    olu = make_attendee(event, email="olu@example.org", name="Olu", role="organizer")
    scan_uuid = str(uuid.uuid4())
    connection_id = record_scan(ada, bo.badge_token, scan_uuid).connection_id
    promise_id = track(db.session.get(Connection, connection_id), "Send Bo the slides").id
    db.session.commit()
    upload, _ = stash_upload(event, olu, "people.csv", b"email,name\ncara@example.org,Cara\n")
    add_admin("root@example.org")
    admin_id = db.session.execute(db.select(Administrator.id)).scalar_one()
    admin_token = start_admin_session(admin_id)
    db.session.commit()
    entry = db.session.execute(db.select(AuditLog.id)).scalars().first()
    return {
        "event": event, "ada": ada, "bo": bo, "olu": olu, "connection_id": connection_id, "scan_uuid": scan_uuid,
        "values": {"slug": event.slug, "token": bo.badge_token, "connection_id": connection_id, "attendee_id": bo.id,
                   "client_uuid": scan_uuid, "promise_id": promise_id, "upload_id": upload.id, "introduction_id": 1, "entry_id": entry or 1, "event_id": event.id},
        "admin_token": admin_token,
    }


def visitors(app, world):
    """A client per kind of visitor, each holding a valid CSRF token, so input (not CSRF) decides."""
    from eventnet.auth.session import ADMIN_SESSION_KEY, SESSION_KEY

    clients = {}
    for who in ("anonymous", "ada", "olu", "admin"):
        client = app.test_client()
        with client.session_transaction() as session:
            if who in ("ada", "olu"):
                session[SESSION_KEY] = start_session_for(world[who])
            if who == "admin":
                session[ADMIN_SESSION_KEY] = world["admin_token"]
        client.csrf = csrf_token(client, "/e/fuzz/login/code")
        client.attendee_id = world[who].id if who in ("ada", "olu") else None
        clients[who] = client
    return clients


def path_variants(rule, values, rng: random.Random) -> tuple[str, list[str]]:
    """The route with good values, and with each argument replaced by something hostile."""
    base = {name: values.get(name, "x") for name in rule.arguments}
    good = rule.build(base, append_unknown=False)[1]
    urls = []
    for name in rule.arguments:
        for bad in ("0", str(2**31), "x" * 500, "Zoë-李", "..", "%2e%2e", "-1", "1.5"):
            try:
                urls.append(rule.build({**base, name: bad}, append_unknown=False)[1])
            except Exception:  # noqa: BLE001  (an int converter refuses to build "x": fine, nothing to fuzz)
                continue
    rng.shuffle(urls)
    return good, urls[:4] or [good]


def test_no_input_makes_a_server_error(app, world, caplog):
    rng = random.Random(SEED)
    clients = visitors(app, world)
    requests = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        good, hostile = path_variants(rule, world["values"], rng)
        allowed = sorted(rule.methods - {"OPTIONS"})
        for _ in range(ROUNDS_PER_ROUTE):
            # Mostly the real route with hostile input; sometimes a hostile path or a method it lacks.
            roll = rng.random()
            url = good if roll < 0.75 else rng.choice(hostile)
            method = rng.choice(allowed) if roll < 0.92 else rng.choice(["PUT", "DELETE", "PATCH"])
            requests.append((rule.endpoint, method, url))
    # Everything first, then what removes people or sessions for good.
    requests.sort(key=lambda r: any(word in r[2] for word in DESTRUCTIVE))
    statuses: dict[int, int] = {}
    failures = []
    with caplog.at_level(logging.WARNING):
        for endpoint, method, url in requests:
            for who, client in rng.sample(sorted(clients.items()), 2):
                headers = {"X-CSRFToken": client.csrf, **rng.choice(ODD_HEADERS)}
                kwargs = {"headers": headers}
                query = {name: junk(rng) for name in rng.sample(FIELDS, rng.randrange(0, 4))}
                if method in ("POST", "PUT", "DELETE", "PATCH"):
                    shape = rng.randrange(4)
                    if shape == 0:
                        kwargs["data"] = json_body(rng, client.attendee_id)
                        headers.setdefault("Content-Type", "application/json")
                    elif shape == 1:
                        kwargs["data"] = {"csrf_token": client.csrf, "file": (io.BytesIO(
                            rng.choice([b"", b"\xff\xfe\x00junk", b"email,name\n" + b"x," * 5000, "ü;ß\n".encode("latin-1")])),
                            rng.choice(["a.csv", "../../x.csv", "李.csv", ""]))}
                    else:
                        kwargs["data"] = {"csrf_token": client.csrf, **{name: junk(rng) for name in
                                                                       rng.sample(FIELDS, rng.randrange(1, 12))}}
                response = client.open(url, method=method, query_string=query, **kwargs)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} {method} {url} as {who} ({endpoint}) {headers} "
                                    f"{str(kwargs.get('data'))[:200]!r}")
                response.close()
    tracebacks = [record.getMessage() for record in caplog.records if record.exc_info]
    total = sum(statuses.values())
    print(f"\nfuzz: {total} requests, statuses {dict(sorted(statuses.items()))}")
    assert total > 2000
    assert failures == [], "\n".join(failures[:30])
    assert tracebacks == [], tracebacks[:10]

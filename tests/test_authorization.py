"""Every route, walked as each kind of visitor: who may see what.

New routes fail `test_every_route_has_a_policy` until they are given a policy here, so nothing
ships without someone deciding who may use it.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

import pytest

from eventnet.connections.services import record_scan
from eventnet.extensions import db

# endpoint -> who may use it
PUBLIC = "public"          # anyone, logged in or not
MEMBER = "member"          # a logged-in attendee of the URL's event
OWNER = "owner"            # a member, and only on their own connection (others: 404)
ORGANIZER = "organizer"    # an organizer of the URL's event
DEV = "dev"                # the development mailbox: only exists without SMTP, never in production
ADMIN = "admin"            # an administrator's email (tests/test_organizer_admin.py walks these)

POLICY = {
    "static": PUBLIC,
    "events.index": PUBLIC,
    "events.home": MEMBER,
    "auth.login": PUBLIC,
    "auth.code": PUBLIC,
    "auth.confirm": PUBLIC,
    "auth.logout": PUBLIC,
    "attendees.edit_profile": MEMBER,
    "badges.card": PUBLIC,
    "badges.qr_png": PUBLIC,
    "badges.qr_svg": PUBLIC,
    "badges.vcard": PUBLIC,
    "badges.my_qr": MEMBER,
    "connections.exchange": MEMBER,
    "connections.scan_api": MEMBER,
    "connections.contact": OWNER,
    "connections.save_note": OWNER,
    "contacts.book": MEMBER,
    "contacts.export_csv": MEMBER,
    "contacts.export_json": MEMBER,
    "contacts.export_vcf": MEMBER,
    "contacts.contact_vcf": OWNER,
    "contacts.confirm_remove": OWNER,
    "contacts.remove": OWNER,
    "mydata.overview": MEMBER,
    "mydata.delete_account": MEMBER,
    "mydata.log_out_everywhere": MEMBER,
    "mydata.deleted": PUBLIC,
    "scanner.scan": MEMBER,
    "scanner.search": MEMBER,
    "scanner.code": MEMBER,
    "scanner.session_api": MEMBER,
    "scanner.note_api": OWNER,
    "scanner.manifest": PUBLIC,
    "scanner.service_worker": PUBLIC,
    "scanner.decoder_file": PUBLIC,
    "digests.settings": MEMBER,
    "digests.save_settings": MEMBER,
    "digests.preview": MEMBER,
    "digests.preview_html": MEMBER,
    "digests.organizer_sample": ORGANIZER,
    "digests.organizer_sample_html": ORGANIZER,
    "digests.toggle_followup": OWNER,
    "digests.contact_calendar": OWNER,
    # Links from emails: no login; the signed token in the URL is the authority (bad ones 404).
    "digests.unsubscribe": PUBLIC,
    "digests.resubscribe": PUBLIC,
    "digests.followup_done": PUBLIC,
    "digests.calendar": PUBLIC,
    # Sent to the attendee's current address; the signed token is the authority, the POST applies it.
    "attendees.confirm_email_change": PUBLIC,
    "mailbox.index": DEV,
    "mailbox.message": DEV,
    "mailbox.html_part": DEV,
}
# Routes of features still being added are classified by their blueprint's rule.
BLUEPRINT_POLICY = {"organizer": ORGANIZER, "admin": ADMIN}


def policy_for(endpoint: str) -> str | None:
    return POLICY.get(endpoint) or BLUEPRINT_POLICY.get(endpoint.split(".")[0])


def test_every_route_has_a_policy(app):
    unclassified = sorted(
        rule.endpoint for rule in app.url_map.iter_rules() if policy_for(rule.endpoint) is None
    )
    assert unclassified == [], f"give these routes a policy in {__file__}: {unclassified}"


@pytest.fixture
def world(app, make_event, make_attendee):
    """Two events; in the first, Ada (attendee), Bo (attendee), Olu (organizer); Ada scanned Bo."""
    event = make_event(slug="main-event")
    other_event = make_event(slug="other-event")
    ada = make_attendee(event, email="ada@example.org", name="Ada")
    bo = make_attendee(event, email="bo@example.org", name="Bo")
    olu = make_attendee(event, email="olu@example.org", name="Olu", role="organizer")
    stranger = make_attendee(other_event, email="sam@example.org", name="Sam", role="organizer")
    scan_uuid = str(uuid.uuid4())
    result = record_scan(ada, bo.badge_token, scan_uuid, None)
    db.session.commit()
    return {
        "event": event, "ada": ada, "bo": bo, "olu": olu, "stranger": stranger,
        "connection_id": result.connection.id, "scan_uuid": scan_uuid,
    }


def url_values(rule, world) -> dict | None:
    """Arguments that make a rule point at Ada's things in the main event."""
    values = {}
    for name in rule.arguments:
        if name == "slug":
            values[name] = world["event"].slug
        elif name == "token":
            values[name] = world["bo"].badge_token
        elif name == "connection_id":
            values[name] = world["connection_id"]
        elif name == "attendee_id":
            values[name] = world["bo"].id
        elif name == "client_uuid":
            values[name] = world["scan_uuid"]
        else:
            return None  # static files, mailbox keys, decoder files: covered by their own tests
    return values


def visitors(world, app, login):
    """A logged-in client per kind of visitor, with the attendee it is logged in as."""
    def as_(attendee):
        client = app.test_client()
        if attendee is not None:
            login(client, attendee)
        # Every visitor holds a valid CSRF token, as a browser that opened a page does, so
        # that only who they are decides the answer.
        page = client.get("/").get_data(as_text=True)
        client.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        return client, attendee

    return {
        "anonymous": as_(None),
        "stranger": as_(world["stranger"]),   # an organizer, but of another event
        "bo": as_(world["bo"]),               # same event, not the owner of Ada's connection
        "ada": as_(world["ada"]),
        "olu": as_(world["olu"]),
    }


# Where a refusal is more specific than the general rule, and says so to the person.
SPECIFIC = {
    # Logged in for another event and pressing Exchange on this event's badge: "another event".
    ("connections.exchange", "stranger"): "409",
}


def expected(endpoint: str, policy: str, who: str) -> str:
    """What a visitor should get: 'ok', 'login' (redirect to this event's login), 403 or 404."""
    if (endpoint, who) in SPECIFIC:
        return SPECIFIC[endpoint, who]
    if policy == PUBLIC:
        return "ok"
    if who in ("anonymous", "stranger"):
        return "login"
    if policy == MEMBER:
        return "ok"
    if policy == OWNER:
        return "ok" if who == "ada" else "404"
    if policy == ORGANIZER:
        return "ok" if who == "olu" else "403"
    raise AssertionError(policy)


def classify(response, slug: str) -> str:
    location = response.headers.get("Location", "") or response.headers.get("HX-Redirect", "")
    if response.status_code in (302, 303) and f"/e/{slug}/login" in location:
        return "login"
    if response.status_code == 401:  # the JSON APIs' "log in first" (the offline queue keeps the item)
        return "login"
    if response.status_code == 403:
        return "403"
    if response.status_code == 404:
        return "404"
    if response.status_code == 409:
        return "409"
    if response.status_code < 400:
        return "ok"
    return str(response.status_code)


def test_who_may_see_what(app, world, login):
    clients = visitors(world, app, login)
    slug = world["event"].slug
    checked, failures = 0, []
    for rule in app.url_map.iter_rules():
        policy = policy_for(rule.endpoint)
        if policy in (None, DEV, ADMIN) or rule.endpoint == "auth.logout":
            continue
        values = url_values(rule, world)
        if values is None:
            continue
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for who, (client, attendee) in clients.items():
                want = expected(rule.endpoint, policy, who)
                if method != "GET" and want == "ok":
                    continue  # allowed state changes are exercised by each feature's tests
                body = None
                if "/api/" in url:  # a well-formed body, so only the visitor decides the answer
                    body = {"attendee_id": attendee.id if attendee else None, "note": "probe",
                            "edited_at": datetime.now(timezone.utc).isoformat(),
                            "token": world["bo"].badge_token, "client_uuid": str(uuid.uuid4())}
                response = client.open(url, method=method, json=body, headers={"X-CSRFToken": client.csrf})
                got = classify(response, slug)
                checked += 1
                if got != want and not (want == "ok" and method == "GET" and response.status_code < 500 and policy == PUBLIC):
                    failures.append(f"{method} {url} as {who}: expected {want}, got {got} ({response.status_code}) {response.get_data(as_text=True)[:200]}")
    assert checked > 80
    assert failures == [], "\n".join(failures)


def test_refused_posts_change_nothing(app, world, login):
    """A stranger or Bo posting to Ada's note and removal routes leaves Ada's data as it was."""
    clients = visitors(world, app, login)
    slug, cid = world["event"].slug, world["connection_id"]
    for who in ("anonymous", "stranger", "bo"):
        client, _ = clients[who]
        client.post(f"/e/{slug}/contacts/{cid}/note", data={"note": f"written by {who}", "csrf_token": client.csrf})
        client.post(f"/e/{slug}/contacts/{cid}/remove", data={"csrf_token": client.csrf})
    ada_page = clients["ada"][0].get(f"/e/{slug}/contacts/{cid}")
    assert ada_page.status_code == 200
    assert "written by" not in ada_page.get_data(as_text=True)


def test_a_badge_token_never_logs_anyone_in(app, world):
    client = app.test_client()
    bo = world["bo"]
    for path in (f"/b/{bo.badge_token}", f"/b/{bo.badge_token}/contact.vcf", f"/b/{bo.badge_token}/qr.svg"):
        client.get(path)
    response = client.get(f"/e/{world['event'].slug}/")
    assert response.status_code == 303 and "/login" in response.headers["Location"]

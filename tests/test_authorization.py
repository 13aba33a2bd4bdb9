"""Every route, walked as each kind of visitor: who may see what.

New routes fail `test_every_route_has_a_policy` until they are given a policy here, so nothing
ships without someone deciding who may use it.
"""
from __future__ import annotations

import io
import mailbox
import re
import secrets
import uuid
from datetime import datetime, timezone
from email import policy as email_policy
from email.parser import BytesParser
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from eventnet.connections.services import record_scan
from eventnet.extensions import db
from eventnet.promises.services import track

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
    # Administrators log in here (a link to the address set on the server); everything else in
    # /admin needs that session (tests/test_organizer_admin.py walks it).
    "admin.login": PUBLIC,
    "admin.logout": PUBLIC,
    "attendees.edit_profile": MEMBER,
    "attendees.upload_photo": MEMBER,
    "attendees.remove_photo": MEMBER,
    "attendees.preview": MEMBER,
    "followthrough.mine": MEMBER,
    "meet.choose": MEMBER,
    "meet.not_for_me": MEMBER,  # only people of the same event (tests/test_people_to_meet.py)
    "introductions.introduce": OWNER,
    # Only one of the two asked; anyone else 404 (tests/test_introductions.py).
    "introductions.answer": MEMBER,
    "introductions.choice": MEMBER,
    # A photo's random key is the authority, while its person shares it (tests/test_photos.py).
    "photos.photo": PUBLIC,
    "photos.own_photo": MEMBER,
    "badges.card": PUBLIC,
    "badges.qr_png": PUBLIC,
    "badges.qr_svg": PUBLIC,
    "badges.vcard": PUBLIC,
    "badges.my_qr": MEMBER,
    "connections.exchange": MEMBER,
    "connections.scan_api": MEMBER,
    "connections.contact": OWNER,
    "connections.save_note": OWNER,
    "connections.keep_in_touch_toggle": OWNER,
    "contacts.book": MEMBER,
    "contacts.export_csv": MEMBER,
    "contacts.export_json": MEMBER,
    "contacts.export_outlook_csv": MEMBER,
    "contacts.export_vcf": MEMBER,
    "contacts.contact_vcf": OWNER,
    "contacts.confirm_remove": OWNER,
    "contacts.remove": OWNER,
    # My card, per person: the list and the expiry are mine; one holder's page (attendee_id =
    # someone who holds my card) is a 404 for anyone else's id (tests/test_card_control.py).
    "mycard.holders": MEMBER,
    "mycard.set_expiry": MEMBER,
    "mycard.holder": OWNER,
    "mycard.set_fields": OWNER,
    "mycard.take_back": OWNER,
    "mycard.share_again": OWNER,
    "mycard.for_contact": OWNER,  # my connection's id: the redirect to that contact's holder page
    "mydata.overview": MEMBER,
    "mydata.delete_account": MEMBER,
    "mydata.log_out_everywhere": MEMBER,
    "mydata.deleted": PUBLIC,
    "scanner.scan": MEMBER,
    "scanner.search": MEMBER,
    "scanner.code": MEMBER,
    "scanner.session_api": MEMBER,
    "scanner.offline": MEMBER,
    "scanner.note_api": OWNER,
    "scanner.manifest": PUBLIC,
    "scanner.service_worker": PUBLIC,
    "scanner.decoder_file": PUBLIC,
    "scanner.visitor_offline": PUBLIC,  # the offline page of a phone nobody is logged in on
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
    # Promises (tests/test_promises.py): my list, my promises to my contacts; the email's
    # signed "promise done" link needs no login, its token is the authority.
    "promises.mine": MEMBER,
    "promises.add": OWNER,
    "promises.dismiss": OWNER,
    "promises.toggle": OWNER,
    "promises.done_by_link": PUBLIC,
    "promises.note_done_by_link": PUBLIC,  # a signed link is the authority (tests/test_promises.py)
    # Sent to the attendee's current address; the signed token is the authority, the POST applies it.
    "attendees.confirm_email_change": PUBLIC,
    # The event's look (tests/test_branding.py): its organizers set it; the logo (by its random
    # key, new with each logo) and the theme stylesheet (made from a colour alone) are on every
    # page of the event, its login page included.
    "branding.look": ORGANIZER,
    "branding.save_accent": ORGANIZER,
    "branding.upload_logo": ORGANIZER,
    "branding.remove_logo": ORGANIZER,
    "branding.logo": PUBLIC,
    "branding.theme_css": PUBLIC,
    # Languages (tests/test_i18n.py): the attendee's own setting; the login page's switcher only
    # sets a cookie in the visitor's own browser.
    "i18n.save": MEMBER,
    "i18n.switch": PUBLIC,
    "mailbox.index": DEV,
    "mailbox.message": DEV,
    "mailbox.html_part": DEV,
}
# Routes of features still being added are classified by their blueprint's rule.
# The console's blueprints: the shell (organizer) and the features' own organizer screens.
CONSOLE_BLUEPRINTS = ("organizer", "digest_control", "badge_printing", "csv_import")
BLUEPRINT_POLICY = {**dict.fromkeys(CONSOLE_BLUEPRINTS, ORGANIZER), "admin": ADMIN}


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
    promise = track(result.connection, "Send Bo the slides")
    db.session.commit()
    return {
        "event": event, "ada": ada, "bo": bo, "olu": olu, "stranger": stranger,
        "connection_id": result.connection.id, "scan_uuid": scan_uuid, "promise_id": promise.id,
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
        elif name == "promise_id":
            values[name] = world["promise_id"]
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
    # Only ever my own photo, and nobody in this world has one.
    **{("photos.own_photo", who): "404" for who in ("ada", "bo", "olu")},
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


# Query strings that make a page list people, so that the walk below sees them.
LISTING_QUERIES = {"scanner.search": "?q=cyrus", "contacts.book": "?q=cyrus"}


def test_no_page_hands_a_member_the_badge_of_someone_they_have_not_met(app, world, login, make_attendee):
    """A badge token is a card: only the badge, its QR or its typed code (meeting) may lead to it."""
    cyrus = make_attendee(world["event"], email="cyrus@example.org", name="Cyrus Unmet", headline="Findable",
                          shared_fields=["headline", "company", "email"])
    clients = visitors(world, app, login)
    walked = 0
    for rule in app.url_map.iter_rules():
        policy = policy_for(rule.endpoint)
        if policy not in (PUBLIC, MEMBER, OWNER) or "GET" not in rule.methods:
            continue
        values = url_values(rule, world)
        if values is None:
            continue
        url = rule.build(values, append_unknown=False)[1] + LISTING_QUERIES.get(rule.endpoint, "")
        for who in ("ada", "bo"):
            for headers in ({}, {"HX-Request": "true"}):
                body = clients[who][0].get(url, headers=headers).get_data()
                assert cyrus.badge_token.encode() not in body, f"GET {url} as {who} hands out Cyrus's badge"
                assert cyrus.short_code.encode() not in body, f"GET {url} as {who} hands out Cyrus's code"
                walked += 1
    search = clients["bo"][0].get(f"/e/{world['event'].slug}/scan/search?q=cyrus").get_data(as_text=True)
    assert "Cyrus Unmet" in search  # the walk did reach a page that names him
    assert walked > 40


# ----------------------------------------------------------------------------- the organizer walk
#
# Invariant (issue 9): an organizer never sees an attendee's notes or contact list, by any path
# the console offers. The walk plants unique markers in Ada's private note and tags and in the
# name of her contact Bo, then acts as the event's organizer through every console route, GET and
# POST with plausible data (help-desk links, her email edited to the organizer's own address,
# digest sample and test send, login emails), follows every URL any answer contains, reads every
# email that reaches the organizer's addresses and follows its links; any login link or code that
# reaches the organizer is used, and the pages of whoever it logs in are walked. The note markers
# must never appear. Bo's name may appear only where the console lists attendees (that Bo
# attends is the organizer's to know), never on a page about Ada, in an email or behind a login.



SITE = "http://eventnet.test"
ORGANIZERS_OWN = "olu.private@example.net"  # an address the organizer reads that is not in the event
WALK_LIMIT = 2000  # requests; the walk is a few hundred today


class _Links(HTMLParser):
    """Every URL a page offers: links, sources, htmx attributes, and its forms with their fields."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.gets: list[str] = []
        self.posts: list[str] = []  # hx-post on an element that is not a form
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            method = "post" if (a.get("method", "get").lower() == "post" or "hx-post" in a) else "get"
            self._form = {"method": method, "action": a.get("hx-post") or a.get("action") or "", "fields": []}
            self.forms.append(self._form)
            if a.get("action") and a.get("hx-post") and a["action"] != a["hx-post"]:
                self.posts.append(a["action"])
            return
        for attr in ("href", "src", "hx-get", "data-service-worker"):
            if a.get(attr):
                self.gets.append(a[attr])
        if a.get("hx-post") and self._form is None:
            self.posts.append(a["hx-post"])
        if self._form is None:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind == "file":
                self._form["fields"].append((a["name"], None))
            elif kind not in ("submit", "button", "image", "reset"):
                self._form["fields"].append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].append((a["name"], ""))
        elif tag == "option" and self._select is not None and "selected" in a:
            self._form["fields"] = [(n, v) for n, v in self._form["fields"] if n != self._select]
            self._form["fields"].append((self._select, a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"].append((a["name"], ""))

    def handle_data(self, data):
        if self._textarea is not None and self._form is not None:
            self._form["fields"] = [(n, v + data if n == self._textarea else v) for n, v in self._form["fields"]]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


@pytest.fixture
def private_world(app, make_event, make_attendee):
    """Ada wrote a private note about her contact Bo; markers in the note, a tag and Bo's name."""
    from eventnet.connections.models import Connection
    from eventnet.audit import services as audit
    from eventnet.attendees.importer.uploads import confirm_import, stash_upload

    markers = {"note": "NOTE" + secrets.token_hex(8), "tag": "tag" + secrets.token_hex(6),
               "name": "NAME" + secrets.token_hex(8)}
    event = make_event(slug="walk-event", name="Walk Conf")
    olu = make_attendee(event, email="olu@example.org", name="Olu Organizer", role="organizer")
    ada = make_attendee(event, email="ada@example.org", name="Ada Lovelace")
    bo = make_attendee(event, email="bo@example.org", name=f"Bo {markers['name']}", company="Bo Private Co")
    zed = make_attendee(event, email="zed@example.org", name="Zed Newcomer")  # no data: may be removed
    record_scan(ada, bo.badge_token, str(uuid.uuid4()), None)
    db.session.commit()
    mine = db.session.execute(db.select(Connection).filter_by(owner_id=ada.id, contact_id=bo.id)).scalar_one()
    mine.note = f"{markers['note']} private: Bo is looking for a new job, do not tell anyone"
    mine.tags, mine.starred, mine.intent = [markers["tag"]], True, "coffee"
    upload, _ = stash_upload(event, olu, "walk.csv", b"email,name\nwalk.import@example.org,Walk Import\n")
    confirm_import(event, olu, upload.id)
    entry = audit.record(event, olu, "login_emails_queued", count=0)
    db.session.commit()
    return {"event": event, "olu": olu, "ada": ada, "bo": bo, "zed": zed, "markers": markers,
            "values": {"slug": event.slug, "attendee_id": ada.id, "upload_id": upload.id, "entry_id": entry.id,
                       "event_id": event.id}}


class OrganizerWalk:
    """The walk's state: clients by identity, what was visited, what was found, and how."""

    def __init__(self, app, world, login):
        self.app, self.world = app, world
        self.adapter = app.url_map.bind("eventnet.test")
        self.ada, self.bo, self.olu = world["ada"].id, world["bo"].id, world["olu"].id
        self.slug = world["event"].slug
        self.note_markers = [world["markers"]["note"], world["markers"]["tag"]]
        self.name_marker = world["markers"]["name"]
        self.organizer = login(app.test_client(), world["olu"])
        self.organizer.who, self.organizer.is_organizer = "organizer", True
        self.queue: list[tuple] = []  # (client, method, url, data, via)
        self.seen: set = set()
        self.requests = 0
        self.findings: list[str] = []
        self.logins: list[str] = []  # who a leaked link or code logged in, and how
        self.mail_seen: set[str] = set()
        self.used_secrets: set[str] = set()

    # -- what an answer may show

    def endpoint(self, method: str, path: str) -> tuple[str | None, dict]:
        try:
            endpoint, values = self.adapter.match(path, method=method)
        except HTTPException:
            return None, {}
        return endpoint, values

    def check(self, where: str, body: bytes, *, console_list: bool) -> None:
        unfolded = re.sub(rb"\r?\n[ \t]", b"", body)  # vCard and email headers fold long lines
        for text in (body, unfolded):
            for marker in self.note_markers:
                if marker.encode() in text:
                    self.findings.append(f"Ada's private note or tag in {where}")
                    return
            if self.name_marker.encode() in text and not console_list:
                self.findings.append(f"the name of Ada's contact Bo in {where}")
                return

    def lists_attendees(self, client, path: str) -> bool:
        """A console page the organizer sees attendees' names on, and not about Ada."""
        endpoint, values = self.endpoint("GET", path.split("?")[0])
        if endpoint is None:
            endpoint, values = self.endpoint("POST", path.split("?")[0])
        return (client.is_organizer and endpoint is not None and endpoint.split(".")[0] in CONSOLE_BLUEPRINTS
                and values.get("attendee_id") != self.ada)

    # -- requests

    def add(self, client, method, url, data=None, via=""):
        parts = urlsplit(url)
        if parts.scheme and f"{parts.scheme}://{parts.netloc}" != SITE:
            return  # another site (mailto:, example.com in a sample): not ours to walk
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith("/") or path.startswith("/static/"):
            return
        if re.match(r"^/login/[^/?]+", parts.path):
            self.use_login_link(path, via)
            return
        key = (client.who, method, path)  # each console action once per place it is offered
        if key in self.seen:
            return
        self.seen.add(key)
        self.queue.append((client, method, path, data, via))

    def run(self, only=None):
        """Visit what is queued; with `only`, just that client's pages (a login is walked at once,
        before a later console action, such as logging that attendee out, could end it)."""
        while True:
            mine = [i for i, item in enumerate(self.queue) if only is None or item[0] is only]
            if not mine:
                return
            client, method, path, data, via = self.queue.pop(mine[0])
            self.requests += 1
            assert self.requests < WALK_LIMIT, "the walk does not end: " + via
            if method == "POST":
                response = client.post(path, data=data or {}, headers={"X-CSRFToken": client.csrf})
            else:
                response = client.get(path)
            where = f"{method} {path} as {client.who} (via {via[:300] or 'the start'})"
            self.check(where, response.data, console_list=self.lists_attendees(client, path))
            self.follow(client, response, path, where)

    def follow(self, client, response, path, where):
        for header in ("Location", "HX-Redirect"):
            if response.headers.get(header):
                self.add(client, "GET", urljoin(SITE + path, response.headers[header]), via=where)
        if "html" not in response.headers.get("Content-Type", ""):
            return
        html = response.get_data(as_text=True)
        self.use_shown_code(html, where)
        for url in re.findall(r"http://eventnet\.test/login/[^\s\"'<>]+", html):  # a link shown as text
            self.add(client, "GET", url.replace("&amp;", "&"), via=where)
        links = _Links()
        links.feed(html)
        for url in links.gets:
            self.add(client, "GET", urljoin(SITE + path, url), via=where)
        for url in links.posts:
            self.post(client, urljoin(SITE + path, url), {}, where)
        for form in links.forms:
            action = urljoin(SITE + path, form["action"] or path)
            if form["method"] == "get":
                fields = [(n, v) for n, v in form["fields"] if v is not None]
                if urlsplit(action).path.endswith("/digests/preview"):  # the old lookup by email
                    fields = [(n, self.world["ada"].email if n == "email" else v) for n, v in fields]
                query = urlencode(fields)
                self.add(client, "GET", action.split("?")[0] + (f"?{query}" if query else ""), via=where)
            else:
                self.post(client, action, dict((n, v) for n, v in form["fields"] if v is not None), where)

    def console(self, endpoint: str | None, path: str) -> bool:
        """A route of the organizer's console: its blueprint, and the digest feature's organizer pages."""
        return endpoint is not None and (endpoint.split(".")[0] in CONSOLE_BLUEPRINTS or path.startswith(f"/e/{self.slug}/organizer"))

    def post(self, client, url, fields, via):
        path = urlsplit(url).path
        endpoint, values = self.endpoint("POST", path)
        # The console's actions, pressed as the organizer; anyone's own forms (a note, a scan, a
        # deletion) are not the walk's to press: it reads what they show.
        if client.who != "organizer" or not self.console(endpoint, path):
            return
        data = self.plausible(endpoint, values, fields)
        if data is not None:
            self.add(client, "POST", url, data, via)

    def plausible(self, endpoint: str, values: dict, fields: dict) -> dict | None:
        """What an organizer would send to this console route; None for what would only destroy the evidence."""
        target = values.get("attendee_id")
        if endpoint == "organizer.remove_attendee" and target in (self.ada, self.bo):
            return None  # removing Ada or Bo would remove the markers, not find them
        if endpoint == "organizer.end_sessions" and target == self.olu:
            return None  # the organizer would only log themselves out of the walk
        data = dict(fields)
        if endpoint == "organizer.update_attendee" and target == self.ada:
            data.update(email=ORGANIZERS_OWN)  # the organizer's own address on Ada's account
        elif endpoint == "organizer.create_attendee":
            data.update(email="walk.new@example.org", name="Walk New", role="attendee")
        elif endpoint == "csv_import.upload":
            data["file"] = (io.BytesIO(b"email,name,company\nada@example.org,Ada Lovelace,Renamed Co\n"), "walk.csv")
        elif endpoint == "digest_control.send_test":
            data.setdefault("email", self.world["ada"].email)  # the console of before asked for an attendee
        return data

    # -- logins that reach the organizer

    def use_login_link(self, path: str, via: str) -> None:
        if path in self.used_secrets:
            return
        self.used_secrets.add(path)
        phone = self.app.test_client()
        page = phone.get(path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        if page.status_code != 200 or not match:
            return
        form = re.search(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page.get_data(as_text=True))
        answer = phone.post(form.group(1).replace("&amp;", "&") if form else path, data={"csrf_token": match.group(1)})
        self.logged_in(phone, answer, f"the login link {path[:20]}… (via {via})")

    def use_shown_code(self, html: str, via: str) -> None:
        code = re.search(r"data-login-code>\s*(\d+)\s*<", html)
        email = re.search(r"typed with ([^\s<]+@[^\s<]+) on", html)
        if not code or not email or code.group(1) + email.group(1) in self.used_secrets:
            return
        self.used_secrets.add(code.group(1) + email.group(1))
        phone = self.app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', phone.get(f"/e/{self.slug}/login/code")
                          .get_data(as_text=True)).group(1)
        answer = phone.post(f"/e/{self.slug}/login/code",
                            data={"csrf_token": token, "email": email.group(1), "code": code.group(1)})
        self.logged_in(phone, answer, f"the code shown for {email.group(1)} (via {via})")

    def logged_in(self, phone, answer, how: str) -> None:
        from eventnet.auth.models import LoginSession
        from eventnet.auth.session import SESSION_KEY, hash_session_token

        if answer.status_code not in (302, 303):
            return
        with phone.session_transaction() as session:
            token = session.get(SESSION_KEY)
        attendee_id = db.session.execute(
            db.select(LoginSession.attendee_id).filter_by(token_hash=hash_session_token(token))
        ).scalar_one_or_none() if token else None
        if attendee_id is None:
            return
        # The organizer's own login (an invitation to their own address) is still the organizer.
        phone.is_organizer = attendee_id == self.olu
        phone.who = "the organizer, logged in again" if phone.is_organizer else f"attendee {attendee_id}"
        home = phone.get(f"/e/{self.slug}/").get_data(as_text=True)
        phone.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
        self.logins.append(f"{phone.who} by {how}")
        # Their pages: the book, every export, my data, the digest preview, and all they link to.
        for path in ("/", "/contacts/", "/contacts/export.json", "/contacts/export.csv", "/contacts/export.vcf",
                     "/my-data", "/digest/preview", "/digest/preview/email.html", "/digest", "/profile", "/scan"):
            self.add(phone, "GET", f"{SITE}/e/{self.slug}{path}", via=f"logged in as {phone.who} by {how}")
        self.run(only=phone)

    # -- the organizer's mail

    def read_mail(self) -> None:
        from eventnet.mail.services import deliver_due

        deliver_due()
        try:
            box = mailbox.Maildir(self.app.config["MAILBOX_PATH"], create=False)
        except mailbox.NoSuchMailboxError:
            return
        for key in box.keys():
            if key in self.mail_seen:
                continue
            self.mail_seen.add(key)
            message = BytesParser(policy=email_policy.default).parsebytes(box.get_bytes(key))
            if not any(address in str(message["To"]) for address in ("olu@example.org", ORGANIZERS_OWN)):
                continue
            where = f"the email “{message['Subject']}” to {message['To']}"
            parts = [str(message["Subject"]).encode()]
            for part in message.walk():
                if not part.is_multipart():
                    parts.append(part.get_payload(decode=True) or b"")
            for body in parts:
                self.check(where, body, console_list=False)
                for url in re.findall(r"http://eventnet\.test/[^\s\"'<>]+", body.decode("utf-8", "replace")):
                    self.add(self.organizer, "GET", url.rstrip(".,;)").replace("&amp;", "&"), via=where)


def test_an_organizer_never_sees_an_attendees_notes_or_contacts(app, private_world, login):
    walk = OrganizerWalk(app, private_world, login)
    home = walk.organizer.get(f"/e/{walk.slug}/organizer/").get_data(as_text=True)
    walk.organizer.csrf = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    values = private_world["values"]
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint.split(".")[0] in (*CONSOLE_BLUEPRINTS, "admin")
             or (rule.endpoint.startswith("digests.") and rule.rule.startswith("/e/<slug>/organizer"))]
    unknown = [rule.rule for rule in rules if set(rule.arguments) - set(values)]
    assert unknown == [], f"give these console routes a value in the walk: {unknown}"
    # First what an organizer can open, then every action, the email edit and help desk first.
    first = ("organizer.update_attendee", "organizer.login_link")
    for rule in sorted(rules, key=lambda r: ("POST" in r.methods, r.endpoint not in first)):
        path = rule.build(values, append_unknown=False)[1]
        if "GET" in rule.methods:
            walk.add(walk.organizer, "GET", SITE + path, via=f"the console route {rule.endpoint}")
        if "POST" in rule.methods:
            fields = {"csrf_token": walk.organizer.csrf}
            if rule.endpoint == "organizer.update_attendee":  # the edit form as it stands, then the email changed
                parsed = _Links()
                parsed.feed(walk.organizer.get(path).get_data(as_text=True))
                fields.update((n, v) for f in parsed.forms if f["method"] == "post" for n, v in f["fields"] if v is not None)
            if rule.endpoint == "admin.login":  # an administrator's link, asked for with the organizer's address
                fields["email"] = "olu@example.org"
            walk.post(walk.organizer, SITE + path, fields, f"the console route {rule.endpoint}")
    # The bulk bar's buttons (a form's submit buttons are not walked): every action on everyone,
    # the exports read for markers, the confirmation pages pressed as they come (a removal
    # without the typed count removes nobody, so the evidence stays).
    for action in ("export_csv", "export_xlsx", "badges", "email", "remove"):
        walk.add(walk.organizer, "GET", f"{SITE}/e/{walk.slug}/organizer/attendees/bulk?scope=matching&action={action}",
                 via=f"the bulk bar's {action}")
    walk.run()
    # Whatever reached the organizer's addresses, and whatever the organizer can ask for with them.
    for _ in range(4):
        for address in ("olu@example.org", ORGANIZERS_OWN):
            phone = app.test_client()
            token = re.search(r'name="csrf_token" value="([^"]+)"',
                              phone.get(f"/e/{walk.slug}/login").get_data(as_text=True)).group(1)
            phone.post(f"/e/{walk.slug}/login", data={"csrf_token": token, "email": address})
        walk.read_mail()
        walk.run()
    assert walk.requests > 100, walk.requests  # the walk reached the console, not only its door
    assert walk.organizer.get(f"/e/{walk.slug}/organizer/").status_code == 200  # and stayed in it
    assert walk.logins, "no login reached the organizer: the walk did not try hard enough"
    assert walk.findings == [], "\n".join(dict.fromkeys(walk.findings)) + "\nLogins: " + "\n".join(walk.logins)

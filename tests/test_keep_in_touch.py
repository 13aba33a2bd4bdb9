"""Keep in touch, double-blind (issue 14): a private mark each, told to both only when both marked.

The privacy rule is tested as "nothing B can fetch changes when A marks": every page, fragment,
export and email body B can get is read before and after A's one-sided mark and must be the
same (CSRF tokens and export times aside). Then both mark: both see it everywhere; one unmarks:
gone again. The work of marking is checked to be the same SQL whichever way the other side went.
"""
from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import event as sa_event

from conftest import csrf_token
from eventnet.attendees.models import Attendee
from eventnet.connections import keep_in_touch
from eventnet.connections.models import Connection
from eventnet.connections.services import record_scan
from eventnet.database import utcnow
from eventnet.digests import build, schedule, services as digest_services
from eventnet.extensions import db
from eventnet.mail.models import OutboxMessage
from eventnet.mail.services import deliver_due

MUTUAL = "You both want to keep in touch"


@pytest.fixture
def pair(make_event, make_attendee):
    """Ana scanned Bob at an event that ended yesterday: (event, ana, bob, ana's row, bob's row)."""
    now = utcnow()
    event = make_event(slug="conf", name="PyConf", starts=now - timedelta(days=2), ends=now - timedelta(days=1))
    event.scan_closes_at = now + timedelta(hours=1)
    db.session.commit()
    ana = make_attendee(event, "ana@example.org", "Ana Alves")
    bob = make_attendee(event, "bob@example.org", "Bob Brown")
    cleo = make_attendee(event, "cleo@example.org", "Cleo Cruz")
    record_scan(ana, bob.badge_token, str(uuid.uuid4()))
    record_scan(bob, cleo.badge_token, str(uuid.uuid4()))
    rows = {(c.owner_id, c.contact_id): c for c in db.session.execute(db.select(Connection)).scalars()}
    # Notes, so that both get a full digest entry with each other in it.
    rows[(ana.id, bob.id)].note = "ANA-ABOUT-BOB"
    rows[(bob.id, ana.id)].note = "BOB-ABOUT-ANA"
    db.session.commit()
    return event, ana, bob, rows[(ana.id, bob.id)], rows[(bob.id, ana.id)]


def token(client, url: str) -> str:
    g.pop("csrf_token", None)  # the test's app context is shared: each client its own token
    return csrf_token(client, url)


def toggle(client, connection: Connection, wanted: bool, htmx: bool = True):
    url = f"/e/conf/contacts/{connection.id}"
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"{url}/keep-in-touch", data={"csrf_token": token(client, url), "wanted": "1" if wanted else "0"},
                       headers=headers)


def _headers(response) -> dict[str, str]:
    """A response's headers, its session cookie's value and expiry aside: Flask signs and dates
    it again on every response, to the second, so two answers a second apart differ there."""
    headers = dict(response.headers)
    if "Set-Cookie" in headers:
        headers["Set-Cookie"] = re.sub(r"=[^;]*(; Expires=[^;]+)?", "=-", headers["Set-Cookie"], count=1)
    return headers


def _normalised(body: str) -> str:
    body = re.sub(r'(name="csrf_token"(?: type="hidden")? value=")[^"]+', r"\1-", body)
    body = re.sub(r'"X-CSRFToken": ?"[^"]+"', '"X-CSRFToken": "-"', body)
    body = re.sub(r'"exported_at": "[^"]+"', '"exported_at": "-"', body)
    # Signed links (mark done, calendar, unsubscribe) carry the second they were signed in.
    body = re.sub(r"[\w-]+\.[\w-]{5,8}\.[\w-]{20,}", "SIGNED", body)
    return body


def fetched(client, urls: list[str]) -> dict[str, str]:
    """{"<url> htmx=<bool>": normalised body} of each URL as a page and as an htmx fragment (each must be 200)."""
    seen = {}
    for url in urls:
        for htmx in (False, True):
            response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
            assert response.status_code == 200, url
            seen[f"{url} htmx={htmx}"] = _normalised(response.get_data(as_text=True))
    return seen


def everything_of(client, attendee: Attendee, connection: Connection) -> dict[str, str]:
    """Every page, fragment, export and email body about their contacts that `attendee` can get."""
    urls = [
        f"/e/conf/contacts/{connection.id}", "/e/conf/contacts/", "/e/conf/contacts/?kit=1",
        "/e/conf/contacts/?q=keep", f"/e/conf/contacts/{connection.id}.vcf", "/e/conf/contacts/export.vcf",
        "/e/conf/contacts/export.csv", "/e/conf/contacts/export-outlook.csv", "/e/conf/contacts/export.json",
        "/e/conf/my-data", "/e/conf/digest/preview", "/e/conf/digest/preview/email.html",
    ]
    seen = fetched(client, urls)
    me = db.session.get(Attendee, attendee.id)
    for name, digest in (("digest", build.build_digest(me)), ("keep-in-touch", build.build_keep_in_touch(me)),
                         ("reminder", build.build_reminder(me, 30))):
        text, html = build.render(digest)
        seen[name] = _normalised(f"{digest.subject}\n{text}\n{html}")
    return seen


def fresh(connection: Connection) -> Connection:
    db.session.expire_all()
    return db.session.get(Connection, connection.id)


# ----------------------------------------------------------------------------- the privacy rule

def test_one_sided_mark_leaves_no_trace_for_the_other_side(app, app_factory, login, pair):
    event, ana, bob, ana_row, bob_row = pair
    ana_client, bob_client = login(app.test_client(), ana), login(app.test_client(), bob)
    before = everything_of(bob_client, bob, bob_row)
    assert all(MUTUAL not in body for body in before.values())

    response = toggle(ana_client, ana_row, True)
    assert response.status_code == 200 and 'aria-checked="true"' in response.get_data(as_text=True)
    assert fresh(ana_row).keep_in_touch_at is not None

    after = everything_of(bob_client, bob, bob_row)
    for key in before:
        assert after[key] == before[key], f"Ana's one-sided mark shows in Bob's {key}"
    # Nor is anyone sent anything: no keep-in-touch reminder for a one-sided mark.
    assert schedule.keep_in_touch_recipients(event) == []
    assert keep_in_touch.mutual_pairs(event) == []
    # Ana sees only her own mark, never a "both".
    ana_page = ana_client.get(f"/e/conf/contacts/{ana_row.id}").get_data(as_text=True)
    assert 'aria-checked="true"' in ana_page and MUTUAL not in ana_page
    json_export = json.loads(ana_client.get("/e/conf/contacts/export.json").get_data(as_text=True))
    [contact] = json_export["contacts"]
    assert contact["keep_in_touch_at"] and contact["keep_in_touch_mutual"] is False


def test_both_marked_both_told_everywhere_and_unmarking_takes_it_back(app, login, pair):
    event, ana, bob, ana_row, bob_row = pair
    ana_client, bob_client = login(app.test_client(), ana), login(app.test_client(), bob)
    toggle(bob_client, bob_row, True)
    # Ana marks second: her answer tells her at once that Bob wants the same ("both are told").
    answer = toggle(ana_client, ana_row, True).get_data(as_text=True)
    assert MUTUAL in answer
    assert keep_in_touch.mutual_pairs(event) == [tuple(sorted((ana.id, bob.id)))]
    for client, me, row, name in ((ana_client, ana, ana_row, "Bob Brown"), (bob_client, bob, bob_row, "Ana Alves")):
        assert MUTUAL in client.get(f"/e/conf/contacts/{row.id}").get_data(as_text=True)
        book = client.get("/e/conf/contacts/?kit=1").get_data(as_text=True)
        assert name in book and "data-mutual" in book and "Keep in touch" in book
        exported = json.loads(client.get("/e/conf/contacts/export.json").get_data(as_text=True))
        assert [c["keep_in_touch_mutual"] for c in exported["contacts"] if c["contact"]["name"] == name] == [True]
        text, html = build.render(build.build_digest(db.session.get(Attendee, me.id)))
        assert MUTUAL in text and MUTUAL in html
    # Bob's other contact (Cleo) is not in the filter.
    assert "Cleo Cruz" not in bob_client.get("/e/conf/contacts/?kit=1").get_data(as_text=True)

    # Bob takes it back: gone for both, everywhere, and Ana's own mark stays hers alone.
    toggle(bob_client, bob_row, False)
    for client, me, row in ((ana_client, ana, ana_row), (bob_client, bob, bob_row)):
        bodies = everything_of(client, me, row)
        assert all(MUTUAL not in body for body in bodies.values())
        assert "data-mutual" not in bodies["/e/conf/contacts/?kit=1 htmx=False"]
    assert fresh(ana_row).keep_in_touch_at is not None and fresh(bob_row).keep_in_touch_at is None


def test_the_markers_answer_is_the_same_whether_the_other_never_marked_or_took_it_back(app, login, pair):
    event, ana, bob, ana_row, bob_row = pair
    ana_client, bob_client = login(app.test_client(), ana), login(app.test_client(), bob)
    answers = []
    for htmx in (True, False):
        first = toggle(ana_client, ana_row, True, htmx=htmx)
        first_page = ana_client.get(f"/e/conf/contacts/{ana_row.id}")
        toggle(ana_client, ana_row, False)
        toggle(bob_client, bob_row, True)
        toggle(bob_client, bob_row, False)
        again = toggle(ana_client, ana_row, True, htmx=htmx)
        again_page = ana_client.get(f"/e/conf/contacts/{ana_row.id}")
        toggle(ana_client, ana_row, False)
        assert (first.status_code, _headers(first)) == (again.status_code, _headers(again))
        assert _normalised(first.get_data(as_text=True)) == _normalised(again.get_data(as_text=True))
        assert _normalised(first_page.get_data(as_text=True)) == _normalised(again_page.get_data(as_text=True))
        answers.append(first.status_code)
    assert answers == [200, 303]


def test_marking_runs_the_same_statements_whichever_way_the_other_side_went(app, pair):
    """The code does the same work either way (keep_in_touch._reverse_mark reads the reverse row
    always; is_mutual evaluates both sides): the SQL sent is the same, so no timing tells."""
    event, ana, bob, ana_row, bob_row = pair

    def statements_of_marking(bob_marked: bool) -> list[str]:
        keep_in_touch.mark(fresh(bob_row), bob_marked)
        keep_in_touch.mark(fresh(ana_row), False)
        sent: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            sent.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", record)
        try:
            row = fresh(ana_row)
            sent.clear()
            keep_in_touch.mark(row, True)
            keep_in_touch.is_mutual(row)
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", record)
        return sent

    assert statements_of_marking(False) == statements_of_marking(True)


# ----------------------------------------------------------------------------- the endpoint

def test_toggle_is_scoped_checked_and_works_without_javascript(app, client, login, pair, make_attendee):
    event, ana, bob, ana_row, bob_row = pair
    url = f"/e/conf/contacts/{ana_row.id}"
    # Logged out: to the login page, nothing marked.
    assert client.post(f"{url}/keep-in-touch", data={"wanted": "1"}).status_code in (302, 303, 400)
    login(client, bob)
    # Ana's row is not Bob's to mark: 404, as for any id that is not yours.
    response = client.post(f"{url}/keep-in-touch", data={"csrf_token": token(client, f"/e/conf/contacts/{bob_row.id}"),
                                                          "wanted": "1"})
    assert response.status_code == 404
    assert fresh(ana_row).keep_in_touch_at is None
    # Bad input: 400 with a message, never a 500.
    response = client.post(f"/e/conf/contacts/{bob_row.id}/keep-in-touch",
                           data={"csrf_token": token(client, f"/e/conf/contacts/{bob_row.id}"), "wanted": "maybe"})
    assert response.status_code == 400 and "stay in touch" in response.get_data(as_text=True)
    # Without JavaScript: a redirect back to the contact page, which shows the mark.
    response = toggle(client, bob_row, True, htmx=False)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/e/conf/contacts/{bob_row.id}#keep-in-touch-{bob_row.id}")
    page = client.get(f"/e/conf/contacts/{bob_row.id}").get_data(as_text=True)
    assert "Saved, privately." in page and 'aria-checked="true"' in page
    # Marking twice keeps the first time.
    first = fresh(bob_row).keep_in_touch_at
    toggle(client, bob_row, True)
    assert fresh(bob_row).keep_in_touch_at == first


def test_after_scan_sheet_offers_the_switch(app, client, login, pair, make_attendee):
    event, ana, bob, ana_row, bob_row = pair
    dan = make_attendee(event, "dan@example.org", "Dan Dorn")
    login(client, dan)
    response = client.post("/e/conf/api/scans", data={"csrf_token": token(client, "/e/conf/scan"), "token": ana.badge_token,
                                                      "client_uuid": str(uuid.uuid4())}, headers={"HX-Request": "true"})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "I'd like to stay in touch" in html and 'aria-checked="false"' in html and "keep-in-touch" in html


# ----------------------------------------------------------------------------- the reminder

def test_keep_in_touch_reminder_three_months_on_for_mutual_pairs_only_and_opt_out(app, login, pair):
    event, ana, bob, ana_row, bob_row = pair
    keep_in_touch.mark(fresh(ana_row), True)
    due = schedule.reminder_time(event, schedule.KEEP_IN_TOUCH_DAYS)
    # One-sided at its time: nobody gets anything.
    assert schedule.queue_due(due).get(f"{event.slug} {schedule.KEEP_IN_TOUCH_RUN}") == 0
    db.session.execute(db.delete(schedule.DigestRun).where(schedule.DigestRun.kind == schedule.KEEP_IN_TOUCH_RUN))
    db.session.commit()
    keep_in_touch.mark(fresh(bob_row), True)
    assert schedule.queue_due(due - timedelta(seconds=1)).get(f"{event.slug} {schedule.KEEP_IN_TOUCH_RUN}") is None
    # Bob turns reminders off: only Ana's nudge is queued.
    digest_services.set_preferences(db.session.get(Attendee, bob.id), digest=True, reminders=False)
    assert schedule.queue_due(due)[f"{event.slug} {schedule.KEEP_IN_TOUCH_RUN}"] == 1
    deliver_due()
    db.session.expire_all()
    [row] = db.session.execute(db.select(OutboxMessage).filter_by(kind="reminder")).scalars().all()
    assert row.attendee_id == ana.id and row.status == "sent", row.last_error
    # The body is built when sent, by the reminder's builder: built again here to read it.
    built = build.reminder_email(row)
    assert built.subject == "Three months since PyConf: say hello to Bob Brown"
    assert "It's been three months since you met Bob Brown at PyConf" in built.text
    assert "three months since you met <strong>Bob Brown</strong>" in built.html.replace("&#39;", "'")
    assert "List-Unsubscribe" in built.headers


def test_nudge_is_skipped_when_a_side_unmarked_before_it_went(app, pair):
    event, ana, bob, ana_row, bob_row = pair
    keep_in_touch.mark(fresh(ana_row), True)
    keep_in_touch.mark(fresh(bob_row), True)
    assert schedule.queue_keep_in_touch(event) == 2
    keep_in_touch.mark(fresh(bob_row), False)
    deliver_due()
    db.session.expire_all()
    statuses = {r.attendee_id: r.status for r in db.session.execute(db.select(OutboxMessage)).scalars()}
    assert statuses == {ana.id: "cancelled", bob.id: "cancelled"}  # the sender's "skipped"


# ----------------------------------------------------------------------------- the demo

def test_demo_shows_a_mutual_pair_and_keeps_one_sided_marks_private(app, runner):
    from eventnet.demo import data

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    me = db.session.execute(db.select(Attendee).filter_by(email_key=data.ATTENDEE_EMAIL)).scalar_one()
    exported = {c["contact"]["name"]: c for c in
                __import__("eventnet.contacts.exports", fromlist=["everything"]).everything(me)["contacts"]}
    lukas = next(c for name, c in exported.items() if name.startswith("Lukas"))
    mateo = next(c for name, c in exported.items() if name.startswith("Mateo"))
    sofia = next(c for name, c in exported.items() if name.startswith("Sof"))
    assert lukas["keep_in_touch_mutual"] is True and lukas["keep_in_touch_at"]
    assert mateo["keep_in_touch_mutual"] is False and mateo["keep_in_touch_at"]  # mine alone
    assert sofia["keep_in_touch_mutual"] is False and sofia["keep_in_touch_at"] is None  # hers is never shown

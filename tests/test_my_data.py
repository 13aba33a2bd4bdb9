"""My data, my choice: the "My data" page, downloading everything, deleting my account."""
from __future__ import annotations

import json
import re
import uuid

import pytest
import vobject
from conftest import csrf_token
from test_contacts import connect

from eventnet.attendees.models import Attendee
from eventnet.auth.models import LoginToken
from eventnet.auth.services import create_login_link
from eventnet.connections.models import Connection, Scan
from eventnet.connections.services import record_scan
from eventnet.extensions import db
from eventnet.promises.models import Promise
from eventnet.promises.services import track


@pytest.fixture
def world(make_event, make_attendee):
    """Me (with a note on Olga, a scan and a login link) and Olga, who has a note about me."""
    ev = make_event(slug="conf")
    me = make_attendee(ev, "Mia.Me@example.org", "Mia Me", company="Miacorp", headline="Founder",
                       phone="+44 20 7946 0000", shared_fields=["headline", "company", "email", "phone"])
    olga = make_attendee(ev, "olga@example.org", "Olga Orr")
    mine = connect(me, olga, note="Olga knows the Kafka people", tags=["kafka"], starred=True)
    theirs = db.session.execute(db.select(Connection).filter_by(owner_id=olga.id)).scalar_one()
    theirs.note, theirs.tags = "Mia offered an intro to her investor", ["investor"]
    db.session.add(Scan(event_id=ev.id, scanner_id=me.id, scanned_id=olga.id, connection_id=mine.id,
                        client_uuid=str(uuid.uuid4()), created_connection=True))
    db.session.add(Scan(event_id=ev.id, scanner_id=olga.id, scanned_id=me.id, connection_id=theirs.id,
                        client_uuid=str(uuid.uuid4()), created_connection=False))
    create_login_link(me)
    db.session.commit()
    return ev, me, olga, mine, theirs


def delete_me(client, confirm: str, token: str | None = None):
    token = token or csrf_token(client, "/e/conf/my-data")
    return client.post("/e/conf/my-data/delete", data={"csrf_token": token, "confirm": confirm})


def test_my_data_page_shows_what_is_stored_and_where_to_act(client, login, world):
    ev, me, olga, mine, theirs = world
    login(client, me)
    html = client.get("/e/conf/my-data").get_data(as_text=True)
    assert '<span data-count="contacts">1</span> contact' in html
    assert '<span data-count="scans">1</span> scan' in html
    assert 'href="/e/conf/contacts/export.json"' in html
    assert 'href="/e/conf/contacts/export.vcf"' in html and 'href="/e/conf/contacts/export.csv"' in html
    assert 'href="/e/conf/profile"' in html  # change what I share
    assert 'action="/e/conf/my-data/delete"' in html and 'name="confirm"' in html
    assert 'aria-describedby="delete-hint"' in html


def test_my_data_needs_login(client, world):
    for response in (client.get("/e/conf/my-data"), client.post("/e/conf/my-data/delete")):
        assert response.status_code in (302, 303, 400)
    assert client.get("/e/conf/my-data").headers["Location"].startswith("/e/conf/login")


def test_wrong_confirmation_deletes_nothing(client, login, world):
    ev, me, olga, mine, theirs = world
    login(client, me)
    response = delete_me(client, "delete please")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Type DELETE or your email address to confirm." in html
    assert 'aria-invalid="true"' in html and "delete-error" in html
    assert 'value="delete please"' in html
    db.session.expire_all()
    assert db.session.get(Attendee, me.id) is not None
    assert client.get("/e/conf/contacts/").status_code == 200  # still logged in


def test_delete_needs_csrf(client, login, world):
    ev, me, olga, mine, theirs = world
    login(client, me)
    response = client.post("/e/conf/my-data/delete", data={"confirm": "DELETE"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Attendee, me.id) is not None


def test_deleting_my_account_removes_my_data_and_keeps_olgas(app, client, login, world):
    ev, me, olga, mine, theirs = world
    my_promise, olgas_promise = track(mine, "Send Olga the Kafka talk"), track(theirs, "Intro Mia to my investor")
    me_id, mine_id, theirs_id = me.id, mine.id, theirs.id
    login(client, me)
    response = delete_me(client, "DELETE")
    assert response.status_code == 303
    assert response.headers["Location"] == "/e/conf/my-data/deleted"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your account was deleted" in page and "you are logged out" in page

    # Logged out: my pages send me to the login page.
    again = client.get("/e/conf/contacts/")
    assert again.status_code in (302, 303) and "/e/conf/login" in again.headers["Location"]

    db.session.expire_all()
    assert db.session.get(Attendee, me_id) is None
    assert db.session.get(Connection, mine_id) is None  # my note about Olga
    assert db.session.execute(db.select(Scan).filter_by(scanner_id=me_id)).scalars().all() == []
    assert db.session.execute(db.select(LoginToken).filter_by(attendee_id=me_id)).scalars().all() == []
    # My promises go with me; Olga's promise to me stays hers.
    assert [p.id for p in db.session.execute(db.select(Promise)).scalars()] == [olgas_promise.id]

    kept = db.session.get(Connection, theirs_id)
    assert kept is not None and kept.contact_id is None  # ON DELETE SET NULL did it
    assert kept.note == "Mia offered an intro to her investor" and kept.tags == ["investor"]
    olga_scan = db.session.execute(db.select(Scan).filter_by(scanner_id=olga.id)).scalar_one()
    assert olga_scan.scanned_id is None

    # Olga sees "A deleted attendee" with her own note, and none of my details, anywhere.
    other = login(app.test_client(), olga)
    book = other.get("/e/conf/contacts/").get_data(as_text=True)
    assert "A deleted attendee" in book and "Mia offered an intro" in book
    contact_page = other.get(f"/e/conf/contacts/{theirs_id}").get_data(as_text=True)
    assert "Mia offered an intro" in contact_page
    csv_text = other.get("/e/conf/contacts/export.csv").get_data().decode("utf-8-sig")
    assert "A deleted attendee" in csv_text
    export = json.loads(other.get("/e/conf/contacts/export.json").get_data(as_text=True))
    assert export["contacts"][0]["contact"] is None and export["contacts"][0]["contact_deleted"] is True
    assert [p["text"] for p in export["contacts"][0]["promises"]] == ["Intro Mia to my investor"]
    assert list(vobject.readComponents(other.get("/e/conf/contacts/export.vcf").get_data(as_text=True))) == []
    for body in (book, contact_page, csv_text, json.dumps(export, ensure_ascii=False)):
        for detail in ("Mia Me", "Miacorp", "Founder", "7946", "mia.me@example.org"):
            assert detail.lower() not in body.lower(), detail


def test_confirming_with_my_email_in_any_case_works(client, login, world):
    ev, me, olga, mine, theirs = world
    me_id = me.id
    login(client, me)
    assert delete_me(client, "  mia.me@EXAMPLE.org ").status_code == 303
    db.session.expire_all()
    assert db.session.get(Attendee, me_id) is None


def test_another_persons_email_does_not_confirm(client, login, world):
    ev, me, olga, mine, theirs = world
    login(client, me)
    assert delete_me(client, "olga@example.org").status_code == 422


def test_the_last_organizer_cannot_delete_themselves(client, app, login, make_attendee, world):
    ev, me, olga, mine, theirs = world
    boss = make_attendee(ev, "boss@example.org", "Bea Boss", role="organizer")
    boss_id = boss.id
    login(client, boss)
    page = client.get("/e/conf/my-data").get_data(as_text=True)
    assert "You are the last organizer of this event" in page and 'name="confirm"' not in page
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = delete_me(client, "DELETE", token)
    assert response.status_code == 409
    assert "You are the last organizer of this event" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Attendee, boss_id) is not None

    # With a second organizer, either of them may go.
    make_attendee(ev, "co@example.org", "Cody Co", role="organizer")
    assert delete_me(client, "DELETE").status_code == 303
    db.session.expire_all()
    assert db.session.get(Attendee, boss_id) is None


def test_remove_one_contact_keeps_the_rest_of_my_data(client, login, world):
    """Removing a contact (from my data's point of view): my side goes, the counts follow."""
    ev, me, olga, mine, theirs = world
    login(client, me)
    token = csrf_token(client, f"/e/conf/contacts/{mine.id}/remove")
    assert client.post(f"/e/conf/contacts/{mine.id}/remove", data={"csrf_token": token}).status_code == 303
    html = client.get("/e/conf/my-data").get_data(as_text=True)
    assert '<span data-count="contacts">0</span> contacts' in html
    data = json.loads(client.get("/e/conf/contacts/export.json").get_data(as_text=True))
    assert data["contacts"] == [] and data["profile"]["name"] == "Mia Me"


@pytest.mark.browser
def test_deleting_my_account_on_a_phone(live_server, phone, world):
    from playwright.sync_api import expect
    from test_contacts import log_in

    ev, me, olga, mine, theirs = world
    me_id = me.id
    page = phone
    log_in(live_server, page, me)
    page.get_by_role("link", name="My data").click()
    expect(page.get_by_role("heading", name="My data", exact=True)).to_be_visible()
    field = page.get_by_label("Type DELETE or your email address to confirm")
    field.fill("nope")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("alert").filter(has_text="Type DELETE")).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    field.fill("DELETE")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Delete my account").click()  # "Cancel" in the confirm dialog
    assert dialogs == ["Delete your account and all your notes for good?"]
    db.session.expire_all()
    assert db.session.get(Attendee, me_id) is not None

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Your account was deleted")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)  # logged out: no tab bar
    db.session.expire_all()
    assert db.session.get(Attendee, me_id) is None


def test_a_deleted_accounts_other_sessions_never_open_a_later_account(app, client, login, make_attendee, world):
    # A session names its attendee by id. Ids are not reused (AUTOINCREMENT on SQLite, a
    # sequence on PostgreSQL), and even if one came back, a phone still logged in as a deleted
    # attendee must not wake up as the new holder of that id: the session's epoch differs.
    ev, me, olga, mine, theirs = world
    newest = make_attendee(ev, "leaving@example.org", "Lee Leaving")
    leaving_id = newest.id
    laptop, phone = login(app.test_client(), newest), login(app.test_client(), newest)
    assert "Lee Leaving" in phone.get("/e/conf/").get_data(as_text=True)
    response = laptop.post("/e/conf/my-data/delete", data={"csrf_token": csrf_token(laptop, "/e/conf/my-data"),
                                                          "confirm": "DELETE"})
    assert response.status_code == 303
    db.session.expunge(newest)  # deleted by that request; this test's session still held it
    walk_in = make_attendee(ev, "walk.in@example.org", "Wanda Walk-in")
    assert walk_in.id > leaving_id  # SQLite without AUTOINCREMENT would have handed out leaving_id again
    # Force the id back, as a restored backup or a hand-made row could.
    db.session.execute(db.update(Attendee).where(Attendee.id == walk_in.id).values(id=leaving_id))
    db.session.commit()
    db.session.expire_all()
    for path in ("/e/conf/", "/e/conf/contacts/", "/e/conf/me/qr"):
        answer = phone.get(path)
        assert answer.status_code in (302, 303) and "/e/conf/login" in answer.headers["Location"], path
    body = {"token": olga.badge_token, "client_uuid": str(uuid.uuid4())}
    scan = phone.post("/e/conf/api/scans", json=body, headers={"Accept": "application/json"})
    assert scan.status_code == 401
    assert db.session.execute(db.select(Connection).filter_by(owner_id=leaving_id)).scalars().all() == []


def test_ids_in_links_are_never_handed_out_again(app, login, make_attendee, world):
    # Signed email links (unsubscribe, follow-up done, calendar) name attendees and connections
    # by id: a deleted one's id must not come back for someone else, even when it was the highest.
    ev, me, olga, mine, theirs = world
    zed = make_attendee(ev, "zed@example.org", "Zed Last")
    zeds_side = record_scan(zed, olga.badge_token, str(uuid.uuid4())).connection_id  # inserted last: the highest
    zed_id = zed.id
    client = login(app.test_client(), zed)
    response = client.post("/e/conf/my-data/delete", data={"csrf_token": csrf_token(client, "/e/conf/my-data"),
                                                          "confirm": "DELETE"})
    assert response.status_code == 303
    db.session.expunge_all()
    newcomer = make_attendee(ev, "new@example.org", "Nia New")
    assert newcomer.id > zed_id
    assert record_scan(newcomer, olga.badge_token, str(uuid.uuid4())).connection_id > zeds_side


def test_log_out_on_every_device(app, client, login, world):
    ev, me, olga, mine, theirs = world
    phone, laptop = login(app.test_client(), me), login(client, me)
    unused = create_login_link(me)
    db.session.commit()
    olgas = login(app.test_client(), olga)
    page = laptop.get("/e/conf/my-data").get_data(as_text=True)
    assert "Log out on every device" in page
    response = laptop.post("/e/conf/my-data/log-out-everywhere", data={"csrf_token": csrf_token(laptop, "/e/conf/my-data")})
    assert response.status_code == 303 and response.headers["Location"] == "/e/conf/login"
    assert "logged out on every device" in laptop.get("/e/conf/login").get_data(as_text=True)
    for device in (laptop, phone):
        for path in ("/e/conf/", "/e/conf/contacts/"):
            answer = device.get(path)
            assert answer.status_code in (302, 303) and "/e/conf/login" in answer.headers["Location"], path
        scan = device.post("/e/conf/api/scans", json={"token": olga.badge_token, "client_uuid": str(uuid.uuid4())},
                           headers={"Accept": "application/json"})
        assert scan.status_code == 401
    # A login link sent before no longer works; a new one does, and my data is all there.
    assert login_link_answer(app, unused.url) == 410  # cancelled: "replaced by a newer one"
    again = login(app.test_client(), me)
    assert "Olga Orr" in again.get("/e/conf/contacts/").get_data(as_text=True)
    # Someone else's session is untouched.
    assert olgas.get("/e/conf/").status_code == 200


def test_log_out_everywhere_needs_csrf_and_a_login(app, client, login, world):
    ev, me, olga, mine, theirs = world
    logged_in = login(app.test_client(), me)
    assert logged_in.post("/e/conf/my-data/log-out-everywhere").status_code == 400
    assert logged_in.get("/e/conf/").status_code == 200
    anonymous = client.post("/e/conf/my-data/log-out-everywhere", data={"csrf_token": csrf_token(client, "/e/conf/login")})
    assert anonymous.status_code == 303 and "/e/conf/login" in anonymous.headers["Location"]
    assert logged_in.get("/e/conf/").status_code == 200


def login_link_answer(app, url: str) -> int:
    path = url.split("://", 1)[1].split("/", 1)[1]
    return app.test_client().get("/" + path).status_code


# ----------------------------------------------------------------------------- what a deleted account leaves


def multipart_upload(client, data: bytes, token: str):
    import io

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(data), "people.csv")})
    return client.post("/e/org/organizer/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def every_stored_text() -> str:
    """Everything the audit log, the import reports and the outbox hold, as one text."""
    from eventnet.mail.models import OutboxMessage
    from eventnet.audit.models import AuditLog
    from eventnet.attendees.importer.models import CsvUpload

    db.session.expire_all()
    parts = []
    for entry in db.session.execute(db.select(AuditLog)).scalars():
        parts += [entry.actor, json.dumps(entry.details, ensure_ascii=False)]
    for upload in db.session.execute(db.select(CsvUpload)).scalars():
        parts.append(json.dumps(upload.report, ensure_ascii=False))
    for row in db.session.execute(db.select(OutboxMessage)).scalars():
        parts += [row.to_addr, row.subject, row.text_body, row.html_body, row.last_error or "",
                  json.dumps(row.payload), json.dumps(row.headers)]
    return "\n".join(parts)


@pytest.fixture
def console(app, login, make_event, make_attendee):
    """Maren (organizer) imported Zed from a CSV, edited and re-badged him; mail went to Zed (one
    sent, one bounced). Olu, a second organizer, acted too."""
    from eventnet.mail.models import OutboxMessage
    from eventnet.mail.services import queue_email, send_due

    event = make_event(slug="org")
    maren = make_attendee(event, email="maren@example.org", name="Maren", role="organizer")
    olu = make_attendee(event, email="olu@example.org", name="Olu Second", role="organizer")
    client = login(app.test_client(), maren)
    token = csrf_token(client, "/e/org/organizer/import")
    preview = multipart_upload(client, b"email,name,company\nZed@Example.org,Zed Zebulon,Zeta\n"
                                       b"zed@example.org,Zed Twice,\nkim@example.org,Kim Keep,\n", token)
    report_url = client.post(preview.headers["Location"], data={"csrf_token": token}).headers["Location"]
    zed = db.session.execute(db.select(Attendee).filter_by(email_key="zed@example.org")).scalar_one()
    kim = db.session.execute(db.select(Attendee).filter_by(email_key="kim@example.org")).scalar_one()
    steps = [
        (f"/e/org/organizer/attendees/{zed.id}/edit",
         {"email": "zed@example.org", "name": "Zed Z. Zebulon", "company": "Zeta", "role": "attendee",
          "given_name": "Zed", "family_name": "Zebulon"}),
        (f"/e/org/organizer/attendees/{zed.id}/reissue-badge", {}),
    ]
    for path, data in steps:
        assert client.post(path, data={"csrf_token": token, **data}).status_code in (200, 303), path
    olu_client = login(app.test_client(), olu)
    olu_token = csrf_token(olu_client, "/e/org/organizer/attendees")
    assert olu_client.post(f"/e/org/organizer/attendees/{kim.id}/reissue-badge",
                           data={"csrf_token": olu_token}).status_code == 303
    db.session.expire_all()
    zed = db.session.get(Attendee, zed.id)
    # Test digests queued before the sample digest replaced them named their attendee.
    for organizer, person in ((maren, zed), (olu, kim)):
        db.session.add(OutboxMessage(
            event_id=event.id, attendee_id=organizer.id, kind="digest_test", to_addr=organizer.email,
            subject=f"[Test] Digest of {person.name}", text_body="", html_body="", headers={},
            payload={"attendee_id": person.id}, message_id=f"<legacy-test-{person.id}@eventnet.test>",
            status="sent", attempts=1))
    queue_email(to=zed.email, subject="Your login link for Zed Z. Zebulon's event", template="login_link",
                context={"event": event, "attendee": zed, "url": "http://eventnet.test/login/x", "code": "123456",
                         "minutes": 15}, kind="notice", event_id=event.id, attendee_id=zed.id)
    db.session.commit()
    send_due()
    # A sender is handing this one to SMTP right now, after a first try the server deferred.
    db.session.add(OutboxMessage(
        event_id=event.id, attendee_id=zed.id, kind="digest", to_addr="ZED@example.org", subject="Zed, your contacts",
        text_body="", html_body="", headers={}, message_id="<retry@eventnet.test>", status="sending", attempts=1,
        last_error="451 4.2.0 <zed@example.org>: greylisted, try again later"))
    db.session.commit()
    stored = every_stored_text()
    assert "Zed Zebulon" in stored and "zed@example.org" in stored.lower() and "olu@example.org" in stored
    return {"client": client, "token": token, "maren": maren, "olu": olu, "olu_client": olu_client,
            "zed": zed, "kim": kim, "report_url": report_url, "event": event}


def test_a_removed_attendee_leaves_no_name_or_email_in_the_console(console):
    from eventnet.mail.models import OutboxMessage

    client, zed = console["client"], console["zed"]
    assert client.post(f"/e/org/organizer/attendees/{zed.id}/remove",
                       data={"csrf_token": console["token"]}).status_code == 303
    stored = every_stored_text()
    assert "Zed" not in stored and "zed@" not in stored.lower()
    label = re.search(r"Deleted attendee [0-9a-f]{6}", stored).group(0)

    # The audit log reads as before, with the pseudonym where the person was.
    client.get("/e/org/organizer/attendees")  # shows (and so ends) the flashes of the steps above
    audit_page = client.get("/e/org/organizer/audit").get_data(as_text=True)
    assert "Zed" not in audit_page and "zed@" not in audit_page.lower()
    removed = re.search(r'<tr data-action="attendee_removed">.*?</tr>', audit_page, re.S).group(0)
    assert "Removed an attendee" in removed and f"name: {label}" in removed and "maren@example.org" in removed
    edited = re.search(r'<tr data-action="attendee_updated">.*?</tr>', audit_page, re.S).group(0)
    assert f"name: {label}" in edited and "name changed" in edited
    assert audit_page.count(label) == 3  # edited, badge reissued, removed
    assert "Kim Keep" in audit_page  # others keep their names

    # The import report keeps its counts, and Zed's rows keep no address and no name.
    report = client.get(console["report_url"]).get_data(as_text=True)
    assert 'data-count="created">2<' in report and 'data-count="skipped">1<' in report
    assert "Zed" not in report and "zed@" not in report.lower() and label in report and "kim@example.org" in report
    csv_text = client.get(console["report_url"] + ".csv").get_data().decode("utf-8")
    assert "Zed" not in csv_text and "zed@" not in csv_text.lower() and f",created,,{label}," in csv_text

    # The outbox: mail to Zed that is gone or going keeps no address (nor the server's answer
    # quoting it); the test digest of him no longer names him in its subject.
    rows = {(row.kind, row.to_addr): row for row in db.session.execute(db.select(OutboxMessage)).scalars()}
    in_flight = rows["digest", label]
    assert in_flight.status == "sending" and in_flight.subject == f"{label}, your contacts"
    assert in_flight.last_error == f"451 4.2.0 <{label}>: greylisted, try again later"
    assert rows["digest_test", "maren@example.org"].subject.endswith(f" of {label}")
    assert rows["digest_test", "olu@example.org"].subject.endswith(" of Kim Keep")
    assert "zed@" not in client.get("/e/org/organizer/digests").get_data(as_text=True).lower()


def test_an_organizer_who_deletes_their_account_leaves_no_address_as_actor(console, app):
    olu, olu_client = console["olu"], console["olu_client"]
    olu_id = olu.id
    deleted = olu_client.post("/e/org/my-data/delete", data={"csrf_token": csrf_token(olu_client, "/e/org/my-data"),
                                                               "confirm": "DELETE"})
    assert deleted.status_code == 303
    stored = every_stored_text()
    assert "olu@" not in stored and "Olu Second" not in stored

    from eventnet.mydata.services import pseudonym

    label = pseudonym(Attendee(id=olu_id))
    assert label in stored
    audit_page = console["client"].get("/e/org/organizer/audit").get_data(as_text=True)
    reissued = [row for row in re.findall(r'<tr data-action="badge_reissued">.*?</tr>', audit_page, re.S)
                if "Kim Keep" in row]
    assert reissued and f"<td>{label}</td>" in reissued[0]
    assert "olu@" not in audit_page and "maren@example.org" in audit_page


def test_the_pseudonym_is_short_stable_and_tells_nothing(console):
    from eventnet.mydata.services import pseudonym

    zed, kim = console["zed"], console["kim"]
    label = pseudonym(zed)
    assert re.fullmatch(r"Deleted attendee [0-9a-f]{6}", label)
    assert pseudonym(zed) == label and pseudonym(kim) != label

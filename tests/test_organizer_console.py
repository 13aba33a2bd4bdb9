"""The organizer's desk (issue 13): the console shell, the attendee table for thousands, bulk
actions that confirm with the exact count, mass emails held for a cancel window, exports."""
from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from eventnet.auth.services import create_login_link
from eventnet.database import utcnow
from eventnet.extensions import db
from tests.conftest import csrf_token, statements_for


def _log_in_by_link(client, attendee) -> str:
    """Log in as a person does (open the link, press Log in); returns where the login lands."""
    link = create_login_link(attendee)
    db.session.commit()
    path = urlsplit(link.url).path
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 303
    return response.headers["Location"]


# ----------------------------------------------------------------------------- the shell

def test_organizers_land_on_the_dashboard_and_attendees_on_their_home(client, app, make_event, make_attendee):
    event = make_event(slug="org", name="PyConf")
    maren = make_attendee(event, email="maren@example.org", name="Maren", role="organizer")
    ada = make_attendee(event, email="ada@example.org", name="Ada")
    assert _log_in_by_link(client, maren) == "/e/org/organizer/"
    # Already logged in, the login page sends an organizer to the console too.
    assert client.get("/e/org/login").headers["Location"] == "/e/org/organizer/"
    # The "Organize" tab opens the dashboard.
    home = client.get("/e/org/").get_data(as_text=True)
    assert re.search(r'<a href="/e/org/organizer/"[^>]*>Organize</a>', home)
    other = app.test_client()
    assert _log_in_by_link(other, ada) == "/e/org/"


def test_the_console_says_the_events_phase_and_scanning_state(client, login, make_event, make_attendee):
    from datetime import timedelta

    from eventnet.database import utcnow

    now = utcnow()
    event = make_event(slug="org", starts=now - timedelta(hours=1), ends=now + timedelta(hours=5))
    maren = make_attendee(event, email="maren@example.org", role="organizer")
    login(client, maren)
    page = client.get("/e/org/organizer/").get_data(as_text=True)
    assert 'data-phase="running"' in page and 'data-scanning="open"' in page
    assert "Running now" in page and "Scanning open" in page
    event.starts_at, event.ends_at = now + timedelta(days=3), now + timedelta(days=4)
    db.session.commit()
    page = client.get("/e/org/organizer/").get_data(as_text=True)
    assert 'data-phase="upcoming"' in page and 'data-scanning="closed"' in page


def test_administration_link_only_for_an_administrator_session(client, app, runner, login, make_event, make_attendee):
    from tests.test_organizer_admin import admin_login

    event = make_event(slug="org")
    maren = make_attendee(event, email="maren@example.org", role="organizer")
    login(client, maren)
    assert "data-admin-link" not in client.get("/e/org/organizer/").get_data(as_text=True)
    runner.invoke(args=["admin", "add", "root@example.org"])
    admin_login(client, "root@example.org")
    page = client.get("/e/org/organizer/").get_data(as_text=True)
    assert re.search(r'<a href="/admin"[^>]*data-admin-link>Administration</a>', page)


def test_an_attendee_at_admin_is_told_what_they_can_do(client, login, make_event, make_attendee):
    event = make_event(slug="org", name="PyConf")
    ada = make_attendee(event, email="ada@example.org", name="Ada")
    login(client, ada)
    page = html.unescape(client.get("/admin/login").get_data(as_text=True))
    assert "flask admin" not in page
    assert "You are logged in to PyConf" in page and 'href="/e/org/"' in page


# ----------------------------------------------------------------------------- the attendee table

@pytest.fixture
def desk(client, login, make_event, make_attendee):
    """PyConf with Maren (organizer) and five attendees; Ada and Bo exchanged cards, Ada wrote a note."""
    from eventnet.connections.models import Connection
    from eventnet.connections.services import record_scan
    from eventnet.database import utcnow

    event = make_event(slug="org", name="PyConf")
    maren = make_attendee(event, email="maren@example.org", name="Maren Lindqvist", role="organizer")
    ada = make_attendee(event, email="ada@example.org", name="Ada Nwosu", company="=HYPERLINK(\"http://x\")")
    bo = make_attendee(event, email="bo@example.org", name="Bo Chen", company="Kumo")
    cy = make_attendee(event, email="cy@example.org", name="+Cy Formula")
    di = make_attendee(event, email="di@example.org", name="Di Okafor", company="Kumo")
    ed = make_attendee(event, email="ed@example.org", name="Ed Vance")
    record_scan(ada, bo.badge_token, "0b7c5d7e-9a51-4c43-9a0e-1df0f3c1a0a1", None)
    record_scan(ada, di.badge_token, "0b7c5d7e-9a51-4c43-9a0e-1df0f3c1a0a2", None)
    db.session.commit()
    note = db.session.execute(db.select(Connection).filter_by(owner_id=ada.id, contact_id=bo.id)).scalar_one()
    note.note = "SECRET-NOTE about Bo"
    ada.last_login_at = bo.last_login_at = utcnow()
    db.session.commit()
    login(client, maren)
    client.token = csrf_token(client, "/e/org/organizer/attendees")
    people = {"maren": maren, "ada": ada, "bo": bo, "cy": cy, "di": di, "ed": ed}
    return client, event, people


def names(response) -> list[str]:
    return names_in(response.get_data(as_text=True))


def names_in(page: str) -> list[str]:
    return re.findall(r'class="attendee-name">([^<]+)<', page)


SESSION_STATEMENTS = 1  # the guard reads the session with its attendee (and their event) in one


def test_the_table_sorts_filters_and_pages(desk, make_attendee):
    client, event, p = desk
    base = "/e/org/organizer/attendees"
    by_name = names(client.get(base))
    assert by_name == ["+Cy Formula", "Ada Nwosu", "Bo Chen", "Di Okafor", "Ed Vance", "Maren Lindqvist"]
    assert names(client.get(base + "?sort=name&dir=desc")) == by_name[::-1]
    # Most contacts first: Ada has two, Bo and Di one each (they were scanned: a connection each way).
    assert names(client.get(base + "?sort=contacts&dir=desc"))[0] == "Ada Nwosu"
    assert names(client.get(base + "?sort=email"))[0] == "Ada Nwosu"
    assert names(client.get(base + "?sort=role&dir=desc"))[0] == "Maren Lindqvist"
    # Most recent login first; never logged in last.
    assert set(names(client.get(base + "?sort=login&dir=desc"))[:2]) == {"Ada Nwosu", "Bo Chen"}
    # Filters: never logged in, no contacts yet, role; with a search.
    assert set(names(client.get(base + "?never=1"))) == {"+Cy Formula", "Di Okafor", "Ed Vance", "Maren Lindqvist"}
    assert set(names(client.get(base + "?nocontacts=1"))) == {"+Cy Formula", "Ed Vance", "Maren Lindqvist"}
    assert names(client.get(base + "?role=organizer")) == ["Maren Lindqvist"]
    assert names(client.get(base + "?q=kumo&never=1")) == ["Di Okafor"]
    page = client.get(base + "?q=kumo&sort=contacts&dir=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in page and "2 attendees matching “kumo”" in html.unescape(page)
    # Unknown values are the defaults, never a 500.
    for bad in ("?sort=password", "?dir=sideways", "?per_page=100000", "?role=admin", "?never=yes", "?page=x"):
        assert client.get(base + bad).status_code == 200, bad
    # Pages of 25 or 50; more is not on offer.
    for n in range(60):
        make_attendee(event, email=f"p{n:02d}@example.org", name=f"Zz Person {n:02d}")
    assert len(names(client.get(base + "?per_page=25"))) == 25
    assert len(names(client.get(base))) == 50
    assert len(names(client.get(base + "?per_page=500"))) == 50
    last = client.get(base + "?per_page=25&page=3").get_data(as_text=True)
    assert "Page 3 of 3" in last and 'rel="prev"' in last and "per_page=25" in last
    assert client.get(base + "?q=nobody-at-all&never=1").status_code == 200


def test_the_table_takes_the_same_few_queries_whatever_the_event_size(desk, make_attendee):
    """The session's, then two: both counts in one pass (matching, and never logged in for the
    login-email button), and the page with each row's contact count and "has data"."""
    client, event, p = desk
    base = "/e/org/organizer/attendees"
    few, page = statements_for(client, base)
    assert few == SESSION_STATEMENTS + 2
    assert "6 attendees." in page and "Email login links (4 never logged in)" in page
    for n in range(120):
        make_attendee(event, email=f"p{n:03d}@example.org", name=f"Zz Person {n:03d}")
    for url in (base, base + "?never=1&sort=contacts&dir=desc", base + "?q=zz&nocontacts=1&page=2",
                base + "?role=attendee&sort=login&per_page=25&page=4"):
        statements, page = statements_for(client, url)
        assert statements == few, url
    # Past the end shows the last page, with the counts of the whole match; a bad page is page 1.
    statements, page = statements_for(client, base + "?q=zz&page=99")
    assert statements == few
    assert "120 attendees matching “zz”." in html.unescape(page) and "Page 3 of 3." in page
    assert names_in(page) == [f"Zz Person {n:03d}" for n in range(100, 120)]
    assert "Email login links (124 never logged in)" in page
    assert "Page 1 of 3." in statements_for(client, base + "?q=zz&page=-2")[1]


def test_each_row_is_one_line_with_its_actions_in_a_menu(desk):
    client, event, p = desk
    page = client.get("/e/org/organizer/attendees").get_data(as_text=True)
    row = re.search(r'<tr data-attendee-id="%d">(.*?)</tr>' % p["ada"].id, page, re.S).group(1)
    menu = re.search(r'<details class="row-menu">(.*?)</details>', row, re.S).group(1)
    for action in ("Email a login link", "Print badge", "Reissue badge", "Log out devices", "Edit", "Remove"):
        assert action in menu, action
    assert "<summary>Actions" in menu
    # Outside the menu the row holds no button: one line per attendee.
    assert "<button" not in row.replace(menu, "")
    assert "SECRET-NOTE" not in page


# ----------------------------------------------------------------------------- confirmations

def _token(page: str) -> str:
    return html.unescape(re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1))


def _outbox(kind: str = "login_link"):
    from eventnet.mail.models import OutboxMessage

    db.session.expire_all()
    return db.session.execute(db.select(OutboxMessage).filter_by(kind=kind).order_by(OutboxMessage.id)).scalars().all()


def test_a_mass_email_without_its_confirmation_queues_nothing(desk, make_attendee):
    client, event, p = desk
    ids = [p["cy"].id, p["ed"].id]
    confirm = client.get("/e/org/organizer/attendees/bulk", query_string={"action": "email", "ids": ids})
    page = html.unescape(confirm.get_data(as_text=True))
    assert confirm.status_code == 200 and 'data-recipients="2"' in page
    assert "Log in to PyConf" in page and "Send 2 login emails" in page and "the 2 ticked attendees" in page
    token = _token(page)
    post = "/e/org/organizer/login-emails"
    # No confirmation at all, a made-up token, and the token of another action: nothing queued.
    assert client.post(post, data={"csrf_token": client.token}).status_code == 400
    assert client.post(post, data={"csrf_token": client.token, "token": "forged"}).status_code == 409
    removal = _token(client.get("/e/org/organizer/attendees/bulk",
                                query_string={"action": "remove", "ids": ids}).get_data(as_text=True))
    assert client.post(post, data={"csrf_token": client.token, "token": removal}).status_code == 409
    # Everyone matching a filter: the list grew after the page was shown, so the number is wrong.
    everyone = _token(client.get("/e/org/organizer/attendees/bulk",
                                 query_string={"action": "email", "scope": "matching", "never": "1"}).get_data(as_text=True))
    make_attendee(event, email="late@example.org", name="Late Comer")
    changed = client.post(post, data={"csrf_token": client.token, "token": everyone})
    assert changed.status_code == 409
    assert "The list changed" in html.unescape(changed.get_data(as_text=True)) and 'data-recipients="5"' in changed.get_data(as_text=True)
    assert _outbox() == []
    # The token of the page shown is what queues: exactly the two ticked, nobody else.
    done = client.post(post, data={"csrf_token": client.token, "token": token})
    assert done.status_code == 303
    assert sorted(row.to_addr for row in _outbox()) == ["cy@example.org", "ed@example.org"]


def test_cancelled_within_the_window_nothing_leaves(desk, app, app_factory, smtp_server):
    from eventnet.mail.services import deliver_due
    from eventnet.audit.models import AuditLog

    client, event, p = desk
    app.config["MASS_MAIL_HOLD_SECONDS"] = 60
    page = client.get("/e/org/organizer/login-emails").get_data(as_text=True)
    assert 'data-never-logged-in="4"' in page
    queued = client.post("/e/org/organizer/login-emails", data={"csrf_token": client.token, "token": _token(page)})
    progress_url = queued.headers["Location"]
    progress = client.get(progress_url).get_data(as_text=True)
    assert 'data-held="yes"' in progress and "Cancel these 4 emails" in progress
    smtp_app = app_factory(SMTP_URL=smtp_server.url)
    with smtp_app.app_context():
        assert deliver_due().sent == 0  # held: the real sender leaves them alone
        db.session.remove()
    cancel = re.search(r'<form method="post" action="([^"]+/cancel)"', progress).group(1)
    client.post(cancel, data={"csrf_token": client.token})
    after = client.get(progress_url).get_data(as_text=True)
    assert 'data-count="cancelled">4<' in after and "Cancelled: none of them was sent." in after
    # Even once the window is over, nothing of the cancelled batch leaves.
    for row in _outbox():
        row.next_attempt_at = row.created_at
    db.session.commit()
    with smtp_app.app_context():
        assert deliver_due().sent == 0
        db.session.remove()
    assert smtp_server.messages() == []
    assert {row.status for row in _outbox()} == {"cancelled"}
    assert all("/login/" not in row.text_body for row in _outbox())  # no usable link kept
    entry = db.session.execute(db.select(AuditLog).filter_by(action="login_emails_cancelled")).scalar_one()
    assert entry.details["count"] == 4 and entry.actor == "maren@example.org"


def test_after_the_window_they_go_out_and_then_cannot_be_cancelled(desk, app, app_factory, smtp_server):
    import time

    from eventnet.mail.services import deliver_due

    client, event, p = desk
    app.config["MASS_MAIL_HOLD_SECONDS"] = 1
    page = client.get("/e/org/organizer/attendees/bulk",
                      query_string={"action": "email", "scope": "matching", "q": "kumo"}).get_data(as_text=True)
    assert 'data-recipients="2"' in page  # Bo and Di
    queued = client.post("/e/org/organizer/login-emails", data={"csrf_token": client.token, "token": _token(page)})
    smtp_app = app_factory(SMTP_URL=smtp_server.url)
    with smtp_app.app_context():
        assert deliver_due().sent == 0
        db.session.remove()
    time.sleep(1.2)
    with smtp_app.app_context():
        assert deliver_due().sent == 2
        db.session.remove()
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages()) == ["bo@example.org", "di@example.org"]
    assert all(m["Subject"] == "Log in to PyConf" for m in smtp_server.messages())
    entry_id = queued.headers["Location"].rsplit("/", 1)[1]
    late = client.post(f"/e/org/organizer/login-emails/{entry_id}/cancel", data={"csrf_token": client.token})
    assert "Too late to cancel" in html.unescape(client.get(late.headers["Location"]).get_data(as_text=True))


def test_digest_start_confirms_with_the_count_and_can_be_cancelled(desk, app, app_factory, smtp_server):
    from eventnet.digests.models import DigestRun
    from eventnet.mail.services import deliver_due

    client, event, p = desk
    app.config["MASS_MAIL_HOLD_SECONDS"] = 60
    control = client.get("/e/org/organizer/digests").get_data(as_text=True)
    # Not the primary button any more, and no form that starts anything from this page.
    assert "Start sending now…" in control and 'action="/e/org/organizer/digests/start"' not in control
    assert client.post("/e/org/organizer/digests/start", data={"csrf_token": client.token}).status_code == 400
    assert _outbox("digest") == []
    confirm = client.get("/e/org/organizer/digests/start").get_data(as_text=True)
    count = int(re.search(r'data-recipients="(\d+)"', confirm).group(1))
    assert count == 6  # everyone: those without contacts get the short "people to meet" email
    assert f"Send {count} digests now" in confirm and "The event has not ended" in confirm
    client.post("/e/org/organizer/digests/start", data={"csrf_token": client.token, "token": _token(confirm)})
    assert len(_outbox("digest")) == 6
    held = client.get("/e/org/organizer/digests").get_data(as_text=True)
    assert 'data-held-digests="6"' in held
    smtp_app = app_factory(SMTP_URL=smtp_server.url)
    with smtp_app.app_context():
        assert deliver_due().sent == 0
        db.session.remove()
    cancelled = client.post("/e/org/organizer/digests/cancel", data={"csrf_token": client.token})
    assert _outbox("digest") == [] and smtp_server.messages() == []
    said = html.unescape(client.get(cancelled.headers["Location"]).get_data(as_text=True))
    assert "Cancelled: none of the 6 digests left. They will go out at their scheduled time" in said
    assert "(Europe/Berlin)" in said
    # Back to the schedule: nothing queued, and "start now" offers all six again.
    assert db.session.execute(db.select(DigestRun).filter_by(event_id=event.id)).scalar_one_or_none() is None
    assert 'data-recipients="6"' in client.get("/e/org/organizer/digests/start").get_data(as_text=True)
    log = client.get("/e/org/organizer/audit").get_data(as_text=True)
    assert 'data-action="digest_start_cancelled"' in log and 'data-action="digest_started"' in log


def test_a_start_cancelled_after_the_digest_time_waits_for_the_next_start(desk, app):
    """Cancelled after the scheduled time, the digests must not go out at once through the
    scheduler (that would undo the cancel): they wait for "start now", and the organizer is told."""
    from eventnet.digests.schedule import queue_due
    from eventnet.events.models import Event

    client, event, p = desk
    app.config["MASS_MAIL_HOLD_SECONDS"] = 60
    ev = db.session.get(Event, event.id)
    ev.digest_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    confirm = client.get("/e/org/organizer/digests/start").get_data(as_text=True)
    client.post("/e/org/organizer/digests/start", data={"csrf_token": client.token, "token": _token(confirm)})
    assert len(_outbox("digest")) == 6
    cancelled = client.post("/e/org/organizer/digests/cancel", data={"csrf_token": client.token})
    said = html.unescape(client.get(cancelled.headers["Location"]).get_data(as_text=True))
    assert "Their scheduled time has passed, so they wait until you start sending again." in said
    assert queue_due() == {} and _outbox("digest") == []
    assert 'data-recipients="6"' in client.get("/e/org/organizer/digests/start").get_data(as_text=True)


# ----------------------------------------------------------------------------- removal

def test_bulk_removal_needs_the_typed_count_and_removes_exactly_those(desk):
    from eventnet.attendees.models import Attendee
    from eventnet.audit.models import AuditLog

    client, event, p = desk
    ids = [p["ada"].id, p["cy"].id, p["maren"].id]  # Maren is the one pressing it: she stays
    page = html.unescape(client.get("/e/org/organizer/attendees/bulk",
                                    query_string={"action": "remove", "ids": ids}).get_data(as_text=True))
    assert "Remove 2 attendees from the event?" in page and "You are among them and stay" in page
    assert 'data-with-contacts="1"' in page and 'data-with-notes="1"' in page  # Ada: two contacts, one note
    assert "Type remove 2 to confirm" in re.sub(r"<[^>]+>", "", page)
    token = _token(page)

    def alive():
        db.session.expire_all()
        return set(db.session.execute(db.select(Attendee.name).where(Attendee.event_id == event.id)).scalars())

    everyone = alive()
    url = "/e/org/organizer/attendees/bulk/remove"
    for typed in ("", "remove", "remove 3", "2", "REMOVE 2 people"):
        refused = client.post(url, data={"csrf_token": client.token, "token": token, "typed": typed})
        assert refused.status_code == 422, typed
        assert alive() == everyone
    assert client.post(url, data={"csrf_token": client.token, "typed": "remove 2"}).status_code == 400
    assert alive() == everyone
    done = client.post(url, data={"csrf_token": client.token, "token": token, "typed": " Remove  2 "})
    assert done.status_code == 303
    assert alive() == everyone - {"Ada Nwosu", "+Cy Formula"}
    entry = db.session.execute(db.select(AuditLog).filter_by(action="attendees_removed")).scalar_one()
    assert (entry.details["count"], entry.details["with_contacts"], entry.details["with_notes"]) == (2, 1, 1)
    # A second press of the same page finds the list changed: nobody else goes.
    again = client.post(url, data={"csrf_token": client.token, "token": token, "typed": "remove 2"})
    assert again.status_code == 409 and alive() == everyone - {"Ada Nwosu", "+Cy Formula"}


def test_bulk_removal_of_everyone_matching_a_filter(desk):
    from eventnet.attendees.models import Attendee

    client, event, p = desk
    page = html.unescape(client.get("/e/org/organizer/attendees/bulk", query_string={
        "action": "remove", "scope": "matching", "nocontacts": "1", "role": "attendee"}).get_data(as_text=True))
    assert "Remove 2 attendees" in page and 'data-with-contacts="0"' in page  # Cy and Ed
    client.post("/e/org/organizer/attendees/bulk/remove",
                data={"csrf_token": client.token, "token": _token(page), "typed": "remove 2"})
    db.session.expire_all()
    left = set(db.session.execute(db.select(Attendee.name).where(Attendee.event_id == event.id)).scalars())
    assert left == {"Maren Lindqvist", "Ada Nwosu", "Bo Chen", "Di Okafor"}


# ----------------------------------------------------------------------------- exports

def test_exports_csv_and_xlsx_have_the_rows_no_notes_and_no_formulas(desk, make_event, make_attendee):
    import csv
    import io

    from openpyxl import load_workbook

    from eventnet.audit.models import AuditLog

    client, event, p = desk
    stranger = make_attendee(make_event(slug="other"), email="zz@example.org", name="Other Event Person")
    query = {"scope": "selected", "ids": [p["ada"].id, p["cy"].id, p["bo"].id, stranger.id]}
    got = client.get("/e/org/organizer/attendees/bulk", query_string={**query, "action": "export_csv"})
    assert got.status_code == 200 and got.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in got.headers["Content-Disposition"] and got.headers["Cache-Control"] == "private, no-store"
    body = got.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Name", "Email", "Company", "Headline", "Role", "Badge code", "Last login", "Contacts"]
    by_email = {r[1]: r for r in rows[1:]}
    assert set(by_email) == {"ada@example.org", "bo@example.org", "cy@example.org"}  # another event's id: nobody
    assert by_email["ada@example.org"][2] == "'=HYPERLINK(\"http://x\")" and by_email["ada@example.org"][7] == "2"
    assert by_email["cy@example.org"][0] == "'+Cy Formula"
    assert "SECRET-NOTE" not in body and "Bo Chen" not in by_email["ada@example.org"]
    xlsx = client.get("/e/org/organizer/attendees/bulk", query_string={**query, "action": "export_xlsx"})
    assert xlsx.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == rows[0] and len(values) == 4
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)  # no formula anywhere
    assert {row[1]: row for row in values[1:]}["ada@example.org"][2] == "'=HYPERLINK(\"http://x\")"
    assert not any("SECRET-NOTE" in str(cell.value) for cell in cells)
    # Everyone matching a filter, and the audit log says who exported how many.
    everyone = client.get("/e/org/organizer/attendees/bulk",
                          query_string={"action": "export_csv", "scope": "matching", "q": "kumo"})
    assert len(list(csv.reader(io.StringIO(everyone.data.decode("utf-8-sig"))))) == 3
    entries = db.session.execute(db.select(AuditLog).filter_by(action="attendees_exported")
                                 .order_by(AuditLog.id)).scalars().all()
    assert [(e.details["count"], e.details["format"]) for e in entries] == [(3, "csv"), (3, "xlsx"), (2, "csv")]


def test_bulk_badges_print_the_selection(desk):
    client, event, p = desk
    chosen = client.get("/e/org/organizer/attendees/bulk",
                        query_string={"action": "badges", "scope": "matching", "q": "kumo", "never": "1"})
    assert chosen.status_code == 303 and "/organizer/badges?" in chosen.headers["Location"]
    page = html.unescape(client.get(chosen.headers["Location"]).get_data(as_text=True))
    assert "1 attendee matching “kumo”, who never logged in" in page
    pdf = client.get("/e/org/organizer/badges.pdf", query_string={"q": "kumo", "never": "1", "paper": "a4"})
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    ticked = client.get("/e/org/organizer/attendees/bulk",
                        query_string={"action": "badges", "ids": [p["ada"].id, p["bo"].id]})
    assert "2 ticked attendees" in client.get(ticked.headers["Location"]).get_data(as_text=True)
    nobody = client.get("/e/org/organizer/attendees/bulk", query_string={"action": "badges"})
    assert nobody.status_code == 303
    assert "Tick at least one attendee" in html.unescape(client.get(nobody.headers["Location"]).get_data(as_text=True))


def test_new_routes_refuse_attendees_and_other_events_organizers(desk, app, make_event, make_attendee, login):
    client, event, p = desk
    boss = make_attendee(make_event(slug="other"), email="boss@example.org", role="organizer")
    routes = [("GET", "/e/org/organizer/attendees/bulk?action=export_csv&scope=matching"),
              ("GET", "/e/org/organizer/attendees/bulk?action=remove&scope=matching"),
              ("POST", "/e/org/organizer/attendees/bulk/remove"), ("POST", "/e/org/organizer/login-emails"),
              ("GET", "/e/org/organizer/digests/start"), ("POST", "/e/org/organizer/digests/cancel"),
              ("POST", "/e/org/organizer/login-emails/1/cancel")]
    for who, expected in ((p["ada"], 403), (boss, 303)):
        other = login(app.test_client(), who)
        token = csrf_token(other, "/e/org/" if who is p["ada"] else "/e/other/")
        for method, path in routes:
            response = other.open(path, method=method, data={"csrf_token": token, "typed": "remove 6"})
            assert response.status_code == expected, (who.email, method, path, response.status_code)
            if expected == 303:
                assert "/e/org/login" in response.headers["Location"]

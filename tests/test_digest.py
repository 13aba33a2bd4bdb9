"""The follow-up digest: content, real SMTP delivery, unsubscribe, previews, scheduling, organizer controls."""
from __future__ import annotations

import csv
import io
import re
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from eventnet.meet.services import set_open
import vobject
from sqlalchemy import update

from eventnet.attendees.models import Attendee
from eventnet.connections.models import Connection
from eventnet.connections.services import record_scan
from eventnet.promises.models import Promise
from eventnet.promises.services import set_done, track
from eventnet.database import utcnow
from eventnet.digests import schedule, services, tokens
from eventnet.digests.forms import DigestSettingsForm
from eventnet.digests.models import DigestRun, MailPreference
from eventnet.events.models import Event
from eventnet.extensions import db
from eventnet.forms import errors_of
from eventnet.mail.models import OutboxMessage
from eventnet.mail.services import deliver_due, queue_email

HOSTILE_NAME = 'Ana <script>alert("x")</script> O\'Neil'


def connect(a: Attendee, b: Attendee) -> tuple[Connection, Connection]:
    """Exchange cards between a and b; returns (a's side, b's side)."""
    record_scan(a, b.badge_token, str(uuid.uuid4()))
    mine = db.session.execute(db.select(Connection).filter_by(owner_id=a.id, contact_id=b.id)).scalar_one()
    theirs = db.session.execute(db.select(Connection).filter_by(owner_id=b.id, contact_id=a.id)).scalar_one()
    return mine, theirs


def note(connection: Connection, text: str = "", promises: tuple[str, ...] = (), **values) -> None:
    """Write my side's note and its parts (works_on=, needs=, offers=), and track `promises`."""
    connection.note = text
    for key, value in values.items():
        setattr(connection, key, value)
    for promise in promises:
        track(connection, promise, commit=False)
    db.session.commit()


def outlook_table(data: bytes) -> list[dict]:
    """The rows of an attached Outlook / Google CSV, read the way Outlook must: UTF-8 after a BOM."""
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def rows(**filters) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(db.select(OutboxMessage).filter_by(**filters).order_by(OutboxMessage.id)).scalars())


@pytest.fixture
def seeded(make_event, make_attendee):
    """An event that has ended, five people, three exchanges, notes on every side."""
    now = utcnow()
    event = make_event(name="PyConf\r\nBcc: evil@example.org", starts=now - timedelta(days=2), ends=now - timedelta(days=1))
    event.reply_to = "team@pyconf.example"
    event.scan_closes_at = now + timedelta(hours=1)  # late scans synced after the event
    db.session.commit()
    ana = make_attendee(event, "ana@example.org", HOSTILE_NAME, headline='"Chief" <b>bold</b> & co',
                        can_help_with="Python, data engineering", looking_for="funding")
    bob = make_attendee(event, "bob@example.org", "Bob Builder", looking_for="python",
                        linkedin="https://www.linkedin.com/in/bob")
    cleo = make_attendee(event, "cleo@example.org", "Cleo Hidden", linkedin="https://www.linkedin.com/in/cleo")
    cleo.shared_fields = [f for f in cleo.shared_fields if f != "email"]
    dan = make_attendee(event, "dan@example.org", "Dan\r\nBcc: evil@example.org")
    eve = make_attendee(event, "eve@example.org", "Eve Alone", looking_for="Data engineering")
    db.session.commit()
    set_open(ana, True)  # Ana may be suggested to people who met nobody (Eve)
    ana_bob, bob_ana = connect(ana, bob)
    ana_cleo, cleo_ana = connect(ana, cleo)
    bob_dan, dan_bob = connect(bob, dan)
    note(ana_bob, "met at the \"hallway\"", works_on="build systems", promises=["send the <b>slides</b> & notes"],
         intent="send", starred=True, tags=["python", "<tag>"])
    note(ana_cleo, "ANA-ABOUT-CLEO coffee next month", intent="coffee")
    note(bob_ana, "BOB-ABOUT-ANA secret")
    note(cleo_ana, "CLEO-ABOUT-ANA secret")
    note(bob_dan, "BOB-ABOUT-DAN secret")
    note(dan_bob, "DAN-ABOUT-BOB secret")
    return {"event": event, "ana": ana, "bob": bob, "cleo": cleo, "dan": dan, "eve": eve,
            "ana_bob": ana_bob, "ana_cleo": ana_cleo, "bob_ana": bob_ana}


NOTES = {
    "ana": ["build systems", "ANA-ABOUT-CLEO"],
    "bob": ["BOB-ABOUT-ANA", "BOB-ABOUT-DAN"],
    "cleo": ["CLEO-ABOUT-ANA"],
    "dan": ["DAN-ABOUT-BOB"],
    "eve": [],
}


def send_all(app_factory, smtp_server):
    smtp_app = app_factory(SMTP_URL=smtp_server.url)
    with smtp_app.app_context():
        report = deliver_due()
        db.session.remove()
    return report


def by_recipient(smtp_server) -> dict[str, object]:
    out = {}
    for envelope, msg in zip(smtp_server.envelopes, smtp_server.messages()):
        assert envelope.rcpt_tos == [msg["To"].addresses[0].addr_spec]
        out[msg["To"].addresses[0].addr_spec] = msg
    return out


# ----------------------------------------------------------------------------- real SMTP, end to end

def test_digests_over_smtp_reach_everyone_with_only_their_own_notes(app, app_factory, smtp_server, seeded):
    event = seeded["event"]
    assert services.queue_digests(event) == 5
    report = send_all(app_factory, smtp_server)
    assert (report.sent, report.failed, report.cancelled) == (5, 0, 0)
    messages = by_recipient(smtp_server)
    people = {key: seeded[key] for key in NOTES}
    assert set(messages) == {p.email for p in people.values()}

    for key, person in people.items():
        msg = messages[person.email]
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        # Their own notes are there, and nobody else's.
        for owner, markers in NOTES.items():
            for marker in markers:
                assert (marker in text) == (owner == key), (key, marker)
                assert (marker in html) == (owner == key), (key, marker)
        # Headers: one line each, our domain, a date, unsubscribe, the organizer's reply address.
        for name in ("Subject", "To", "From"):
            assert "\n" not in str(msg[name]) and "\r" not in str(msg[name])
        assert msg["Bcc"] is None and msg["Cc"] is None
        assert "PyConf Bcc: evil@example.org" in msg["Subject"]
        assert msg["Message-ID"].endswith("@eventnet.test>")
        assert parsedate_to_datetime(msg["Date"]).tzinfo is not None
        assert msg["Reply-To"] == "team@pyconf.example"
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(rf"<http://eventnet\.test/e/{event.slug}/unsubscribe/[\w.-]+>", msg["List-Unsubscribe"])
        # The HTML is self-contained: no script, no remote image, no javascript: links.
        assert "<script" not in html.lower() and "<img" not in html.lower() and "javascript:" not in html.lower()
        assert not re.search(r"""\ssrc=""", html)
        assert "http://eventnet.test/e/" in text and "Unsubscribe: http://eventnet.test/" in text

    ana_msg = messages["ana@example.org"]
    html = ana_msg.get_body(("html",)).get_content()
    text = ana_msg.get_body(("plain",)).get_content()
    assert "Bob Builder" in html and "Cleo Hidden" in html and "Dan Bcc" not in html
    # Hostile profile and note values are escaped in HTML and kept as typed in text.
    bob_html = messages["bob@example.org"].get_body(("html",)).get_content()
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; O&#39;Neil" in bob_html
    assert "&#34;Chief&#34; &lt;b&gt;bold&lt;/b&gt; &amp; co" in bob_html
    assert "send the &lt;b&gt;slides&lt;/b&gt; &amp; notes" in html and "&lt;tag&gt;" in html
    assert "send the <b>slides</b> & notes" in text
    # Summary, order (starred and promised first), a suggestion and the one-tap write link.
    assert "2 people" in text and "1 promise still open" in text
    assert text.index("Bob Builder") < text.index("Cleo Hidden")
    assert "Keep your promise" in text and "They're looking for help with python, which you can help with." in text
    mailto = re.search(r'href="(mailto:bob@example\.org\?[^"]+)"', html).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(mailto).query)
    assert query["subject"] == ["Great to meet you at PyConf Bcc: evil@example.org"]
    assert query["body"][0].startswith("Hi Bob,\r\n\r\nIt was great to meet you at PyConf")
    assert "As promised, I'm writing to send the <b>slides</b> & notes." in query["body"][0]
    assert query["body"][0].endswith("Best,\r\nAna")
    # Cleo does not share her email: the button is her LinkedIn; her address is nowhere.
    assert 'href="https://www.linkedin.com/in/cleo"' in html and "cleo@example.org" not in html + text
    assert "Message Cleo Hidden on LinkedIn" in html
    # A coffee intent has a calendar link.
    assert f"http://eventnet.test/e/{event.slug}/calendar/" in text

    # The attached vCard file holds every contact and parses; beside it, the same contacts as
    # the CSV Outlook on Windows imports all at once (it reads only the first card of a .vcf).
    parts = [part for part in ana_msg.iter_attachments()]
    assert [p.get_content_type() for p in parts] == ["text/vcard", "text/csv"]
    assert parts[0].get_filename() == f"contacts-{event.slug}.vcf"
    cards = list(vobject.readComponents(parts[0].get_content()))
    assert sorted(card.fn.value for card in cards) == ["Bob Builder", "Cleo Hidden"]
    assert not any(hasattr(card, "email") for card in cards if card.fn.value == "Cleo Hidden")
    assert "build systems" in next(card for card in cards if card.fn.value == "Bob Builder").note.value
    assert parts[1].get_filename() == f"contacts-{event.slug}-outlook-google.csv"
    table = outlook_table(parts[1].get_payload(decode=True))
    assert sorted((row["First Name"], row["Last Name"]) for row in table) == [("Bob", "Builder"), ("Cleo", "Hidden")]
    assert "build systems" in next(row for row in table if row["First Name"] == "Bob")["Notes"]
    assert "import contacts-" in text and "-outlook-google.csv instead" in text

    # Dan's name carried a header injection: no header anywhere got it.
    bob_msg = messages["bob@example.org"]
    assert "Dan Bcc: evil@example.org" in bob_msg.get_body(("plain",)).get_content()

    # Eve met nobody: the short variant lists Ana, whose "can help with" matches her need.
    eve_msg = messages["eve@example.org"]
    eve_text = eve_msg.get_body(("plain",)).get_content()
    assert "you did not exchange cards" in eve_text and HOSTILE_NAME in eve_text
    assert "Can help with data engineering, which you are looking for." in eve_text
    assert list(eve_msg.iter_attachments()) == []
    assert {r.status for r in rows(event_id=event.id)} == {"sent"}


def test_one_click_unsubscribe_then_no_digest_or_reminder_is_queued(app, app_factory, client, smtp_server, seeded):
    event = seeded["event"]
    note(seeded["bob_ana"], "BOB-ABOUT-ANA", intent="coffee")  # Bob has an open follow-up too
    services.queue_digests(event)
    send_all(app_factory, smtp_server)
    header = by_recipient(smtp_server)["ana@example.org"]["List-Unsubscribe"]
    path = urlsplit(header.strip("<>")).path

    # GET only asks (a mail scanner opening the link changes nothing).
    page = client.get(path)
    assert page.status_code == 200 and "Unsubscribe" in page.get_data(as_text=True)
    assert db.session.get(MailPreference, seeded["ana"].id) is None

    # RFC 8058: a POST with the one-click body, no session, no CSRF token.
    fresh = app.test_client()
    response = fresh.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MailPreference, seeded["ana"].id).followups_off is True

    assert services.queue_reminders(event, 30) == 1
    assert [r.attendee_id for r in rows(kind="reminder")] == [seeded["bob"].id]
    # A second digest run (e.g. "start now" again) adds nobody, and nobody twice.
    assert services.queue_digests(event) == 0
    assert len(rows(kind="digest")) == 5

    # Undo from the confirmation page brings the email back.
    token = path.rsplit("/", 1)[1]
    undo = fresh.post(f"/e/{event.slug}/unsubscribe/{token}/undo",
                      data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)})
    assert undo.status_code == 200 and "You get follow-up emails again" in undo.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MailPreference, seeded["ana"].id).followups_off is False


def test_unsubscribing_before_the_digest_means_no_row_and_a_queued_one_is_cancelled(app, client, seeded):
    event, cleo, dan = seeded["event"], seeded["cleo"], seeded["dan"]
    token = tokens.make_token("unsubscribe", cleo.id, event.id)
    assert client.post(f"/e/{event.slug}/unsubscribe/{token}").status_code == 200
    assert services.queue_digests(event) == 4
    assert cleo.id not in {r.attendee_id for r in rows(kind="digest")}
    # Unsubscribing after the rows were made cancels the waiting one, with the reason.
    services.unsubscribe(db.session.get(Attendee, dan.id))
    [dan_row] = rows(kind="digest", attendee_id=dan.id)
    assert dan_row.status == "cancelled" and dan_row.last_error == services.UNSUBSCRIBED
    report = deliver_due()
    assert report.sent == 3


def test_unsubscribe_links_are_signed_per_purpose_and_event(app, client, seeded, make_event):
    event, ana = seeded["event"], seeded["ana"]
    other = make_event()
    good = tokens.make_token("unsubscribe", ana.id, event.id)
    assert client.get(f"/e/{other.slug}/unsubscribe/{good}").status_code == 404
    wrong_purpose = tokens.make_token("followup-done", ana.id, event.id)
    assert client.post(f"/e/{event.slug}/unsubscribe/{wrong_purpose}").status_code == 404
    assert client.post(f"/e/{event.slug}/unsubscribe/{good[:-2]}xx").status_code == 404
    assert db.session.get(MailPreference, ana.id) is None


def test_sender_never_sends_an_unsubscribed_attendee_even_when_the_row_was_claimed(app, seeded):
    # The row exists and is pending; the preference changes behind the scheduler's back.
    services.queue_digests(seeded["event"])
    db.session.add(MailPreference(attendee_id=seeded["bob"].id, event_id=seeded["event"].id, followups_off=True))
    db.session.commit()
    deliver_due()
    [bob_row] = rows(kind="digest", attendee_id=seeded["bob"].id)
    assert bob_row.status == "cancelled" and "unsubscribed" in bob_row.last_error


# ----------------------------------------------------------------------------- scheduling

def test_default_digest_time_is_nine_the_morning_after_in_the_event_zone(app, make_event):
    event = make_event(starts=datetime(2026, 3, 27, 9, 0), ends=datetime(2026, 3, 28, 18, 0), timezone="Europe/Berlin")
    # 29 March 2026 is the night Berlin moves to summer time: 09:00 CEST is 07:00 UTC.
    assert schedule.digest_time(event) == datetime(2026, 3, 29, 7, 0, tzinfo=timezone.utc)
    assert schedule.reminder_time(event, 30) == datetime(2026, 4, 27, 7, 0, tzinfo=timezone.utc)
    ny = make_event(starts=datetime(2026, 6, 1, 9), ends=datetime(2026, 6, 2, 23, 30), timezone="America/New_York")
    assert schedule.digest_time(ny) == datetime(2026, 6, 3, 13, 0, tzinfo=timezone.utc)


def test_queue_due_creates_digest_rows_once_at_their_time(app, seeded):
    event = seeded["event"]
    due = schedule.digest_time(event)
    assert schedule.queue_due(due - timedelta(minutes=1)) == {}
    assert rows() == []
    assert schedule.queue_due(due) == {f"{event.slug} digest": 5}
    assert schedule.queue_due(due + timedelta(minutes=5)) == {}
    assert len(rows(kind="digest")) == 5
    keys = {r.dedupe_key for r in rows(kind="digest")}
    assert keys == {f"digest:{event.id}:{seeded[k].id}" for k in NOTES}


def test_reminders_list_open_follow_ups_only_and_respect_the_attendee(app, seeded):
    event, ana = seeded["event"], seeded["ana"]
    due = schedule.reminder_time(event, 30)
    assert schedule.queue_due(due - timedelta(seconds=1)).get(f"{event.slug} reminder:30") is None
    created = schedule.queue_due(due)
    # Only Ana has a follow-up (intent, star or promise) open.
    assert created[f"{event.slug} reminder:30"] == 1
    deliver_due()
    [reminder] = rows(kind="reminder")
    assert reminder.status == "sent" and reminder.attendee_id == ana.id
    # Ana marks her follow-up with Bob done: her promise to him is still chased, on its own.
    services.set_followup_done(db.session.get(Connection, seeded["ana_bob"].id))
    from eventnet.digests.build import build_reminder

    content = build_reminder(db.session.get(Attendee, ana.id), 90)
    assert [e.name for e in content.entries] == ["Bob Builder", "Cleo Hidden"] and content.promises_open == 1
    # Once the promise is done too, at 90 days only Cleo (coffee) is left.
    [promise] = db.session.execute(db.select(Promise).filter_by(owner_id=ana.id)).scalars()
    set_done(promise)
    content = build_reminder(db.session.get(Attendee, ana.id), 90)
    assert [e.name for e in content.entries] == ["Cleo Hidden"] and content.followups_open == 1
    assert content.promises_open == 0
    # With reminders off, Ana gets none.
    services.set_preferences(db.session.get(Attendee, ana.id), digest=True, reminders=False)
    assert schedule.queue_due(schedule.reminder_time(event, 90)) == {f"{event.slug} reminder:90": 0}


def test_a_reminder_noticed_weeks_late_is_skipped_not_sent(app, seeded):
    event = seeded["event"]
    late = schedule.reminder_time(event, 30) + timedelta(days=20)
    schedule.queue_due(late)
    run = db.session.execute(db.select(DigestRun).filter_by(event_id=event.id, kind="reminder:30")).scalar_one()
    assert run.count == 0 and "20 days" in run.skipped
    assert rows(kind="reminder") == []


def test_an_old_events_digest_is_not_sent_by_surprise_but_can_be_started(app, seeded):
    event = seeded["event"]
    assert schedule.queue_due(schedule.digest_time(event) + timedelta(days=20)) == {}
    summary = services.digest_schedule(event)
    assert summary.queued_count == 0 and "20 days" in summary.skipped and rows() == []
    assert services.queue_digests(event) == 5
    summary = services.digest_schedule(event)
    assert summary.queued_count == 5 and summary.skipped is None


def test_racing_schedulers_create_each_row_once(app, seeded):
    event_id = seeded["event"].id
    barrier = threading.Barrier(3)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                results.append(services.queue_digests(db.session.get(Event, event_id)))
                db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and sorted(results) == [0, 0, 5]
    assert len(rows(kind="digest")) == 5


def test_no_contacts_none_sends_nothing_to_them(app, seeded):
    event = seeded["event"]
    event.digest_no_contacts = "none"
    db.session.commit()
    services.queue_digests(event)
    assert seeded["eve"].id not in {r.attendee_id for r in rows(kind="digest")}


def test_no_contacts_and_no_match_is_recorded_not_silently_dropped(app, make_event, make_attendee):
    event = make_event()
    lonely = make_attendee(event, looking_for="underwater basket weaving")
    services.queue_digests(event)
    deliver_due()
    [row] = rows(attendee_id=lonely.id)
    assert row.status == "cancelled" and row.last_error == "no contacts, and nobody with matching topics"


# ----------------------------------------------------------------------------- previews

def test_attendee_preview_shows_my_notes_in_a_sandboxed_frame(app, client, login, seeded):
    event, ana = seeded["event"], seeded["ana"]
    login(client, ana)
    page = client.get(f"/e/{event.slug}/digest/preview")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Only you see this page" in body
    assert "build systems" in body  # the plain-text version
    assert f'src="/e/{event.slug}/digest/preview/email.html"' in body
    assert "no-store" in page.headers["Cache-Control"]
    frame = client.get(f"/e/{event.slug}/digest/preview/email.html")
    assert "build systems" in frame.get_data(as_text=True)
    csp = frame.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    assert frame.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert client.get(f"/e/{event.slug}/digest/preview", follow_redirects=False).status_code == 200
    assert app.test_client().get(f"/e/{event.slug}/digest/preview").status_code in (302, 303)


def test_organizer_sees_a_sample_never_an_attendees_digest(app, client, login, seeded, make_attendee, make_event):
    event, ana = seeded["event"], seeded["ana"]
    boss = make_attendee(event, "boss@example.org", "Olga Organizer", role="organizer")
    login(client, boss)
    # The per-attendee preview is gone, whoever it would name.
    assert client.get(f"/e/{event.slug}/organizer/digests/preview/{ana.id}").status_code == 404
    assert client.get(f"/e/{event.slug}/organizer/digests/preview/{ana.id}/email.html").status_code == 404
    page = client.get(f"/e/{event.slug}/organizer/digests/sample")
    frame = client.get(f"/e/{event.slug}/organizer/digests/sample/email.html")
    assert page.status_code == frame.status_code == 200
    for text in (page.get_data(as_text=True), frame.get_data(as_text=True)):
        for real in ("build systems", "ANA-ABOUT-CLEO", "BOB-ABOUT", "Bob Builder", "Cleo Hidden", "bob@example.org",
                     "Eve Alone", "/followups/", "/calendar/", "/unsubscribe/"):
            assert real not in text, real
        assert "Amara Okafor" in text and "Sample" in text
        assert "<script>alert" not in text  # the hostile event name is escaped like any value
    # Only for organizers.
    login(client, seeded["bob"])
    assert client.get(f"/e/{event.slug}/organizer/digests/sample").status_code == 403


def test_organizer_test_send_is_the_sample_with_the_events_settings(app, app_factory, smtp_server, seeded,
                                                                     make_attendee, make_event):
    event = seeded["event"]
    boss = make_attendee(event, "boss@example.org", "Olga Organizer", role="organizer")
    row = services.send_sample_digest(event, boss)
    assert row.kind == "digest_test" and row.payload == {"variant": "contacts"}
    assert "Ana" not in row.subject and row.attendee_id == boss.id
    send_all(app_factory, smtp_server)
    [msg] = smtp_server.messages()
    assert msg["To"] == "boss@example.org" and msg["Subject"].startswith("[Sample] Sam, your 8 contacts from PyConf")
    assert "Bcc" not in msg and msg["Reply-To"] == "team@pyconf.example" and "List-Unsubscribe" not in msg
    text = msg.get_body(("plain",)).get_content()
    assert "build systems" not in text and "Bob Builder" not in text and "Amara Okafor" in text
    vcf = next(msg.iter_attachments()).get_content()
    assert "Bob Builder" not in vcf and "Amara Okafor" in vcf
    # A row queued before this change named an attendee: it is sent as the sample too.
    services.send_sample_digest(event, boss).payload = {"attendee_id": seeded["ana"].id}
    db.session.commit()
    send_all(app_factory, smtp_server)
    assert "build systems" not in smtp_server.messages()[-1].as_string()
    with pytest.raises(services.DigestError) as error:
        services.send_sample_digest(make_event(), boss)
    assert error.value.code == "other_event"
    with pytest.raises(services.DigestError) as error:
        services.send_sample_digest(event, boss, "everything")
    assert error.value.code == "unknown_variant"


# ----------------------------------------------------------------------------- organizer controls

def test_pause_holds_digests_but_not_other_mail_and_resume_sends(app, seeded):
    event = seeded["event"]
    services.queue_digests(event)
    services.pause_digests(event)
    queue_email(to="x@example.org", subject="Login", template="login_link", kind="login_link",
                context={"event": {"name": "E"}, "attendee": None, "url": "u", "code": "1", "minutes": 1})
    db.session.commit()
    report = deliver_due()
    assert report.sent == 1
    assert services.digest_status_counts(event)["pending"] == 5
    # While paused the scheduler creates nothing either.
    assert schedule.queue_due(schedule.reminder_time(event, 30)) == {}
    services.resume_digests(event)
    assert deliver_due().sent == 5
    assert services.digest_status_counts(event) == {"pending": 0, "sending": 0, "sent": 5, "failed": 0, "cancelled": 0}


def test_retry_failed_requeues_only_this_events_failed_digests(app, seeded, make_event, make_attendee):
    event = seeded["event"]
    services.queue_digests(event)
    other = make_event()
    make_attendee(other)
    services.queue_digests(other)
    db.session.execute(update(OutboxMessage).values(status="failed", attempts=12, last_error="550 no"))
    db.session.commit()
    assert [r.last_error for r in services.failed_digests(event)] == ["550 no"] * 5
    assert services.retry_failed(event) == 5
    counts = services.digest_status_counts(event)
    assert counts["pending"] == 5 and counts["failed"] == 0
    assert services.digest_status_counts(other)["failed"] == 1


def settings_form(app, event, data: dict) -> DigestSettingsForm:
    """The organizer's digest settings form as posted with `data`, validated."""
    with app.test_request_context(method="POST", data=data):
        form = DigestSettingsForm(event)
        form.validate()
    return form


def test_schedule_summary_and_settings(app, seeded):
    event = seeded["event"]
    summary = services.digest_schedule(event)
    assert summary.is_default and summary.queued_at is None and summary.recipients == 5
    assert [slot.days for slot in summary.reminders] == [30, 90]
    invalid = settings_form(app, event, {"digest_at": "tomorrow", "no_contacts": "spam",
                                         "reminder_days": "30, x", "reply_to": "not an address"})
    assert set(errors_of(invalid)) == {"digest_at", "no_contacts", "reminder_days", "reply_to"}
    valid = settings_form(app, event, {"digest_at": "2030-05-02T18:30", "no_contacts": "none",
                                       "reminder_days": "14", "reply_to": "Org@Example.org"})
    assert errors_of(valid) == {}
    services.update_digest_settings(event, valid.digest_settings())
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.local(event.digest_at).strftime("%Y-%m-%d %H:%M") == "2030-05-02 18:30"
    assert services.settings_values(event) == {"digest_at": "2030-05-02T18:30", "no_contacts": "none",
                                               "reminder_days": "14", "reply_to": "Org@example.org"}
    services.queue_digests(event)
    summary = services.digest_schedule(event)
    assert summary.queued_count == 4 and summary.queued_at is not None and summary.counts["pending"] == 4


# ----------------------------------------------------------------------------- keep in touch

def test_mark_done_link_asks_on_get_and_marks_on_post(app, client, seeded):
    event, ana_bob = seeded["event"], seeded["ana_bob"]
    token = tokens.make_token("followup-done", ana_bob.id, seeded["ana"].id)
    url = f"/e/{event.slug}/followups/{token}/done"
    page = client.get(url)
    assert page.status_code == 200 and "Mark your follow-up with Bob Builder done?" in page.get_data(as_text=True)
    assert db.session.get(Connection, ana_bob.id).followup_done_at is None
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    done = client.post(url, data={"csrf_token": csrf})
    assert done.status_code == 200 and "marked done" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Connection, ana_bob.id).followup_done_at is not None
    # Someone else's connection id under Ana's signature, or another purpose's token: 404.
    forged = tokens.make_token("followup-done", seeded["bob_ana"].id, seeded["ana"].id)
    assert client.get(f"/e/{event.slug}/followups/{forged}/done").status_code == 404
    calendar = tokens.make_token("calendar", ana_bob.id, seeded["ana"].id)
    assert client.get(f"/e/{event.slug}/followups/{calendar}/done").status_code == 404


def test_mark_done_link_expires(app, client, seeded, monkeypatch):
    token = tokens.make_token("followup-done", seeded["ana_bob"].id, seeded["ana"].id)
    salt, _ = tokens.PURPOSES["followup-done"]
    monkeypatch.setitem(tokens.PURPOSES, "followup-done", (salt, -1))
    page = client.get(f"/e/{seeded['event'].slug}/followups/{token}/done")
    assert page.status_code == 410 and "expired" in page.get_data(as_text=True)


def test_contact_page_toggle_marks_done_and_reopens(app, client, login, seeded):
    event, ana, ana_bob = seeded["event"], seeded["ana"], seeded["ana_bob"]
    login(client, ana)
    url = f"/e/{event.slug}/contacts/{ana_bob.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Mark follow-up done" in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    toggle = f"/e/{event.slug}/contacts/{ana_bob.id}/followup"
    fragment = client.post(toggle, data={"csrf_token": csrf, "done": "1"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert 'id="followup-' in body and "Follow-up done" in body
    assert "<html" not in body
    plain = client.post(toggle, data={"csrf_token": csrf, "done": "0"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(url)
    db.session.expire_all()
    assert db.session.get(Connection, ana_bob.id).followup_done_at is None
    # Another attendee's connection id: 404.
    assert client.post(f"/e/{event.slug}/contacts/{seeded['bob_ana'].id}/followup",
                       data={"csrf_token": csrf, "done": "1"}).status_code == 404


def test_coffee_calendar_file_is_rfc5545_and_leaks_no_unshared_address(app, client, login, seeded):
    event, ana = seeded["event"], seeded["ana"]
    note(db.session.get(Connection, seeded["ana_bob"].id), "Coffee; talk about builds, caching\nand more", intent="coffee")
    for connection_id, address in ((seeded["ana_bob"].id, "bob@example.org"), (seeded["ana_cleo"].id, None)):
        token = tokens.make_token("calendar", connection_id, ana.id)
        response = client.get(f"/e/{event.slug}/calendar/{token}.ics")
        assert response.status_code == 200 and response.mimetype == "text/calendar"
        raw = response.get_data(as_text=True)
        assert raw.endswith("\r\n") and "\n" not in raw.replace("\r\n", "")
        assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
        calendar = vobject.readOne(raw)
        vevent = calendar.vevent
        assert vevent.uid.value.endswith("@eventnet.test") and vevent.dtstamp.value.tzinfo is not None
        assert vevent.dtstart.value < vevent.dtend.value
        attendees = [a.value for a in vevent.contents.get("attendee", [])]
        assert attendees == ([f"mailto:{address}"] if address else [])
        assert "cleo@example.org" not in raw
    login(client, ana)
    assert client.get(f"/e/{event.slug}/contacts/{seeded['ana_cleo'].id}/coffee.ics").status_code == 200
    assert client.get(f"/e/{event.slug}/contacts/{seeded['bob_ana'].id}/coffee.ics").status_code == 404


def test_no_calendar_file_carries_the_note_only_where_we_met_and_a_link(app, client, login, seeded):
    """A calendar syncs to phones and shared calendars: the note stays in the app."""
    event, ana, ana_bob = seeded["event"], seeded["ana"], seeded["ana_bob"]
    event.venue = "Hall A"
    note(db.session.get(Connection, ana_bob.id), "PRIVATE-NOTE-7f3 about Bob; his salary, his boss", intent="coffee",
         tags=["PRIVATE-TAG-7f3"])
    token = tokens.make_token("calendar", ana_bob.id, ana.id)
    signed = client.get(f"/e/{event.slug}/calendar/{token}.ics").get_data(as_text=True)
    login(client, ana)
    in_app = client.get(f"/e/{event.slug}/contacts/{ana_bob.id}/coffee.ics").get_data(as_text=True)
    contact_url = f"http://eventnet.test/e/{event.slug}/contacts/{ana_bob.id}"
    for raw in (signed, in_app):
        unfolded = raw.replace("\r\n ", "")
        assert "PRIVATE" not in unfolded and "salary" not in unfolded
        vevent = vobject.readOne(raw).vevent
        description = vevent.description.value
        assert description.startswith("You met Bob Builder at PyConf Bcc: evil@example.org (Hall A) on ")
        assert description.endswith(f"Your note and follow-up: {contact_url}")
        assert vevent.url.value == contact_url
        assert vevent.summary.value == "Coffee with Bob Builder" and vevent.status.value == "TENTATIVE"
        # The same entry on every download (a calendar updates it rather than adding a second).
        assert vevent.uid.value == vobject.readOne(signed).vevent.uid.value
        assert vevent.attendee.value == "mailto:bob@example.org" and vevent.attendee.params["RSVP"] == ["FALSE"]


def test_calendar_link_lives_as_long_as_the_follow_up_not_400_days(app, client, seeded, monkeypatch):
    from itsdangerous.timed import TimestampSigner

    event, ana, ana_bob = seeded["event"], seeded["ana"], seeded["ana_bob"]
    note(db.session.get(Connection, ana_bob.id), "", intent="coffee")
    now = int(time.time())

    def link_made(days_ago: int) -> str:
        with monkeypatch.context() as patch:
            patch.setattr(TimestampSigner, "get_timestamp", lambda self: now - days_ago * 86400)
            return f"/e/{event.slug}/calendar/{tokens.make_token('calendar', ana_bob.id, ana.id)}.ics"

    assert client.get(link_made(119)).status_code == 200
    expired = client.get(link_made(121))
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)


def test_attendee_settings_page_turns_reminders_off(app, client, login, seeded):
    event, ana = seeded["event"], seeded["ana"]
    login(client, ana)
    page = client.get(f"/e/{event.slug}/digest").get_data(as_text=True)
    assert "Send me the follow-up email" in page and "Remind me of open follow-ups" in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    saved = client.post(f"/e/{event.slug}/digest", data={"csrf_token": csrf, "digest": ["0", "1"], "reminders": "0"})
    assert saved.status_code == 303
    db.session.expire_all()
    preference = db.session.get(MailPreference, ana.id)
    assert preference.followups_off is False and preference.reminders_off is True
    assert services.queue_reminders(event, 30) == 0
    assert services.queue_digests(event) == 5


# ----------------------------------------------------------------------------- CLI and worker

def test_digests_cli_run_status_and_queue(app, runner, seeded):
    event = seeded["event"]
    event.digest_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = runner.invoke(args=["digests", "run"])
    assert result.exit_code == 0, result.output
    assert f"queued 5 for {event.slug} digest" in result.output and "sent 5" in result.output
    again = runner.invoke(args=["digests", "run"])
    assert "no digest or reminder is due" in again.output and "sent 0" in again.output
    status = runner.invoke(args=["digests", "status", event.slug])
    assert status.exit_code == 0 and "5 sent" in status.output and "reminder after 30 days" in status.output
    assert runner.invoke(args=["digests", "queue", event.slug]).output.strip() == f"queued 0 digests for {event.slug}"
    assert runner.invoke(args=["digests", "status", "nope"]).exit_code != 0
    assert "cron" in runner.invoke(args=["digests", "run", "--help"]).output


def test_mail_send_also_creates_due_digests(app, runner, seeded):
    seeded["event"].digest_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert "sent 5" in result.output and "digests and reminders" in runner.invoke(args=["mail", "worker", "--help"]).output


def test_mailto_and_unsubscribe_urls_carry_no_line_breaks(app, seeded):
    from eventnet.digests.build import build_digest

    digest = build_digest(db.session.get(Attendee, seeded["ana"].id))
    for entry in digest.entries:
        if entry.reach:
            assert "\n" not in entry.reach.url and "\r" not in entry.reach.url
            assert "\r\n" not in unquote(entry.reach.url.split("body=")[0])
    assert "\n" not in digest.subject and "\r" not in digest.subject


def test_the_procfile_worker_creates_due_digests_and_sends_them(app, seeded):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    seeded["event"].digest_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    env = {**os.environ, "FLASK_APP": "wsgi", "EVENTNET_ENV": "testing", "PYTHONUNBUFFERED": "1",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "MAILBOX_PATH": app.config["MAILBOX_PATH"],
           "BASE_URL": app.config["BASE_URL"]}
    procfile = (Path(__file__).resolve().parent.parent / "Procfile").read_text()
    # The worker compiles the catalogs first (emails go out in each recipient's language).
    assert "worker: python scripts/i18n.py compile && exec flask mail worker" in procfile
    worker = subprocess.Popen([sys.executable, "-m", "flask", "mail", "worker", "--interval", "0.1"],
                              cwd=Path(__file__).resolve().parent.parent, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and {r.status for r in rows(kind="digest")} != {"sent"}:
            db.session.commit()
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert f"queued 5 for {seeded['event'].slug} digest" in out, err
    assert [r.status for r in rows(kind="digest")] == ["sent"] * 5


@pytest.mark.browser
def test_digest_html_reads_on_a_phone_in_light_and_dark(app, seeded, phone):
    from eventnet.digests.build import build_digest, render

    _, html = render(build_digest(db.session.get(Attendee, seeded["ana"].id)))
    for scheme, background in (("light", "rgb(246, 247, 249)"), ("dark", "rgb(15, 17, 21)")):
        phone.emulate_media(color_scheme=scheme)
        phone.set_content(html)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        assert phone.evaluate("getComputedStyle(document.body).backgroundColor") == background
        name = phone.locator("p", has_text="Bob Builder").first
        color = name.evaluate("e => getComputedStyle(e).color")
        assert color == ("rgb(17, 20, 24)" if scheme == "light" else "rgb(232, 234, 238)")
        assert phone.get_by_role("link", name="Write to Bob Builder").is_visible()
        assert phone.evaluate("document.scripts.length") == 0 and phone.evaluate("document.images.length") == 0


def test_a_digest_of_150_contacts_with_long_notes_fits_under_gmails_clipping(app, make_event, make_attendee):
    """Gmail clips HTML past about 102 KB, unsubscribe link and all: the HTML stays under 90 KB."""
    from eventnet.digests.build import HTML_BUDGET, as_email, build_digest, render

    event = make_event(slug="big", ends=datetime.now(timezone.utc) - timedelta(hours=1))
    me = make_attendee(event, email="me@example.org", name="Mia Many")
    people = [make_attendee(event, email=f"p{n}@example.org", name=f"Person {n:03d}", company=f"Company {n}",
                            shared_fields=["company", "email", "headline"]) for n in range(150)]
    started = utcnow() - timedelta(hours=10)
    for n, person in enumerate(people):
        mine, _ = connect(me, person)
        mine.created_at = started + timedelta(minutes=n)  # Person 149 met last
        note(mine, f"Talked about {n}: " + "a long and careful note about what we discussed " * 20,
             starred=n in (3, 77), intent="coffee" if n == 10 else "none")
    db.session.commit()
    digest = build_digest(me)
    text, html = render(digest)
    assert len(html.encode()) < HTML_BUDGET <= 90_000
    # What needs doing comes first in full, then the freshest; everyone else one line each.
    full = [e.name for e in digest.entries if not e.compact]
    compact = [e.name for e in digest.entries if e.compact]
    assert full[:3] == ["Person 077", "Person 003", "Person 010"]
    assert full[3:5] == ["Person 149", "Person 148"] and len(full) >= 10
    assert len(full) + len(compact) == 150 and compact
    assert "Everyone else you met" in html
    for name in ("Person 000", "Person 149", "Person 077"):
        assert name in html
    assert "Unsubscribe" in html[-3000:]
    # The text part and the contacts file keep everyone whole, with their notes.
    assert text.count("a long and careful note") >= 150 * 20
    cards = list(vobject.readComponents(digest.vcf))
    assert len(cards) == 150 and all("long and careful" in card.note.value for card in cards)
    table = outlook_table(digest.outlook_csv)
    assert len(table) == 150 and all("long and careful" in row["Notes"] for row in table)
    # Attachments do not count toward Gmail's clipping, but the whole message stays small: with
    # the CSV beside the .vcf (about 160 KB and 180 KB here) it is under 1 MB as sent, far under
    # any mail size limit.
    message = EmailMessage()
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for attachment in as_email(digest, {}).attachments:
        data = attachment.data.encode() if isinstance(attachment.data, str) else attachment.data
        message.add_attachment(data, maintype="text", subtype=attachment.content_type.split("/")[1],
                               filename=attachment.filename, params={"charset": "utf-8"})
    assert len(message.as_bytes()) < 1_000_000


def test_the_digest_attachments_carry_names_in_every_script(app, make_event, make_attendee):
    """The .vcf and the Outlook CSV of a digest: each person's N parts, FN, ORG, EMAIL, NOTE, tags."""
    from test_vcard import assert_charset_where_not_ascii
    from world_names import PEOPLE, n_parts

    from eventnet.digests.build import as_email, build_digest

    event = make_event(slug="world", name="Konferenz Köln", ends=datetime.now(timezone.utc) - timedelta(hours=1))
    me = make_attendee(event, email="me@example.org", name="Mia Many")
    for person in PEOPLE:
        contact = make_attendee(event, email=person.email, name=person.name, company=person.company, **person.parts)
        mine, _ = connect(me, contact)
        note(mine, person.note, tags=person.tags)
    digest = build_digest(me)
    assert_charset_where_not_ascii(digest.vcf)
    cards = {card.email.value: card for card in vobject.readComponents(digest.vcf)}
    table = {row["E-mail Address"]: row for row in outlook_table(digest.outlook_csv)}
    for person in PEOPLE:
        card, row = cards[person.email], table[person.email]
        assert card.fn.value == person.name and n_parts(card) == person.n, person.key
        assert card.org.value == [person.company] and card.categories.value == person.tags
        assert card.note.value == f"{person.note}\n\nMet at Konferenz Köln."
        family, given, additional, prefix, suffix = person.n
        assert (row["Title"], row["First Name"], row["Middle Name"], row["Last Name"], row["Suffix"]) == (
            prefix, given, additional, family, suffix)
        assert row["Company"] == person.company and row["Notes"] == card.note.value
        assert row["Categories"] == ";".join(person.tags)
    names = [attachment.filename for attachment in as_email(digest, {}).attachments]
    assert names == ["contacts-world.vcf", "contacts-world-outlook-google.csv"]


def test_a_digest_of_one_contact_attaches_only_the_vcard(app, make_event, make_attendee):
    """Outlook imports a one-card .vcf whole: no CSV beside it."""
    from eventnet.digests.build import as_email, build_digest, render

    event = make_event(slug="one", ends=datetime.now(timezone.utc) - timedelta(hours=1))
    me = make_attendee(event, email="me@example.org", name="Mia One")
    connect(me, make_attendee(event, email="jo@example.org", name="Jürgen Müller"))
    digest = build_digest(me)
    assert digest.vcf and digest.outlook_csv is None
    assert [a.filename for a in as_email(digest, {}).attachments] == ["contacts-one.vcf"]
    text, html = render(digest)
    assert "Outlook" not in text and "Outlook" not in html


def test_a_small_digest_stays_whole(app, seeded):
    from eventnet.digests.build import build_digest, render

    digest = build_digest(seeded["ana"])
    _, html = render(digest)
    assert digest.entries and not any(e.compact for e in digest.entries)
    assert "Everyone else you met" not in html


def test_a_long_digest_reads_well_on_a_phone(app, make_event, make_attendee, browser):
    """The full entries, then the one-line list, at 360 px: what a reader sees where they meet."""
    from conftest import screenshot

    from eventnet.digests.build import build_digest, render

    event = make_event(slug="long", ends=datetime.now(timezone.utc) - timedelta(hours=1))
    me = make_attendee(event, email="me@example.org", name="Mia Many")
    for n in range(60):
        mine, _ = connect(me, make_attendee(event, email=f"q{n}@example.org", name=f"Quinn Person {n:02d}",
                                            company=f"Company {n}", shared_fields=["company"]))
        note(mine, "We talked about data pipelines and the conference dinner. " * 25)
    _, html = render(build_digest(me))
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_content(html)
    # The top says which attached file is for phones and which for Outlook on Windows.
    assert page.get_by_text("In Outlook on Windows, import contacts-long-outlook-google.csv instead").is_visible()
    screenshot(page, "digest-top-attachments-360", full_page=False)
    heading = page.get_by_text("Everyone else you met")
    heading.scroll_into_view_if_needed()
    screenshot(page, "digest-long-compact-list-360", full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()

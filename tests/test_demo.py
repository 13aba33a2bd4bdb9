"""`flask demo seed`: a running demo event, seeded again without duplicates."""
import re
from datetime import timedelta

from eventnet.attendees.models import Attendee
from eventnet.connections.models import INTENTS
from eventnet.database import utcnow
from eventnet.demo import data
from eventnet.demo.services import seed_demo
from eventnet.events.models import Event
from eventnet.extensions import db


def counts():
    return (
        db.session.execute(db.select(db.func.count(Event.id))).scalar_one(),
        db.session.execute(db.select(db.func.count(Attendee.id))).scalar_one(),
        db.session.execute(db.select(db.func.count(Attendee.id)).filter_by(role="organizer")).scalar_one(),
    )


def test_seed_twice_gives_the_same_counts(runner, app):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    after_first = counts()
    assert after_first == (1, len(data.PEOPLE), 1)
    assert len(data.PEOPLE) >= 24
    assert f"({len(data.PEOPLE)} people: {len(data.PEOPLE)} created, 0 updated)" in first.output

    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert counts() == after_first
    assert f"Refreshed 'Demo Conference 2026'" in second.output
    assert f"0 created, {len(data.PEOPLE)} updated" in second.output


def test_seed_prints_logins_mailbox_and_a_badge_to_scan(runner, app):
    result = runner.invoke(args=["demo", "seed"])
    base = app.config["BASE_URL"]
    out = result.output
    assert "Log in as the attendee Ada Nwosu <ada@demo.example>:" in out
    assert "Log in as the organizer Maren Lindqvist <organizer@demo.example>:" in out
    assert len(re.findall(rf"^  {re.escape(base)}/\S+$", out, re.M)) == 2
    assert len(re.findall(r"^  code \S+$", out, re.M)) == 2
    assert f"{base}/dev/mail/" in out
    kenji = db.session.execute(db.select(Attendee).filter_by(email_key=data.SCAN_TARGET_EMAIL)).scalar_one()
    assert f"{base}/b/{kenji.badge_token}" in out


def test_demo_login_link_works_for_the_organizer(runner, app):
    out = runner.invoke(args=["demo", "seed"]).output
    url = re.search(r"organizer@demo.example>:\n  (\S+)", out).group(1)
    client = app.test_client()
    path = url.removeprefix(app.config["BASE_URL"])
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    action = re.search(r'<form[^>]*method="post"[^>]*action="([^"]+)"', html)
    client.post(action.group(1) if action else path, data={"csrf_token": token})
    page = client.get("/e/demo/organizer/attendees")
    assert page.status_code == 200
    assert "Zeynep Yılmaz" in page.get_data(as_text=True)


def test_demo_event_is_running_now_and_people_are_varied(app):
    seed = seed_demo()
    now = utcnow()
    event = seed.event
    assert event.starts_at < now - timedelta(hours=2)
    assert event.ends_at > now + timedelta(hours=12)
    assert event.timezone == "Europe/Amsterdam" and event.venue
    everyone = list(seed.people.values())
    assert len({tuple(a.shared_fields) for a in everyone}) >= 3
    assert sum(1 for a in everyone if a.profile_updated_at is None) == 3
    assert all(a.email.endswith("@demo.example") for a in everyone)
    assert all(not a.linkedin or a.linkedin.startswith("https://www.linkedin.com/in/") for a in everyone)
    for link in (a.website for a in everyone if a.website):
        assert re.match(r"https://[a-z.-]+\.example\.(org|com)(/|$)", link), link
    # Topics overlap: someone can help with what another is looking for.
    offers = {t.strip() for a in everyone for t in a.can_help_with.split(",") if t.strip()}
    wants = {t.strip() for a in everyone for t in a.looking_for.split(",") if t.strip()}
    assert len(offers & wants) >= 5


def test_seed_refreshes_what_people_changed_and_keeps_badges(app):
    seed = seed_demo()
    ada = seed.people[data.ATTENDEE_EMAIL]
    token = ada.badge_token
    ada.headline = "changed"
    seed.event.ends_at = utcnow() - timedelta(days=3)
    db.session.commit()
    again = seed_demo()
    assert again.people[data.ATTENDEE_EMAIL].headline == "Staff data engineer"
    assert again.people[data.ATTENDEE_EMAIL].badge_token == token
    assert again.event.ends_at > utcnow()


def test_exchange_data_names_only_demo_people():
    emails = {p["email"] for p in data.PEOPLE}
    assert len(emails) == len(data.PEOPLE)
    for exchange in data.EXCHANGES:
        assert exchange["scanner"] in emails and exchange["scanned"] in emails
        assert exchange["scanner"] != exchange["scanned"]
        assert exchange["intent"] in INTENTS


def test_seed_exchanges_cards_with_notes_once(app):
    from eventnet.connections.models import Connection

    seed_demo()
    seed_demo()  # a second run replays the same scans: nothing doubles
    rows = db.session.execute(db.select(Connection)).scalars().all()
    pairs = {frozenset((e["scanner"], e["scanned"])) for e in data.EXCHANGES}
    # and the pairs a demo introduction connected (both accepted)
    pairs |= {frozenset((i["a"], i["b"])) for i in data.INTRODUCTIONS if i["accepted"]}
    assert len(rows) == 2 * len(pairs)  # one row per side of each pair, however often scanned
    ada = db.session.execute(db.select(Attendee).filter_by(email_key=data.ATTENDEE_EMAIL)).scalar_one()
    notes = {row.note for row in rows if row.owner_id == ada.id and row.note}
    assert "Hiring two backend engineers, remote OK. Send him my CV by Friday." in notes



def test_the_demo_shows_promises_and_the_notes_parts(app):
    """The demo attendee's note about Lukas says "Send him my CV by Friday", and the promise is
    tracked, due after the event: her digest counts it and "My promises" lists it."""
    from eventnet.connections.models import Connection
    from eventnet.digests.build import build_digest, render
    from eventnet.promises.models import Promise

    seed_demo()
    seed_demo()  # tracked once, however often seeded
    ada = db.session.execute(db.select(Attendee).filter_by(email_key=data.ATTENDEE_EMAIL)).scalar_one()
    promises = db.session.execute(db.select(Promise).filter_by(owner_id=ada.id)).scalars().all()
    assert [(p.text, p.due_on is not None, p.done_at) for p in promises] == [("Send him my CV by Friday", True, None)]
    parts = db.session.execute(db.select(Connection.works_on, Connection.needs).where(
        Connection.owner_id == ada.id, Connection.works_on != "")).one()
    assert tuple(parts) == ("Solar forecasting with gradient boosting", "Feedback on their feature store")
    digest = build_digest(ada)
    # The tracked one, and one written in the note about Mateo and never tracked.
    assert digest.promises_open == 2
    text, html = render(digest)
    assert "No promise left open" not in html
    assert "You promised: I'll share our notes on offline sync (from your note)" in text


def test_the_organizers_follow_through_figures_have_enough_people_to_show(app):
    """The demo shows the organizer's aggregates, which hide groups under five people."""
    from eventnet.followthrough.services import event_followthrough

    seed_demo()
    figures = event_followthrough(seed_demo().event)  # twice: nothing doubles
    assert (figures.followed_up.part, figures.followed_up.whole) == (3, 10)
    assert (figures.promises_kept.part, figures.promises_kept.whole) == (2, 6)
    assert figures.mutual_pairs.part == 3

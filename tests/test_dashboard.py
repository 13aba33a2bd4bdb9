"""The live dashboard against a seeded event: every number, the hour buckets in the event's zone."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from eventnet.connections.models import Connection
from eventnet.database import utcnow
from eventnet.extensions import db
from eventnet.mail.models import OutboxMessage
from eventnet.organizer.dashboard import build_dashboard

HX = {"HX-Request": "true"}


def exchange(event, a, b, at, intent="none", done=False):
    """One exchange as the scan service stores it: a row for each side, the scanner's initiated."""
    for owner, contact, initiated in ((a, b, True), (b, a, False)):
        db.session.add(Connection(event_id=event.id, owner_id=owner.id, contact_id=contact.id, initiated=initiated,
                                  created_at=at, note="SECRET NOTE TEXT" if initiated else "", tags=[],
                                  starred=False, intent=intent if initiated else "none",
                                  followup_done_at=at + timedelta(days=1) if done and initiated else None))


def outbox(event, status, error=None, kind="digest"):
    db.session.add(OutboxMessage(event_id=event.id, kind=kind, to_addr="x@example.org", subject="s", text_body="",
                                 html_body="", headers={}, message_id=f"<{status}{utcnow().timestamp()}@x>",
                                 status=status, last_error=error))


@pytest.fixture
def seeded(make_event, make_attendee):
    """Ten attendees in Kolkata (UTC+05:30), four of whom exchanged cards at known times."""
    event = make_event(slug="live", timezone="Asia/Kolkata",
                       starts=datetime(2026, 3, 10, 3, 30, tzinfo=timezone.utc),
                       ends=datetime(2026, 3, 10, 12, 30, tzinfo=timezone.utc))
    organizer = make_attendee(event, email="org@example.org", name="Org", role="organizer",
                              last_login_at=utcnow())
    people = [make_attendee(event, name=f"P{i}") for i in range(9)]
    for p in people[:5]:
        p.last_login_at = utcnow()
    a, b, c, d = people[:4]
    # 09:00-09:59 local is 03:30-04:29 UTC: three exchanges; 11:00 local (05:30 UTC): one; 12:00: none;
    # 13:00 local (07:30 UTC): two.
    exchange(event, a, b, datetime(2026, 3, 10, 3, 30, tzinfo=timezone.utc), intent="coffee", done=True)
    exchange(event, a, c, datetime(2026, 3, 10, 4, 10, tzinfo=timezone.utc), intent="send")
    exchange(event, b, c, datetime(2026, 3, 10, 4, 29, 59, tzinfo=timezone.utc))
    exchange(event, d, a, datetime(2026, 3, 10, 5, 45, tzinfo=timezone.utc), intent="intro", done=True)
    exchange(event, c, d, datetime(2026, 3, 10, 7, 30, tzinfo=timezone.utc))
    exchange(event, b, d, datetime(2026, 3, 10, 8, 29, tzinfo=timezone.utc))
    for status, error in (("sent", None), ("sent", None), ("pending", None), ("sending", None),
                          ("failed", "550 mailbox unavailable"), ("failed", "550 mailbox unavailable"),
                          ("failed", "552 quota exceeded")):
        outbox(event, status, error)
    outbox(event, "failed", "not a digest", kind="login_link")  # other kinds are not counted
    db.session.commit()
    return event, organizer


def test_numbers_match_the_seed(seeded):
    event, _ = seeded
    board = build_dashboard(event)
    assert (board.attendees, board.logged_in, board.exchanged, board.exchanges) == (10, 6, 4, 6)
    assert board.exchanged_share == 40 and board.logged_in_share == 60
    hours = [(h.start.strftime("%H:%M"), h.count) for h in board.hours]
    assert hours == [("09:00", 3), ("10:00", 0), ("11:00", 1), ("12:00", 0), ("13:00", 2)]
    assert all(h.start.utcoffset() == timedelta(hours=5, minutes=30) for h in board.hours)
    assert [(h.label, h.count) for h in board.busiest] == [("Tue 09:00", 3), ("Tue 13:00", 2), ("Tue 11:00", 1)]
    assert board.digests == {"sent": 2, "pending": 1, "sending": 1, "failed": 3}
    assert board.digest_reasons == [("550 mailbox unavailable", 2), ("552 quota exceeded", 1)]
    # Two people planned follow-ups: too few to show what they did (followthrough's MIN_GROUP).
    assert board.followthrough.followed_up.group == 2 and not board.followthrough.followed_up.shown


def test_whole_hour_zone_and_an_empty_event(make_event, make_attendee):
    event = make_event(slug="berlin", timezone="Europe/Berlin")
    a, b, c = make_attendee(event), make_attendee(event), make_attendee(event)
    assert build_dashboard(event).hours == []
    exchange(event, a, b, datetime(2026, 7, 1, 6, 59, tzinfo=timezone.utc))  # 08:59 CEST
    exchange(event, c, a, datetime(2026, 7, 1, 7, 0, tzinfo=timezone.utc))   # 09:00 CEST
    db.session.commit()
    hours = [(h.start.strftime("%H:%M"), h.count) for h in build_dashboard(event).hours]
    assert hours == [("08:00", 1), ("09:00", 1)]


def test_page_fragment_chart_and_table(client, login, seeded):
    event, organizer = seeded
    login(client, organizer)
    page = client.get("/e/live/organizer/").get_data(as_text=True)
    assert 'hx-trigger="every 20s"' in page and 'hx-get="/e/live/organizer/live"' in page
    assert re.search(r'data-stat="attendees">10<', page) and re.search(r'data-stat="logged-in">6<', page)
    assert re.search(r'data-stat="exchanged-share">40%<', page) and re.search(r'data-stat="exchanges">6<', page)
    assert re.search(r'data-stat="digests-sent">2<', page) and re.search(r'data-stat="digests-pending">2<', page)
    assert re.search(r'data-stat="digests-failed">3<', page) and re.search(r'data-stat="followed-up" class="muted">–<', page)
    assert "550 mailbox unavailable (2)" in page
    # an accessible SVG: role, title and description, and the same numbers as a table
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="chart-title chart-desc"' in svg
    assert '<title id="chart-title">' in svg and "<desc id=\"chart-desc\">6 exchanges" in svg
    assert svg.count('class="chart-bar"') == 5 and "style=" not in svg  # the CSP allows no inline styles
    assert '<td data-hour="2026-03-10T09">3</td>' in page and '<td data-hour="2026-03-10T13">2</td>' in page
    assert "SECRET NOTE TEXT" not in page  # aggregates only

    fragment = client.get("/e/live/organizer/live", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and 'id="dashboard-live"' in html
    assert 'data-stat="exchanges">6<' in html


def test_the_fragment_follows_new_exchanges(client, login, seeded):
    event, organizer = seeded
    login(client, organizer)
    from eventnet.attendees.models import Attendee

    a, b = db.session.execute(db.select(Attendee).where(Attendee.event_id == event.id, Attendee.name.in_(["P7", "P8"]))).scalars()
    exchange(event, a, b, datetime(2026, 3, 10, 7, 45, tzinfo=timezone.utc))
    db.session.commit()
    html = client.get("/e/live/organizer/live", headers=HX).get_data(as_text=True)
    assert 'data-stat="exchanges">7<' in html and 'data-stat="exchanged-share">60%<' in html

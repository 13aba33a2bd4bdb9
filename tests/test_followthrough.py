"""Follow-through (issue 14, item 6): "My follow-ups" shows an attendee's own promises, intents
and mutual keep-in-touch pairs; organizers see aggregates only, never for fewer than 5 people."""
from __future__ import annotations

import html
import re
import uuid

import pytest

from eventnet.connections import keep_in_touch
from eventnet.connections.services import record_scan
from eventnet.database import utcnow
from eventnet.extensions import db
from eventnet.followthrough.services import MIN_GROUP, event_followthrough
from eventnet.promises.models import Promise
from eventnet.promises.services import set_done, track


def _scan(a, b) -> tuple:
    """An exchange through the real scan path; (a's row, b's row)."""
    from eventnet.connections.services import connection_between

    record_scan(a, b.badge_token, str(uuid.uuid4()), None)
    db.session.commit()
    return connection_between(a, b), connection_between(b, a)


@pytest.fixture
def ana_world(client, login, make_event, make_attendee):
    event = make_event(slug="ft", name="Rail Data Summit")
    ana = make_attendee(event, "ana@example.org", "Ana Nwosu")
    bo, cy, di = (make_attendee(event, f"{n.lower()}@example.org", f"{n} Person") for n in ("Bo", "Cy", "Di"))
    ana_bo, bo_ana = _scan(ana, bo)
    ana_cy, cy_ana = _scan(ana, cy)
    ana_di, di_ana = _scan(ana, di)
    ana_bo.intent, ana_cy.intent, ana_cy.followup_done_at = "coffee", "job", utcnow()
    bo_ana.intent, bo_ana.note = "mentor", "BO-PRIVATE-NOTE"
    db.session.commit()
    track(ana_bo, "Send the slides on offline sync")
    done = track(ana_cy, "Intro to the hiring lead")
    set_done(done)
    track(bo_ana, "BO-PROMISE-TO-ANA")
    keep_in_touch.mark(ana_bo, True)
    keep_in_touch.mark(bo_ana, True)      # mutual with Bo
    keep_in_touch.mark(ana_di, True)      # one-sided: Di never marked
    keep_in_touch.mark(cy_ana, True)      # one-sided the other way: Cy marked, Ana did not
    login(client, ana)
    return client, event


def test_my_follow_ups_lists_my_promises_intents_and_mutual_pairs_only(ana_world):
    client, _ = ana_world
    response = client.get("/e/ft/me/follow-ups")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    page = html.unescape(response.get_data(as_text=True))
    assert "1 open: your digest and reminders chase it" in page
    assert page.index("Send the slides on offline sync") < page.index("Intro to the hiring lead")  # open first
    assert "Meet for coffee" in page and "Hire / job lead" in page and "done" in page
    keep = page[page.index('id="fu-kit-h"'):]
    assert "Bo Person" in keep and "Di Person" not in keep and "Cy Person" not in keep
    # Nothing of anyone else's: Bo's note, promise and intent toward Ana stay Bo's.
    assert "BO-PRIVATE-NOTE" not in page and "BO-PROMISE-TO-ANA" not in page and "Mentor" not in page


def test_an_empty_page_says_where_follow_ups_come_from(client, login, make_event, make_attendee):
    event = make_event(slug="empty")
    login(client, make_attendee(event, "new@example.org", "New Comer"))
    page = html.unescape(client.get("/e/empty/me/follow-ups").get_data(as_text=True))
    assert "Nothing to follow up yet." in page and "No promises." in page


def test_logged_out_it_asks_for_a_login(app, make_event):
    make_event(slug="ft")
    response = app.test_client().get("/e/ft/me/follow-ups")
    assert response.status_code in (302, 303) and "/e/ft/login" in response.headers["Location"]


def _people(make_attendee, event, n, prefix):
    return [make_attendee(event, f"{prefix}{i}@example.org", f"{prefix.title()} {i}") for i in range(n)]


def test_organizer_figures_hide_under_five_people_and_show_from_five(make_event, make_attendee):
    event = make_event(slug="agg")
    hub = make_attendee(event, "hub@example.org", "Hub Person")
    people = _people(make_attendee, event, MIN_GROUP, "p")
    rows = [_scan(person, hub)[0] for person in people]
    # Four people planned a follow-up, one of them did it: hidden.
    for row in rows[:4]:
        row.intent = "coffee"
    rows[0].followup_done_at = utcnow()
    db.session.commit()
    figures = event_followthrough(event)
    assert figures.followed_up.group == 4 and not figures.followed_up.shown and figures.followed_up.part is None
    # The fifth person plans one and keeps a promise instead: five people, two of whom followed up.
    track(rows[4], "Send the deck")
    set_done(db.session.execute(db.select(Promise)).scalar_one())
    figures = event_followthrough(event)
    assert figures.followed_up.shown and (figures.followed_up.part, figures.followed_up.whole) == (2, 5)
    assert figures.followed_up.percent == 40
    # One person's promises: hidden however many there are.
    assert figures.promises_kept.group == 1 and not figures.promises_kept.shown
    # Mutual pairs: two pairs are four people (hidden), three pairs six (shown).
    for row in rows[:2]:
        keep_in_touch.mark(row, True)
    for reverse in db.session.execute(db.select(type(rows[0])).filter_by(owner_id=hub.id)).scalars().all()[:3]:
        keep_in_touch.mark(reverse, True)
    assert not event_followthrough(event).mutual_pairs.shown
    keep_in_touch.mark(rows[2], True)
    pairs = event_followthrough(event).mutual_pairs
    assert pairs.shown and pairs.part == 3


def test_promises_kept_shows_from_five_people_who_promised(make_event, make_attendee):
    event = make_event(slug="kept")
    hub = make_attendee(event, "hub@example.org", "Hub")
    rows = [_scan(person, hub)[0] for person in _people(make_attendee, event, 5, "q")]
    promises = [track(row, f"Promise {i}") for i, row in enumerate(rows)] + [track(rows[0], "Another")]
    for promise in promises[:3]:
        set_done(promise)
    kept = event_followthrough(event).promises_kept
    assert kept.shown and (kept.part, kept.whole, kept.percent) == (3, 6, 50)


def test_the_dashboard_shows_the_figures_or_why_not(client, login, make_event, make_attendee):
    event = make_event(slug="dash")
    organizer = make_attendee(event, "org@example.org", "Org", role="organizer")
    hub = make_attendee(event, "hub@example.org", "Hub")
    rows = [_scan(person, hub)[0] for person in _people(make_attendee, event, 5, "r")]
    for row in rows:
        row.intent = "send"
    rows[0].followup_done_at = utcnow()
    db.session.commit()
    login(client, organizer)
    page = html.unescape(client.get("/e/dash/organizer/").get_data(as_text=True))
    assert re.search(r'data-stat="followed-up">20%<', page) and "1 of 5 with a follow-up or promise" in page
    assert re.search(r'data-stat="promises-kept" class="muted">–<', page)
    assert page.count("Not shown for fewer than 5 people") == 2

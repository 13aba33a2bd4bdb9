"""Times that do not exist, and times that happen twice: every form and the CLI that take a local time.

Europe/Berlin, 2026: on 29 March the clocks jump from 02:00 to 03:00 (02:30 does not exist); on
25 October they go back from 03:00 to 02:00 (02:30 happens twice: UTC+02:00, then UTC+01:00).
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from conftest import csrf_token

from eventnet.events.models import Event
from eventnet.extensions import db

GAP = "2026-03-29T02:30"
TWICE = "2026-10-25T02:30"


@pytest.fixture
def organizer_client(app, make_event, make_attendee, login):
    event = make_event(slug="conf", timezone="Europe/Berlin")
    olu = make_attendee(event, email="olu@example.org", name="Olu", role="organizer")
    client = login(app.test_client(), olu)
    client.token = csrf_token(client, "/e/conf/organizer/event")
    client.event_id = event.id
    return client


def save_event(client, **changes):
    form = {"csrf_token": client.token, "name": "Conf", "timezone": "Europe/Berlin", "venue": "",
            "starts_at": "2026-10-24T09:00", "ends_at": "2026-10-25T18:00", "scan_opens_at": "", "scan_closes_at": "",
            **changes}
    return client.post("/e/conf/organizer/event", data=form)


def stored(client) -> Event:
    db.session.expire_all()
    return db.session.get(Event, client.event_id)


def test_a_time_in_the_spring_gap_is_refused_not_moved(organizer_client):
    before = stored(organizer_client).starts_at
    response = save_event(organizer_client, starts_at=GAP, ends_at="2026-03-30T18:00")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "2026-03-29 02:30 does not exist in Europe/Berlin" in page
    assert stored(organizer_client).starts_at == before


def test_a_time_that_happens_twice_asks_which_then_saves_the_one_chosen(organizer_client):
    asked = save_event(organizer_client, scan_closes_at=TWICE)
    assert asked.status_code == 422
    page = asked.get_data(as_text=True)
    assert "2026-10-25 02:30 happens twice in Europe/Berlin" in page
    assert 'name="scan_closes_at_fold" value="0"' in page and 'name="scan_closes_at_fold" value="1"' in page
    assert "The first 02:30 (UTC+02:00" in page and "The second 02:30 (UTC+01:00" in page
    assert f'value="{TWICE}"' in page  # what was typed is kept
    for fold, utc_hour in (("1", 1), ("0", 0)):
        saved = save_event(organizer_client, scan_closes_at=TWICE, scan_closes_at_fold=fold)
        assert saved.status_code == 303
        assert stored(organizer_client).scan_closes_at == datetime(2026, 10, 25, utc_hour, 30, tzinfo=timezone.utc)


def test_the_digest_time_gets_the_same_care(organizer_client):
    token = csrf_token(organizer_client, "/e/conf/organizer/digests")
    form = {"csrf_token": token, "no_contacts": "matches", "reminder_days": "30", "reply_to": ""}
    gap = organizer_client.post("/e/conf/organizer/digests/settings", data={**form, "digest_at": GAP})
    assert gap.status_code == 422 and "does not exist" in gap.get_data(as_text=True)
    twice = organizer_client.post("/e/conf/organizer/digests/settings", data={**form, "digest_at": TWICE})
    assert twice.status_code == 422 and 'name="digest_at_fold"' in twice.get_data(as_text=True)
    chosen = organizer_client.post("/e/conf/organizer/digests/settings",
                                   data={**form, "digest_at": TWICE, "digest_at_fold": "1"})
    assert chosen.status_code == 303
    assert stored(organizer_client).digest_at == datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)


def test_the_command_line_refuses_the_gap_and_takes_an_offset_for_the_overlap(runner):
    base = ["events", "create", "night", "--name", "Night", "--timezone", "Europe/Berlin", "--end", "2026-10-26 18:00"]
    gap = runner.invoke(args=[*base[:-2], "--start", "2026-03-29 02:30", "--end", "2026-03-30 18:00"])
    assert gap.exit_code == 1 and "does not exist in Europe/Berlin" in gap.output
    twice = runner.invoke(args=[*base, "--start", "2026-10-25 02:30"])
    assert twice.exit_code == 1 and "happens twice" in twice.output
    assert "+02:00 for the first, +01:00 for the second" in twice.output
    made = runner.invoke(args=[*base, "--start", "2026-10-25 02:30+01:00"])
    assert made.exit_code == 0, made.output
    event = db.session.execute(db.select(Event).filter_by(slug="night")).scalar_one()
    assert event.starts_at == datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)


def test_the_choice_on_a_phone(make_event, make_attendee, phone, live_server):
    """The overlap question reads well and works with a thumb, at 360 px."""
    from conftest import screenshot
    from playwright.sync_api import expect

    from eventnet.auth.services import create_login_link

    event = make_event(slug="conf", timezone="Europe/Berlin")
    olu = make_attendee(event, email="olu@example.org", name="Olu", role="organizer")
    link = create_login_link(olu, "/e/conf/organizer/event")
    db.session.commit()
    phone.goto(link.url)
    phone.get_by_role("button", name="Log in").click()
    phone.get_by_label("Scanning closes").fill(TWICE)
    phone.get_by_role("button", name="Save").first.click()
    expect(phone.locator("#ev-scan_closes_at-error")).to_contain_text("happens twice in Europe/Berlin")
    choice = phone.get_by_role("radio", name="The second 02:30 (UTC+01:00, after the clocks go back)")
    choice.scroll_into_view_if_needed()
    screenshot(phone, "event-time-happens-twice-360", full_page=False)
    assert choice.bounding_box()["height"] >= 20 and phone.evaluate("document.documentElement.scrollWidth") <= 360
    choice.check()
    phone.get_by_role("button", name="Save").first.click()
    expect(phone.locator("#ev-scan_closes_at-error")).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(Event, event.id).scan_closes_at == datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)

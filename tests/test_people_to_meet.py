"""People to meet during the event (issue 14, item 2): suggestions from offers and asks both
ways, only among attendees who chose to be suggested, never showing what a person does not
share, each with its reason and a "not for me" that hides it for good."""
from __future__ import annotations

import html
import json
import re

import pytest

from eventnet.connections.services import record_scan
from eventnet.extensions import db
from eventnet.meet import services as meet
from tests.conftest import csrf_token

TOPICS = ["headline", "company", "email", "topics"]


@pytest.fixture
def hall(client, login, make_event, make_attendee):
    """Mia offers data engineering and looks for hiring; around her, people who match or not."""
    event = make_event(slug="hall", name="Rail Data Summit")
    mia = make_attendee(event, "mia@example.org", "Mia Møller", can_help_with="Data engineering, Python",
                        looking_for="hiring", shared_fields=TOPICS)
    priya = make_attendee(event, "priya@example.org", "Priya Raman", headline="Head of data, Kumo",
                          looking_for="data engineering", shared_fields=TOPICS)
    hugo = make_attendee(event, "hugo@example.org", "Hugo Hire", headline="SECRET-HEADLINE recruiter",
                         can_help_with="Hiring", shared_fields=["topics"])
    quiet = make_attendee(event, "quiet@example.org", "Quinn Quiet", looking_for="python", shared_fields=TOPICS)
    hidden = make_attendee(event, "hidden@example.org", "Hana Hidden", looking_for="data engineering",
                           shared_fields=["headline"])
    for person in (priya, hugo, hidden):
        meet.set_open(person, True)  # Quinn never chose to be suggested; Hana shares no topics
    login(client, mia)
    return {"client": client, "event": event, "mia": mia, "priya": priya, "hugo": hugo, "quiet": quiet, "hidden": hidden}


def _home(client) -> str:
    return html.unescape(client.get("/e/hall/").get_data(as_text=True))


def _suggested(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-suggested="(\d+)"', page)]


def test_suggestions_come_with_their_reason_both_ways_and_only_among_those_who_chose(hall):
    page = _home(hall["client"])
    assert set(_suggested(page)) == {hall["priya"].id, hall["hugo"].id}
    assert "Priya is looking for data engineering, which you can help with." in page
    assert "Hugo can help with Hiring, which you are looking for." in page
    assert "Head of data, Kumo" in page  # Priya shares her headline
    # Quinn matches Mia's Python but never chose to be suggested; Hana chose but shares no topics.
    assert "Quinn Quiet" not in page and "Hana Hidden" not in page
    # Hugo does not share his headline: his suggestion is his name and the reason, nothing else.
    assert "SECRET-HEADLINE" not in page and "hugo@example.org" not in page


def test_someone_already_met_is_not_suggested(hall):
    record_scan(hall["mia"], hall["priya"].badge_token, "6a1f9c3e-0000-4000-8000-000000000001", None)
    db.session.commit()
    assert _suggested(_home(hall["client"])) == [hall["hugo"].id]


def test_not_for_me_hides_a_suggestion_for_good_without_javascript(hall):
    client = hall["client"]
    token = csrf_token(client, "/e/hall/")
    response = client.post(f"/e/hall/meet/{hall['priya'].id}/not-for-me", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/e/hall/#meet-h")
    page = _home(client)
    assert "you will not be suggested this person again" in page
    assert _suggested(page) == [hall["hugo"].id]
    # Twice is harmless, and the digest of someone who met nobody leaves her out too.
    assert client.post(f"/e/hall/meet/{hall['priya'].id}/not-for-me", data={"csrf_token": token}).status_code == 303
    from eventnet.digests.build import topic_matches

    assert [m.name for m in topic_matches(hall["mia"])] == ["Hugo Hire"]


def test_htmx_swaps_the_section_and_the_next_one_takes_its_place(hall, make_attendee):
    other = make_attendee(hall["event"], "olu@example.org", "Olu Ade", looking_for="Python", shared_fields=TOPICS)
    meet.set_open(other, True)
    meet.forget_index(hall["event"].id)
    client = hall["client"]
    token = csrf_token(client, "/e/hall/")
    assert len(_suggested(_home(client))) == 3
    fragment = client.post(f"/e/hall/meet/{hall['hugo'].id}/not-for-me", data={"csrf_token": token},
                           headers={"HX-Request": "true", "HX-Target": "meet"})
    body = html.unescape(fragment.get_data(as_text=True))
    assert fragment.status_code == 200 and body.lstrip().startswith("<section") and "<html" not in body
    assert set(_suggested(body)) == {hall["priya"].id, other.id}


def test_not_for_me_refuses_people_outside_the_event_and_needs_a_post_and_its_token(hall, make_event, make_attendee):
    client = hall["client"]
    token = csrf_token(client, "/e/hall/")
    elsewhere = make_attendee(make_event(slug="other"), "far@example.org", "Far Away")
    for target in (elsewhere.id, hall["mia"].id, 2**31 - 1, 2**31):
        response = client.post(f"/e/hall/meet/{target}/not-for-me", data={"csrf_token": token})
        assert response.status_code == 404, target
    assert client.get(f"/e/hall/meet/{hall['priya'].id}/not-for-me").status_code == 405
    assert client.post(f"/e/hall/meet/{hall['priya'].id}/not-for-me").status_code == 400
    assert client.post("/e/hall/meet/choice", data={"open": "1"}).status_code == 400


def test_nobody_logged_out_reaches_it(app, make_event):
    from flask.testing import FlaskClient

    make_event(slug="hall")
    anonymous: FlaskClient = app.test_client()
    for path in ("/e/hall/meet/choice", "/e/hall/meet/1/not-for-me"):
        response = anonymous.post(path)
        assert response.status_code in (302, 303, 400), path
        assert db.session.execute(db.select(meet.MeetDismissal)).first() is None


def test_the_choice_is_explained_made_and_undone_and_an_opt_out_shows_at_once(hall, client, login):
    mia_client = hall["client"]
    token = csrf_token(mia_client, "/e/hall/")
    page = _home(mia_client)
    assert "Be suggested to them too" in page and 'data-meet-open="0"' in page
    done = mia_client.post("/e/hall/meet/choice", data={"csrf_token": token, "open": "1", "next": "profile"})
    assert done.status_code == 303 and done.headers["Location"] == "/e/hall/profile#meet-h"
    assert meet.is_open(hall["mia"])
    profile = html.unescape(mia_client.get(done.headers["Location"]).get_data(as_text=True))
    assert "You will be suggested to people whose asks and offers match yours." in profile
    assert "Stop suggesting me" in profile

    # Priya now sees Mia (Mia can help with what Priya looks for).
    from flask.testing import FlaskClient

    priya_client: FlaskClient = login(hall["client"].application.test_client(), hall["priya"])
    assert hall["mia"].id in _suggested(_home(priya_client))
    # Mia opts out: gone from Priya's page on the next request, though the index is cached.
    meet.topic_index(hall["event"].id)
    mia_client.post("/e/hall/meet/choice", data={"csrf_token": token, "open": "0"})
    assert hall["mia"].id not in _suggested(_home(priya_client))


def test_a_bad_choice_is_refused_with_a_message(hall):
    client = hall["client"]
    token = csrf_token(client, "/e/hall/")
    for value in ("", "yes", "2"):
        response = client.post("/e/hall/meet/choice", data={"csrf_token": token, "open": value})
        assert response.status_code == 303
        assert "Choose whether to be suggested." in html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    fragment = client.post("/e/hall/meet/choice", data={"csrf_token": token, "open": "maybe"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 422
    listed = client.post("/e/hall/meet/choice", json={"open": ["1"]}, headers={"X-CSRFToken": token})
    assert listed.status_code in (303, 422) and not meet.is_open(hall["mia"])


def test_with_no_topics_the_home_page_asks_for_them(hall, client, login, make_attendee):
    bare = make_attendee(hall["event"], "bare@example.org", "Bare Bones")
    login(client, bare)
    page = _home(client)
    assert "Say what you can help with and what you are looking for" in page and _suggested(page) == []


def test_the_export_carries_the_choice_and_who_was_waved_away(hall):
    client = hall["client"]
    token = csrf_token(client, "/e/hall/")
    client.post("/e/hall/meet/choice", data={"csrf_token": token, "open": "1"})
    client.post(f"/e/hall/meet/{hall['hugo'].id}/not-for-me", data={"csrf_token": token})
    data = json.loads(client.get("/e/hall/contacts/export.json").get_data(as_text=True))
    assert data["people_to_meet"]["suggested_to_others"] is True
    assert [p["name"] for p in data["people_to_meet"]["not_for_me"]] == ["Hugo Hire"]


def test_ties_are_spread_so_that_not_everyone_gets_the_same_person(app, make_event, make_attendee):
    event = make_event(slug="spread")
    offering = [make_attendee(event, f"o{i}@example.org", f"Offer {i}", can_help_with="Rust", shared_fields=TOPICS)
                for i in range(6)]
    for person in offering:
        meet.set_open(person, True)
    seekers = [make_attendee(event, f"s{i}@example.org", f"Seek {i}", looking_for="rust") for i in range(6)]
    firsts = {meet.suggestions_for(seeker)[0].attendee_id for seeker in seekers}
    assert len(firsts) > 1

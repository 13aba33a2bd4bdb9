"""Exchanging cards from a badge URL: mutual, shared fields only, once, and clear refusals."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from conftest import BASE_URL, csrf_token
from flask import g

from eventnet.connections import services
from eventnet.connections.models import Connection, Scan
from eventnet.extensions import db

def page_token(client, url: str) -> str:
    """The CSRF token of client's session, as its page carries it.

    The test keeps an app context pushed, so requests share its `g`, where Flask-WTF caches the
    token of whichever session asked first; forget it so each client gets its own.
    """
    g.pop("csrf_token", None)
    return csrf_token(client, url)



@pytest.fixture
def pair(make_event, make_attendee):
    """Two attendees of one running event: Alice hides her email, Bob shares his phone."""
    event = make_event(slug="conf")
    alice = make_attendee(event, "alice@example.org", "Alice Able", company="Acme", headline="Data engineer",
                          shared_fields=["headline", "company", "topics"], can_help_with="Postgres tuning")
    bob = make_attendee(event, "bob@example.org", "Bob Baker", company="Bobcorp", headline="Product lead",
                        phone="+49 30 1234567", shared_fields=["headline", "company", "email", "phone"])
    return event, alice, bob


def rows():
    return db.session.execute(db.select(Connection).order_by(Connection.owner_id)).scalars().all()


def exchange(client, token: str, slug: str = "conf", **form):
    token_value = page_token(client, f"/e/{slug}/")
    return client.post(f"/b/{token}/exchange", data={"csrf_token": token_value, **form})


def test_badge_page_offers_exchange_and_get_changes_nothing(client, login, pair):
    event, alice, bob = pair
    login(client, bob)
    page = client.get(f"/b/{alice.badge_token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Exchange cards" in html
    assert f'action="/b/{alice.badge_token}/exchange"' in html
    assert client.get(f"/b/{alice.badge_token}/exchange").status_code == 405
    assert rows() == []
    assert db.session.execute(db.select(Scan)).scalars().all() == []


def test_exchange_is_mutual_and_each_side_sees_only_shared_fields(client, app, login, pair):
    event, alice, bob = pair
    login(client, bob)
    response = exchange(client, alice.badge_token)
    assert response.status_code == 303
    bob_row, alice_row = sorted(rows(), key=lambda c: c.owner_id != bob.id)
    assert (bob_row.owner_id, bob_row.contact_id, bob_row.initiated) == (bob.id, alice.id, True)
    assert (alice_row.owner_id, alice_row.contact_id, alice_row.initiated) == (alice.id, bob.id, False)
    assert bob_row.created_at is not None and alice_row.event_id == event.id
    assert response.headers["Location"].endswith(f"/e/conf/contacts/{bob_row.id}")

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Alice Able" in page and "Data engineer" in page and "Postgres tuning" in page
    assert "alice@example.org" not in page  # Alice does not share her email
    assert "Cards exchanged" in page
    assert "You scanned" in page
    assert 'name="note"' in page

    other = app.test_client()
    login(other, alice)
    page = other.get(f"/e/conf/contacts/{alice_row.id}").get_data(as_text=True)
    assert "Bob Baker" in page and "bob@example.org" in page and "+49 30 1234567" in page
    assert "Scanned you" in page
    # Each side reaches only its own row.
    assert other.get(f"/e/conf/contacts/{bob_row.id}").status_code == 404


def test_second_exchange_duplicates_nothing(client, login, pair):
    event, alice, bob = pair
    login(client, bob)
    exchange(client, alice.badge_token)
    again = exchange(client, alice.badge_token)
    assert again.status_code == 303
    assert "already connected" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(rows()) == 2
    badge = client.get(f"/b/{alice.badge_token}").get_data(as_text=True)
    assert "Already connected" in badge
    assert f"/e/conf/contacts/{rows()[1].id if rows()[1].owner_id == bob.id else rows()[0].id}" in badge
    assert "Exchange cards</button>" not in badge


def test_same_form_submitted_twice_connects_once(client, login, pair):
    event, alice, bob = pair
    login(client, bob)
    html = client.get(f"/b/{alice.badge_token}").get_data(as_text=True)
    uuid = re.search(r'name="client_uuid" value="([^"]+)"', html).group(1)
    for _ in range(3):
        assert exchange(client, alice.badge_token, client_uuid=uuid).status_code == 303
    assert len(rows()) == 2
    assert len(db.session.execute(db.select(Scan)).scalars().all()) == 1


def test_exchange_scanned_by_the_other_side_is_already_connected(app, login, pair):
    event, alice, bob = pair
    first, second = app.test_client(), app.test_client()
    login(first, bob)
    login(second, alice)
    exchange(first, alice.badge_token)
    response = exchange(second, bob.badge_token)
    assert "already connected" in second.get(response.headers["Location"]).get_data(as_text=True)
    assert len(rows()) == 2


def test_own_badge_is_refused(client, login, pair):
    event, alice, bob = pair
    login(client, bob)
    response = exchange(client, bob.badge_token)
    assert response.status_code == 400
    assert "your own badge" in response.get_data(as_text=True)
    assert rows() == []


def test_badge_of_another_event_is_refused(client, login, pair, make_event, make_attendee):
    event, alice, bob = pair
    other = make_attendee(make_event(slug="elsewhere"), "carol@example.org", "Carol")
    login(client, bob)
    response = exchange(client, other.badge_token)
    assert response.status_code == 409
    assert "another event" in response.get_data(as_text=True)
    assert rows() == []


def test_unknown_badge_is_404(client, login, pair):
    event, alice, bob = pair
    login(client, bob)
    response = exchange(client, "no-such-badge-token")
    assert response.status_code == 404
    assert "We do not know this badge" in response.get_data(as_text=True)
    assert rows() == []


def test_closed_scanning_window_is_refused(client, login, pair):
    event, alice, bob = pair
    event.scan_closes_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    db.session.commit()
    login(client, bob)
    response = exchange(client, alice.badge_token)
    assert response.status_code == 403
    assert "closed" in response.get_data(as_text=True)
    assert rows() == []


def test_logged_out_exchange_goes_to_login(client, pair):
    event, alice, bob = pair
    token = page_token(client, "/e/conf/login")
    response = client.post(f"/b/{alice.badge_token}/exchange", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/e/conf/login?next=")
    assert alice.badge_token in response.headers["Location"]
    assert rows() == []
    assert client.post("/b/nope/exchange", data={"csrf_token": token}).status_code == 404


def test_revoked_badge_says_replaced(client, login, pair):
    from eventnet.badges.services import reissue_badge

    event, alice, bob = pair
    old = alice.badge_token
    reissue_badge(alice)
    login(client, bob)
    response = exchange(client, old)
    assert response.status_code == 410
    assert "replaced" in response.get_data(as_text=True)
    assert rows() == []


def test_default_scanning_window(make_event):
    event = make_event(starts=datetime(2030, 5, 1, 9, tzinfo=timezone.utc), ends=datetime(2030, 5, 2, 18, tzinfo=timezone.utc))
    opens, closes = services.scanning_window(event)
    assert opens == datetime(2030, 4, 30, 9, tzinfo=timezone.utc)
    assert closes == datetime(2030, 5, 3, 6, tzinfo=timezone.utc)
    assert not services.scanning_open(event, datetime(2030, 4, 30, 8, 59, tzinfo=timezone.utc))
    assert services.scanning_open(event, datetime(2030, 5, 3, 5, 59, tzinfo=timezone.utc))
    event.scan_opens_at = datetime(2030, 5, 1, 8, tzinfo=timezone.utc)
    assert not services.scanning_open(event, datetime(2030, 5, 1, 7, tzinfo=timezone.utc))


@pytest.mark.parametrize(
    "raw, code",
    [
        ("https://evil.example/b/abc", "foreign_url"),
        ("http://eventnet.test.evil.example/b/abc", "foreign_url"),
        ("BEGIN:VCARD", "unknown_badge"),
        ("", "unknown_badge"),
    ],
)
def test_bad_codes_are_refused_by_code(pair, raw, code):
    event, alice, bob = pair
    with pytest.raises(services.ExchangeError) as caught:
        services.record_scan(bob, raw, "9b2f8d40-3c5e-4d8a-9f00-111111111111")
    assert caught.value.code == code
    assert rows() == []


def test_full_badge_url_on_base_url_is_accepted(pair):
    event, alice, bob = pair
    result = services.record_scan(bob, f"{BASE_URL}/b/{alice.badge_token}", "9b2f8d40-3c5e-4d8a-9f00-222222222222")
    assert result.created and result.connection.contact_id == alice.id
    again = services.record_scan(bob, f"/b/{alice.badge_token}/", "9b2f8d40-3c5e-4d8a-9f00-333333333333")
    assert not again.created and again.connection.id == result.connection.id

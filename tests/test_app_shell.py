"""The app shell around every page (issue 12): the event's header and tabs on its error pages, and
My QR's image inside the page."""
from __future__ import annotations

import base64
import re

import pytest

from eventnet.badges.qr import badge_image


@pytest.fixture
def people(make_event, make_attendee):
    event = make_event(slug="conf", name="Rail Data Summit")
    return event, make_attendee(event, "ada@example.org", "Ada Lovelace")


@pytest.fixture
def ada(app, client, login, people):
    return login(client, people[1])


def tabs(html: str) -> list[str]:
    nav = re.search(r'<nav class="tabbar".*?</nav>', html, re.S)
    return re.findall(r">([^<]+)</a>", nav.group(0)) if nav else []


@pytest.mark.parametrize("path", ["/e/conf/no-such-page", "/e/conf/contacts/999999", "/e/conf/contacts/x/y"])
def test_a_404_inside_an_event_keeps_the_event_header_and_tabs(ada, path):
    response = ada.get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert re.search(r'<a class="brand" href="/e/conf/">Rail Data Summit</a>', html)
    assert tabs(html) == ["Home", "Scan", "Contacts", "My QR", "Profile"]
    assert 'data-status="404"' in html


def test_a_404_inside_an_event_shows_no_tabs_to_a_visitor_and_none_for_an_unknown_event(client, people):
    html = client.get("/e/conf/no-such-page").get_data(as_text=True)
    assert "Rail Data Summit" in html and tabs(html) == []
    html = client.get("/e/no-such-event/scan").get_data(as_text=True)
    assert re.search(r'<a class="brand" href="/">eventnet</a>', html)
    # Not an event's address (a slug never holds capitals or dots): no lookup, the plain page.
    assert client.get("/e/Conf.x/page").status_code == 404


def test_my_qr_carries_its_image_inside_the_page(ada, people):
    html = ada.get("/e/conf/me/qr").get_data(as_text=True)
    src = re.search(r'<img class="qr" src="([^"]+)"', html).group(1)
    assert src.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(src.split(",", 1)[1]).decode() == badge_image(people[1]).svg
    assert "data-wake-lock" in html

"""The app shell around every page (issue 12): the event's header and tabs on its error pages, the
offline page the service worker keeps, and My QR's image inside the page."""
from __future__ import annotations

import base64
import json
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
    assert re.search(r'<a class="brand" href="/e/conf/"[^>]*>\s*<span class="brand-name">Rail Data Summit</span></a>', html)
    assert tabs(html) == ["Home", "Scan", "Contacts", "My QR", "Profile"]
    assert 'data-status="404"' in html


def test_a_404_inside_an_event_shows_no_tabs_to_a_visitor_and_none_for_an_unknown_event(client, people):
    html = client.get("/e/conf/no-such-page").get_data(as_text=True)
    assert "Rail Data Summit" in html and tabs(html) == []
    html = client.get("/e/no-such-event/scan").get_data(as_text=True)
    assert re.search(r'<a class="brand" href="/">eventnet</a>', html)
    # Not an event's address (a slug never holds capitals or dots): no lookup, the plain page.
    assert client.get("/e/Conf.x/page").status_code == 404


def test_the_offline_page_links_to_what_works_offline(ada):
    response = ada.get("/e/conf/offline")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "You are offline" in html and tabs(html) == ["Home", "Scan", "Contacts", "My QR", "Profile"]
    assert 'aria-current' not in re.search(r'<nav class="tabbar".*?</nav>', html, re.S).group(0)
    for href in ("/e/conf/scan", "/e/conf/me/qr", "/e/conf/contacts/"):
        assert f'href="{href}"' in html
    # The service worker is told to keep it, as the shell for pages it did not save.
    pages = json.loads(re.search(r'data-offline-pages="([^"]+)"', html).group(1).replace("&#34;", '"'))
    assert {"url": "/e/conf/offline", "mode": "shell"} in pages


def test_the_offline_page_needs_a_login(client, people):
    response = client.get("/e/conf/offline")
    assert response.status_code in (302, 303) and "/e/conf/login" in response.headers["Location"]


def test_the_service_worker_knows_the_start_url(client):
    body = client.get("/sw.js").get_data(as_text=True)
    assert "__START_URL__" not in body and 'var START_URL = "/";' in body
    assert json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))["start_url"] == "/"


def test_my_qr_carries_its_image_inside_the_page(ada, people):
    html = ada.get("/e/conf/me/qr").get_data(as_text=True)
    src = re.search(r'<img class="qr" src="([^"]+)"', html).group(1)
    assert src.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(src.split(",", 1)[1]).decode() == badge_image(people[1]).svg
    assert "data-wake-lock" in html
